"""Persistence: tables, the queries of the two flows, engine setup and Alembic migrations."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError as DatabaseError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.announcement_rows import Announcement
from storage.announcement_store import AnnouncementStore
from storage.catalog_store import CatalogStore, Publication
from storage.chat_data_store import ChatDataStore
from storage.chat_store import ChatStore
from storage.database import Database, DatabaseUnavailable
from storage.digest_store import DigestStore
from storage.engine import DEFAULT_DATABASE_URL, DatabaseClocks, create_engine, missing_sqlite_file
from storage.languages import UNKNOWN as UNKNOWN_LANGUAGE
from storage.languages import ChatLanguage, Languages
from storage.migrate import current_revision, head_revision, upgrade
from storage.nudge_store import NudgeStore
from storage.presence import Presence
from storage.progress_store import ProgressStore
from storage.reminder_store import ReminderStore
from storage.stats_reads import StatsStore


class Storage:
    """Everything the bot keeps, over one engine: the tap flow's progress, each chat's reminder, the
    nudge flow's claims, the chats themselves (presence, moves), and a chat's data as a whole
    (export dates, reset, forget, imports), the language each chat is spoken to in, the operator's
    counts, and announcements."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.database = Database(engine)
        self.progress = ProgressStore(self.database)
        self.reminders = ReminderStore(self.database)
        self.nudges = NudgeStore(self.database)
        self.chats = ChatStore(self.database)
        self.chat_data = ChatDataStore(self.database)
        self.languages = Languages(self.database)
        self.stats = StatsStore(self.database)
        self.digests = DigestStore(self.database)
        self.catalogs = CatalogStore(self.database)
        self.announcements = AnnouncementStore(self.database)

    @property
    def engine(self) -> AsyncEngine:
        """The engine every store shares."""
        return self.database.engine

    async def ping(self) -> None:
        """Raise DatabaseError unless the database answers."""
        await self.database.ping()

    async def close(self) -> None:
        """Release every pooled connection."""
        await self.database.close()


__all__ = [
    "DEFAULT_DATABASE_URL",
    "UNKNOWN_LANGUAGE",
    "Announcement",
    "AnnouncementStore",
    "CatalogStore",
    "ChatDataStore",
    "ChatLanguage",
    "ChatStore",
    "Database",
    "DatabaseClocks",
    "DatabaseError",
    "DatabaseUnavailable",
    "DigestStore",
    "Languages",
    "NudgeStore",
    "Presence",
    "ProgressStore",
    "Publication",
    "ReminderStore",
    "StatsStore",
    "Storage",
    "create_engine",
    "current_revision",
    "head_revision",
    "missing_sqlite_file",
    "upgrade",
]
