"""Persistence: tables, queries, engine setup and Alembic migrations."""

from sqlalchemy.exc import SQLAlchemyError as DatabaseError

from storage.engine import DEFAULT_DATABASE_URL, create_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.progress import Mark, Note, Pace, Progress, SavedRoadmap, StepState, pace_of, weekly_streak
from storage.reminders import NudgeOutcome, Reminder, ReminderStatus
from storage.store import Changed, Opened, Storage

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Changed",
    "DatabaseError",
    "Mark",
    "Note",
    "NudgeOutcome",
    "Opened",
    "Pace",
    "Progress",
    "Reminder",
    "ReminderStatus",
    "SavedRoadmap",
    "StepState",
    "Storage",
    "create_engine",
    "current_revision",
    "head_revision",
    "pace_of",
    "upgrade",
    "weekly_streak",
]
