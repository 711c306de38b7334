"""Rows of many chats locked in one order, the chats' ids ascending, as a tap batch takes them (it
writes its rows in key order): two transactions that lock some of the same rows in different orders
can deadlock, and PostgreSQL finds a deadlock only after `deadlock_timeout` (a second by default),
then fails one of them. SQLite writes one transaction at a time: nothing to do there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import chats


def in_id_order(query: Select[Any]) -> Select[Any]:
    """`query`'s rows of `chats`, locked in id order when it runs. FOR NO KEY UPDATE, as an UPDATE
    that leaves ids alone locks them: a foreign key's check on a chat need not wait on it."""
    return query.order_by(chats.c.id).with_for_update(key_share=True, of=chats)


async def lock_chats(connection: AsyncConnection, query: Select[Any], params: dict[str, Any]) -> set[int] | None:
    """Lock the rows an `in_id_order` query names, in the connection's transaction, before a
    statement that changes them in an order of its own; the ids locked. PostgreSQL only: on SQLite,
    nothing to lock, and None."""
    if connection.dialect.name != "postgresql":
        return None
    return {chat_id for (chat_id,) in await connection.execute(query, params)}
