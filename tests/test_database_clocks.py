"""Every wait on the database has a clock (storage/engine.py, storage/database.py): against the real
PostgreSQL behind a proxy that stops forwarding, and a SQLite file whose write lock another
connection holds. A wait past its clock is a database error, quickly; the database that answers
again is used again; closing does not wait for a database that stopped answering."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from storage import DatabaseClocks, DatabaseError, DatabaseUnavailable, Storage, create_engine
from tests.stall import StallingProxy, sqlite_write_lock

CLOCK = 0.5  # seconds: every clock here
CLOSE = 2.0  # seconds SQLAlchemy gives asyncpg to close a connection that timed out
LATE = 10.0


# The PostgreSQL tests run on the test server (conftest's `empty_database`), reached through a proxy.
on_postgresql = pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)


@pytest.fixture
async def stalled_postgres(
    empty_database: tuple[str, dict[str, object]],
) -> AsyncIterator[tuple[Storage, StallingProxy]]:
    url = make_url(empty_database[0])
    with StallingProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        storage = Storage(create_engine(url.set(port=proxy.port), DatabaseClocks.every(CLOCK)))
        await storage.ping()  # one connection in the pool, from before the stall
        yield storage, proxy
        proxy.resume()
        await storage.close()


async def timed(work: object) -> tuple[BaseException | None, float]:
    """Run an awaitable: what it raised (None if nothing), and how long it took."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(LATE):
            await work  # type: ignore[misc]
    except Exception as error:
        return error, time.monotonic() - started
    return None, time.monotonic() - started


async def read_one(storage: Storage) -> None:
    async with storage.database.reading() as connection:
        await connection.execute(text("SELECT 1"))


@on_postgresql
async def test_postgresql_that_stops_answering_is_a_database_error_within_its_clocks(
    stalled_postgres: tuple[Storage, StallingProxy],
) -> None:
    storage, proxy = stalled_postgres
    proxy.stall()
    pooled, pooled_took = await timed(read_one(storage))  # on the connection from before: a statement's clock
    fresh, fresh_took = await timed(read_one(storage))  # a new connection: the connecting clock
    proxy.resume()
    answered, answered_took = await timed(read_one(storage))
    assert isinstance(pooled, DatabaseUnavailable) and isinstance(pooled, DatabaseError)
    assert isinstance(fresh, DatabaseUnavailable)
    assert CLOCK <= pooled_took < CLOCK + CLOSE + 1, pooled_took
    assert CLOCK <= fresh_took < CLOCK + 1, fresh_took
    assert answered is None and answered_took < 1, "the database that answers again is used again"
    print(
        f"\nFIGURES stalled PostgreSQL, clocks of {CLOCK} s: a statement failed after {pooled_took:.2f} s, a new "
        f"connection after {fresh_took:.2f} s; once it answered again, {answered_took * 1000:.0f} ms"
    )


@on_postgresql
async def test_waiting_for_a_pooled_connection_has_its_clock_too(
    stalled_postgres: tuple[Storage, StallingProxy],
) -> None:
    storage, proxy = stalled_postgres
    url = storage.engine.url
    await storage.close()
    narrow = Storage(create_engine(url, DatabaseClocks(statement=LATE, pool=CLOCK), pool_size=1, max_overflow=0))
    await narrow.ping()
    proxy.stall()
    held = asyncio.create_task(read_one(narrow))  # takes the only connection and waits on the stalled database
    await asyncio.sleep(0)
    waited, took = await timed(read_one(narrow))
    held.cancel()
    assert isinstance(waited, DatabaseUnavailable) and "no database connection came free" in str(waited)
    assert CLOCK <= took < CLOCK + 1
    proxy.resume()
    await asyncio.gather(held, return_exceptions=True)
    await narrow.close()


@on_postgresql
async def test_closing_does_not_wait_on_a_database_that_stopped_answering(
    stalled_postgres: tuple[Storage, StallingProxy], caplog: pytest.LogCaptureFixture
) -> None:
    storage, proxy = stalled_postgres
    proxy.stall()
    await timed(read_one(storage))
    closed, took = await timed(storage.close())
    assert closed is None and took < CLOCK
    assert [r.levelno for r in caplog.records if r.name == "storage.database"] == [logging.WARNING]


@pytest.fixture
async def sqlite_storage(tmp_path: Path) -> AsyncIterator[tuple[Storage, Path]]:
    path = tmp_path / "bot.sqlite3"
    storage = Storage(create_engine(f"sqlite+aiosqlite:///{path}", DatabaseClocks.every(CLOCK)))
    async with storage.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    yield storage, path
    await storage.close()


async def write_one(storage: Storage) -> None:
    async with storage.database.writing() as connection:
        await connection.execute(text("INSERT INTO t VALUES (1)"))


async def test_sqlite_whose_write_lock_is_held_fails_each_writer_within_its_clocks(
    sqlite_storage: tuple[Storage, Path],
) -> None:
    storage, path = sqlite_storage
    with sqlite_write_lock(path):
        started = time.monotonic()
        writers = await asyncio.gather(*(timed(write_one(storage)) for _ in range(5)), return_exceptions=False)
        all_took = time.monotonic() - started
        health, health_took = await timed(storage.ping())
        read, _ = await timed(read_one(storage))
    after, _ = await timed(write_one(storage))
    assert all(isinstance(error, DatabaseError) for error, _ in writers), writers
    assert all_took < 2 * CLOCK + 1, "queued writers do not wait one busy timeout each in turn"
    assert isinstance(health, DatabaseError) and health_took < CLOCK + 1, "the health check asks for the write lock"
    assert read is None, "reads do not need the write lock"
    assert after is None, "once the lock is let go, writes go through"
    print(
        f"\nFIGURES five SQLite writers behind a held lock, clocks of {CLOCK} s: all failed after {all_took:.2f} s; "
        f"the health check after {health_took:.2f} s"
    )
