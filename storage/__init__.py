"""Persistence: tables, the queries of the two flows, engine setup and Alembic migrations."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError as DatabaseError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import Database, DatabaseUnavailable
from storage.engine import DEFAULT_DATABASE_URL, DatabaseClocks, create_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.momentum import Momentum, Pace, done_since, pace_of, weekly_streak
from storage.place import Place, place_of
from storage.presence import Presence
from storage.progress import (
    Confirmed,
    Mark,
    Note,
    Progress,
    SavedRoadmap,
    StepState,
    digest_of,
    kept_roadmaps,
    percent,
    progress_line,
    started_roadmaps,
    storable_text,
    tally_line,
)
from storage.progress_store import Changed, ProgressStore
from storage.reminder_store import ReminderStore
from storage.reminders import NudgeOutcome, Reminder, ReminderStatus
from storage.topics import NOTHING_TO_COUNT, DoneElsewhere, countable_here, done_elsewhere, needs_other_roadmaps


class Storage:
    """Everything the bot keeps, over one engine: the tap flow's progress and the nudge flow's reminders."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.database = Database(engine)
        self.progress = ProgressStore(self.database)
        self.reminders = ReminderStore(self.database)

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
    "NOTHING_TO_COUNT",
    "Changed",
    "Confirmed",
    "Database",
    "DatabaseClocks",
    "DatabaseError",
    "DatabaseUnavailable",
    "DoneElsewhere",
    "Mark",
    "Momentum",
    "Note",
    "NudgeOutcome",
    "Pace",
    "Place",
    "Presence",
    "Progress",
    "ProgressStore",
    "Reminder",
    "ReminderStatus",
    "ReminderStore",
    "SavedRoadmap",
    "StepState",
    "Storage",
    "countable_here",
    "create_engine",
    "current_revision",
    "digest_of",
    "done_elsewhere",
    "done_since",
    "head_revision",
    "kept_roadmaps",
    "needs_other_roadmaps",
    "pace_of",
    "percent",
    "place_of",
    "progress_line",
    "started_roadmaps",
    "storable_text",
    "tally_line",
    "upgrade",
    "weekly_streak",
]
