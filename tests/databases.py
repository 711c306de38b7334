"""Databases for tests and benchmarks: whether the PostgreSQL server answers, a schema of one's
own on it, and chats with due reminders loaded in bulk."""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import insert, make_url, text

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
                        "weekday": 4,
                        "hour": 9,
                        "timezone": "UTC",
                        "due_at": due + step * i,
                        "unanswered": 0,
                        "failures": 0,
                    }
                    for i in ids
                ],
            )
