"""Writes that change several chats' rows at once lock them in the order a tap batch does (ids
ascending), so neither waits out PostgreSQL's deadlock timeout (a second) against a tap batch and
then fails or is retried.

Each test holds a tap-like transaction on chat 1, starts the write, waits until it waits on a lock,
then has the transaction change chat 2 too, as a tap batch of chats 1 and 2 does. Locked in any
other order, the write would already hold chat 2: a deadlock."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import Storage
from storage.tables import chats

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
WAIT = 10.0  # seconds any step may take; far beyond the deadlock timeout


async def made_chats(storage: Storage, *chat_ids: int) -> None:
    """Chats with a step card open and no welcome yet, their rows stored in the order given (a
    statement that scans the table meets them in that order)."""
    async with storage.database.writing() as connection:
        for chat_id in chat_ids:
            row = {"id": chat_id, "created_at": NOW, "current_roadmap_id": "backend", "current_step_id": "git"}
            await connection.execute(insert(chats).values(row))


@asynccontextmanager
async def tap_holding_chat_1(storage: Storage) -> AsyncIterator[AsyncConnection]:
    """A transaction that has changed chat 1's row and not committed, as a tap batch does first."""
    async with storage.engine.connect() as connection, connection.begin():
        await connection.execute(update(chats).where(chats.c.id == 1).values(current_step_id="tap"))
        yield connection


async def waiting_on_a_lock(storage: Storage, holder: AsyncConnection) -> None:
    """Until a backend waits on a lock the holder's transaction holds (the write meets chat 1).
    Each look in its own transaction: PostgreSQL keeps one snapshot of pg_stat_activity a
    transaction."""
    holder_pid = await holder.scalar(text("SELECT pg_backend_pid()"))
    query = text("SELECT count(*) FROM pg_stat_activity WHERE CAST(:holder AS INTEGER) = ANY(pg_blocking_pids(pid))")
    async with asyncio.timeout(WAIT):
        while True:
            async with storage.database.reading() as watcher:
                if await watcher.scalar(query, {"holder": holder_pid}):
                    return
            await asyncio.sleep(0.01)


async def beside_a_tap(storage: Storage, write: Callable[[], Awaitable[object]]) -> object:
    """Run `write` while a tap-like transaction holds chat 1 and then changes chat 2; its result."""
    if storage.database.dialect != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    async with tap_holding_chat_1(storage) as tap:
        task = asyncio.ensure_future(write())
        await waiting_on_a_lock(storage, tap)
        async with asyncio.timeout(WAIT):
            await tap.execute(update(chats).where(chats.c.id == 2).values(current_step_id="tap"))
    async with asyncio.timeout(WAIT):
        return await task


async def test_app_languages_written_beside_a_tap_batch_lock_in_its_order(storage: Storage) -> None:
    await made_chats(storage, 2, 1)
    # One statement a language, "en" first: chat 2, then chat 1; and chat 2 seen first.
    storage.languages.seen(2, "en")
    storage.languages.seen(1, "ru")
    await beside_a_tap(storage, storage.languages.write_seen)
    async with storage.database.reading() as connection:
        rows = (await connection.execute(select(chats.c.id, chats.c.language, chats.c.current_step_id))).all()
    assert sorted(rows) == [(1, "ru", "tap"), (2, "en", "tap")]


async def test_welcomes_claimed_beside_a_tap_batch_lock_in_its_order(storage: Storage) -> None:
    await made_chats(storage, 2, 1)  # chat 2's row first: a scan of the table meets it first
    claimed = await beside_a_tap(storage, lambda: storage.nudges.claim_welcomes([1, 2], NOW))
    assert sorted(welcome.chat_id for welcome in claimed) == [1, 2]  # type: ignore[attr-defined]
    async with storage.database.reading() as connection:
        rows = (await connection.execute(select(chats.c.id, chats.c.welcomed_at, chats.c.current_step_id))).all()
    assert sorted(rows) == [(1, NOW, "tap"), (2, NOW, "tap")]
