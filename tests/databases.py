"""Databases for tests and benchmarks: whether the PostgreSQL server answers, a schema of one's
own on it (for this process, or by URL for a `roadmap-bot` process), rows read back from a
database a process owns, and chats with due reminders loaded in bulk."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Executable, insert, inspect, make_url, text

from storage import Storage, create_engine
from storage.tables import chat_roadmaps, chats, reminders

SEED = "backend-engineer-ai-era"
CHUNK = 10_000


def reachable(url: str) -> bool:
    """Whether the database server of a URL accepts connections."""
    parsed = make_url(url)
    try:
        socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), timeout=2).close()
        return True
    except OSError:
        return False


@asynccontextmanager
async def own_schema(url: str, prefix: str) -> AsyncIterator[dict[str, Any]]:
    """A new, empty PostgreSQL schema, dropped afterwards; yields the engine options that make it
    the search path."""
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield {"connect_args": {"server_settings": {"search_path": schema}}}
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


def search_path_url(url: str, schema: str) -> str:
    """The PostgreSQL URL whose connections use `schema`, as a DATABASE_URL can carry it.

    SQLAlchemy's asyncpg dialect hands the URL's query to asyncpg.connect as keyword arguments;
    asyncpg reads the query of a `dsn` as server settings, and the URL's own host, user and
    database win over the dsn's empty ones."""
    return f"{url}?dsn={urllib.parse.quote(f'postgresql:///?search_path={schema}', safe='')}"


@contextmanager
def schema_for_processes(url: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL schema for `roadmap-bot` processes, dropped afterwards; yields
    the URL that makes it their search path."""
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    asyncio.run(_execute(url, f'CREATE SCHEMA "{schema}"'))
    try:
        yield search_path_url(url, schema)
    finally:
        asyncio.run(_execute(url, f'DROP SCHEMA "{schema}" CASCADE'))


async def _execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


T = TypeVar("T")


@dataclass(frozen=True)
class ProcessDatabase:
    """A database that `roadmap-bot` processes own: the DATABASE_URL they get, the directory they
    run in, and what a test reads back from it afterwards, each read on a connection of its own."""

    dialect: str  # "sqlite" or "postgresql"
    url: str
    directory: Path

    @property
    def sqlite_file(self) -> Path:
        """The SQLite file (of a SQLite database only)."""
        assert self.dialect == "sqlite", "only a SQLite database is a file"
        return Path(make_url(self.url).database or "")

    def rows(self, statement: str | Executable, **parameters: Any) -> list[tuple[Any, ...]]:
        """The rows of one statement (SQL text takes `:name` parameters), as tuples."""
        query = text(statement) if isinstance(statement, str) else statement

        async def read(storage: Storage) -> list[tuple[Any, ...]]:
            async with storage.engine.connect() as connection:
                return [tuple(row) for row in await connection.execute(query, parameters)]

        return self.run(read)

    def tables(self) -> set[str]:
        """The names of the tables there."""

        async def read(storage: Storage) -> set[str]:
            async with storage.engine.connect() as connection:
                return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))

        return self.run(read)

    def run(self, work: Callable[[Storage], Awaitable[T]]) -> T:
        """Do some async work on a Storage over this database, from a test that is not async."""

        async def on_storage() -> T:
            storage = Storage(create_engine(self.url))
            try:
                return await work(storage)
            finally:
                await storage.close()

        return asyncio.run(on_storage())


async def bulk_load(
    storage: Storage, count: int, due: dt.datetime, spread: dt.timedelta, started: dt.datetime | None = None
) -> None:
    """Chats 1 to `count` that started the seed roadmap (a week before `due` unless said), with
    weekly Friday 09:00 reminders due from just after `due` to `due + spread`, evenly."""
    started = started or due - dt.timedelta(days=7)
    step = spread / count if count else spread
    for first in range(1, count + 1, CHUNK):
        ids = range(first, min(count, first + CHUNK - 1) + 1)
        async with storage.engine.begin() as connection:
            await connection.execute(insert(chats), [{"id": i, "created_at": started} for i in ids])
            await connection.execute(
                insert(chat_roadmaps),
                [{"chat_id": i, "roadmap_id": SEED, "started_at": started, "last_activity_at": started} for i in ids],
            )
            await connection.execute(
                insert(reminders),
                [
                    {
                        "chat_id": i,
                        "status": "active",
                        "weekdays": 1 << 4,  # Fridays
                        "hour": 9,
                        "timezone": "UTC",
                        "due_at": due + step * i,
                        "unanswered": 0,
                        "failures": 0,
                    }
                    for i in ids
                ],
            )
