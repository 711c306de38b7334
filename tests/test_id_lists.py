"""A list of ids as one parameter (storage/id_lists.py): exactly the rows named, on both databases,
whatever the ids (big negative group ids, text with quotes and JSON's own characters), found
through the index, in a statement whose text is the same for one id and for a hundred."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, event, insert, select, text
from sqlalchemy.engine import Connection

from storage import Storage
from storage.id_lists import one_of
from storage.tables import chat_roadmaps, chats

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
CHATS = [-1_001_234_567_890_123, -42, 0, 7, 2**62]  # a supergroup's id, a group's, a person's, a big one
ROADMAPS = ["seed", "o'neil", 'quote"d', "back\\slash", "[1]", "шаг-два"]


def by_chat() -> Select[Any]:
    return select(chats.c.id).where(one_of(chats.c.id, "ids")).order_by(chats.c.id)


def by_roadmap() -> Select[Any]:
    return select(chat_roadmaps.c.roadmap_id).where(one_of(chat_roadmaps.c.roadmap_id, "ids"))


async def _fill(storage: Storage) -> None:
    async with storage.engine.begin() as connection:
        await connection.execute(insert(chats), [{"id": chat_id, "created_at": T0} for chat_id in [*CHATS, 99]])
        await connection.execute(
            insert(chat_roadmaps),
            [{"chat_id": 7, "roadmap_id": r, "last_activity_at": T0} for r in [*ROADMAPS, "other"]],
        )


async def _read(storage: Storage, statement: Any, ids: list[Any]) -> list[Any]:
    async with storage.engine.connect() as connection:
        return list((await connection.execute(statement, {"ids": ids})).scalars())


async def test_the_rows_named_and_no_others(storage: Storage) -> None:
    await _fill(storage)
    assert await _read(storage, by_chat(), CHATS) == sorted(CHATS)
    assert await _read(storage, by_chat(), [7, 7, 12345]) == [7]  # a repeat once, an unknown id not at all
    assert await _read(storage, by_chat(), []) == []
    assert sorted(await _read(storage, by_roadmap(), ROADMAPS)) == sorted(ROADMAPS)
    assert await _read(storage, by_roadmap(), ["o'neil", "%", "seed' OR '1'='1"]) == ["o'neil"]


async def test_the_statement_is_the_same_text_for_one_id_and_for_a_hundred(storage: Storage) -> None:
    await _fill(storage)
    sent: list[str] = []

    def record(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(storage.engine.sync_engine, "before_cursor_execute", record)
    try:
        for ids in ([7], list(range(100)), CHATS):
            await _read(storage, by_chat(), ids)
    finally:
        event.remove(storage.engine.sync_engine, "before_cursor_execute", record)
    assert len(sent) == 3 and len(set(sent)) == 1, sent


async def test_the_rows_are_found_through_the_index(storage: Storage) -> None:
    await _fill(storage)
    compiled = by_chat().compile(dialect=storage.engine.dialect)
    async with storage.engine.connect() as connection:
        if storage.engine.dialect.name == "sqlite":
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", ("[7]",))
            details = [row[-1] for row in plan]
            assert any(d.startswith("SEARCH chats USING") and "(id=?)" in d for d in details), details
            return
        await connection.execute(text("SET LOCAL enable_seqscan = off"))  # a 6-row table: show the index can be used
        plan = await connection.exec_driver_sql(f"EXPLAIN {compiled}", ([7],))
        lines = [row[0] for row in plan]
        assert any("Index" in line for line in lines) and any("= ANY" in line for line in lines), lines
