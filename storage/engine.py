"""Creating the async engine, with the SQLite settings a bot that writes on every tap needs."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///roadmap-bot.sqlite3"

# Milliseconds a writer waits for another writer (the bot, a `nudge` run) before SQLite gives up,
# unless the engine's clocks say otherwise.
SQLITE_BUSY_TIMEOUT_MS = 15_000


@dataclass(frozen=True, slots=True)
class DatabaseClocks:
    """Seconds the database may keep us waiting: to open a connection, for one statement (on
    SQLite, for another process's write lock: the busy timeout), and for a pooled connection to come
    free (on SQLite also for this process's turn to write). None leaves a wait to the driver:
    asyncpg waits 60 s to connect and for ever for a statement, SQLAlchemy 30 s for the pool."""

    connect: float | None = None
    statement: float | None = None
    pool: float | None = None

    @classmethod
    def every(cls, seconds: float) -> DatabaseClocks:
        """The same clock for every wait."""
        return cls(connect=seconds, statement=seconds, pool=seconds)


def create_engine(url: str = DEFAULT_DATABASE_URL, clocks: DatabaseClocks | None = None, **options: Any) -> AsyncEngine:
    """An AsyncEngine for the URL, its waits on `clocks`; SQLite gets WAL, a busy timeout, foreign
    keys and quicker cursors."""
    parsed = make_url(url)
    clocks = clocks or DatabaseClocks()
    if parsed.get_backend_name() == "sqlite" and parsed.get_driver_name() == "aiosqlite" and not parsed.query:
        path = parsed.database or ":memory:"
        options.setdefault("async_creator", lambda: OneTripConnection.to(path))
    if parsed.get_driver_name() == "asyncpg":
        # asyncpg's own clocks: `timeout` to connect, `command_timeout` for each statement (and for
        # closing a connection); on a timeout it cancels the statement and drops the connection.
        waits = {"timeout": clocks.connect, "command_timeout": clocks.statement}
        driver = {name: seconds for name, seconds in waits.items() if seconds is not None}
        options["connect_args"] = {**driver, **options.get("connect_args", {})}
    if clocks.pool is not None:
        options.setdefault("pool_timeout", clocks.pool)
    # Errors and logs show statements without their values: the values are what people typed.
    options.setdefault("hide_parameters", True)
    engine = create_async_engine(url, **options)
    if parsed.get_backend_name() == "sqlite":
        busy = SQLITE_BUSY_TIMEOUT_MS if clocks.statement is None else round(clocks.statement * 1000)
        event.listen(engine.sync_engine, "connect", partial(_configure_sqlite, busy))
    return engine


def missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, if it is not there (opening it would create it); else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


class OneTripCursor:
    """An aiosqlite cursor whose execute runs the statement, fetches its rows and closes in one trip
    to the connection's thread.

    aiosqlite runs each call in its connection's thread, and SQLAlchemy makes four calls per
    statement (open a cursor, execute, fetch, close): four trips, each a queue hand-off between
    threads, were most of what a tap cost (see docs/performance.md).
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self._rows: list[Any] = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Any = ()) -> OneTripCursor:
        """Run one statement and take its rows, in one trip."""
        return await self._run(lambda cursor: cursor.execute(sql, parameters))

    async def executemany(self, sql: str, rows: Any) -> OneTripCursor:
        """Run one statement for many rows, in one trip."""
        return await self._run(lambda cursor: cursor.executemany(sql, rows))

    async def _run(self, call: Any) -> OneTripCursor:
        def in_thread(connection: sqlite3.Connection) -> tuple[Any, int, int | None, list[Any]]:
            cursor = connection.cursor()
            try:
                call(cursor)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()

        self.description, self.rowcount, self.lastrowid, self._rows = await self._connection._execute(
            in_thread, self._connection._conn
        )
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size or self.arraysize
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._rows = []


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors are OneTripCursors, and whose commit and rollback
    make no trip when there is no transaction (a read opens none; the pool rolls back anyway).

    aiosqlite runs each connection's calls one at a time in its own thread; check_same_thread
    is off only so the event loop can read `in_transaction` while that thread is idle."""

    @classmethod
    def to(cls, path: str) -> OneTripConnection:
        """A connection to a SQLite file; its thread does not keep the process alive (as
        SQLAlchemy arranges for aiosqlite's own connections)."""
        connection = cls(lambda: sqlite3.connect(path, check_same_thread=False), 64)
        connection._thread.daemon = True
        return connection

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def commit(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            await super().rollback()


def _configure_sqlite(busy_timeout_ms: int, dbapi_connection: Any, _record: Any) -> None:
    """Per-connection pragmas; WAL lets readers and one writer work at once."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()
