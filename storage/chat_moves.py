"""A group that became a supergroup: its rows move to the new chat id. When the new id already has
rows (an update from it was handled before the move), the two merge: each step keeps its latest
change, each roadmap its earliest start and latest use, and the chat one reminder, the group's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import chat_roadmaps, chats, check_ticks, pending_imports, reminders, step_notes, step_states


async def move_chat(connection: AsyncConnection, old_chat_id: int, new_chat_id: int) -> bool:
    """Move (or merge) every row of a chat to its new id, in the caller's transaction; False when the
    old id has nothing to move."""
    if old_chat_id == new_chat_id or not await _has_chat(connection, old_chat_id):
        return False
    if not await _has_chat(connection, new_chat_id):
        await connection.execute(update(chats).where(chats.c.id == old_chat_id).values(id=new_chat_id))
        return True
    await _merge_roadmaps(connection, old_chat_id, new_chat_id)
    for table in (step_states, step_notes):
        await _merge_latest(connection, table, old_chat_id, new_chat_id)
    await _merge_ticks(connection, old_chat_id, new_chat_id)
    await _keep_one(connection, reminders, old_chat_id, new_chat_id)
    await _keep_one(connection, pending_imports, old_chat_id, new_chat_id)
    await connection.execute(delete(chats).where(chats.c.id == old_chat_id))
    return True


async def _has_chat(connection: AsyncConnection, chat_id: int) -> bool:
    return (await connection.execute(select(chats.c.id).where(chats.c.id == chat_id))).first() is not None


async def _rows(connection: AsyncConnection, table: Table, chat_id: int) -> list[dict[str, Any]]:
    query = select(table).where(table.c.chat_id == chat_id)
    return [dict(row) for row in (await connection.execute(query)).mappings()]


async def _merge_roadmaps(connection: AsyncConnection, old: int, new: int) -> None:
    """Every roadmap of either id under the new one: started when first started, used when last used."""
    theirs = {row["roadmap_id"]: row for row in await _rows(connection, chat_roadmaps, new)}
    for row in await _rows(connection, chat_roadmaps, old):
        here = theirs.get(row["roadmap_id"])
        if here is None:
            await connection.execute(insert(chat_roadmaps).values({**row, "chat_id": new}))
            continue
        key = (chat_roadmaps.c.chat_id == new) & (chat_roadmaps.c.roadmap_id == row["roadmap_id"])
        await connection.execute(
            update(chat_roadmaps)
            .where(key)
            .values(
                started_at=min(row["started_at"], here["started_at"]),
                last_activity_at=max(row["last_activity_at"], here["last_activity_at"]),
            )
        )


async def _merge_latest(connection: AsyncConnection, table: Table, old: int, new: int) -> None:
    """Marks or notes of both ids under the new one; where both have one for a step, the later wins."""
    theirs = {(row["roadmap_id"], row["step_id"]): row for row in await _rows(connection, table, new)}
    for row in await _rows(connection, table, old):
        here = theirs.get((row["roadmap_id"], row["step_id"]))
        if here is not None and here["changed_at"] >= row["changed_at"]:
            continue
        if here is not None:
            key = (
                (table.c.chat_id == new)
                & (table.c.roadmap_id == row["roadmap_id"])
                & (table.c.step_id == row["step_id"])
            )
            await connection.execute(delete(table).where(key))
        await connection.execute(insert(table).values({**row, "chat_id": new}))


async def _merge_ticks(connection: AsyncConnection, old: int, new: int) -> None:
    """The checks ticked under either id, under the new one (a check ticked by either stays ticked)."""
    theirs = {(row["roadmap_id"], row["step_id"], row["check_id"]) for row in await _rows(connection, check_ticks, new)}
    for row in await _rows(connection, check_ticks, old):
        if (row["roadmap_id"], row["step_id"], row["check_id"]) not in theirs:
            await connection.execute(insert(check_ticks).values({**row, "chat_id": new}))


async def _keep_one(connection: AsyncConnection, table: Table, old: int, new: int) -> None:
    """One row per chat (the reminder, a held file): the old id's, which the group has had longer."""
    rows = await _rows(connection, table, old)
    if rows:
        await connection.execute(delete(table).where(table.c.chat_id == new))
        await connection.execute(insert(table).values({**rows[0], "chat_id": new}))
