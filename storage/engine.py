"""Creating the async engine, with the SQLite settings a bot that writes on every tap needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///roadmap-bot.sqlite3"

# Milliseconds a writer waits for another writer (the bot, a `nudge` run) before SQLite gives up.
SQLITE_BUSY_TIMEOUT_MS = 15_000


def create_engine(url: str = DEFAULT_DATABASE_URL, **options: Any) -> AsyncEngine:
    """An AsyncEngine for the URL; SQLite gets WAL, a busy timeout and foreign keys."""
    engine = create_async_engine(url, **options)
    if make_url(url).get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection pragmas; WAL lets readers and one writer work at once."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()
