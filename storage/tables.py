"""The schema, as SQLAlchemy Core tables; Alembic migrations create it, this describes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
    text,
    true,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone, so we add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; store aware UTC datetimes only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[dt.datetime | None], Any] | None:
        """On SQLite, a time written as the text SQLite keeps (the naive UTC time, as SQLAlchemy's
        own DATETIME writes it: `2026-12-07 06:45:01.123456`) in one step: a write of a batch of taps
        binds a few for each tap. Elsewhere, the decorator's."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def as_text(value: dt.datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is not dt.UTC:
                value = self.process_bind_param(value, dialect)  # refuses a naive time; any zone to UTC
                assert value is not None
                return value.isoformat(" ", "microseconds")
            return value.isoformat(" ", "microseconds")[:26]  # without its "+00:00"

        return as_text

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], dt.datetime | None] | None:
        """On SQLite, the stored text read as a UTC time in one step (every row of a read has a
        few): SQLite keeps the naive UTC time process_bind_param wrote. Elsewhere, the decorator's."""
        read = self.impl_instance.result_processor(dialect, coltype) if dialect.name == "sqlite" else None
        if read is None:
            return super().result_processor(dialect, coltype)

        def utc(value: Any) -> dt.datetime | None:
            return None if value is None else read(value).replace(tzinfo=dt.UTC)

        return utc


ID = String(64)
# The chats rows ix_chats_welcome_pending holds (a query must say the same to use it).
WELCOME_PENDING = text("welcomed_at IS NULL AND current_roadmap_id IS NOT NULL")

chats = Table(
    "chats",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("created_at", UtcDateTime, nullable=False),
    # The step card the chat last opened or changed: where /note without a reply goes.
    Column("current_roadmap_id", ID, nullable=True),
    Column("current_step_id", ID, nullable=True),
    # The language the chat is spoken to in: chosen (/language, or a group's when the bot joined), or
    # else the one its person's app used last (private chats); a nudge speaks it.
    Column("language", String(8), nullable=True),
    Column("language_chosen", Boolean, nullable=False, server_default=false()),
    # Whether the chat gets the operator's announcements ("🔕 No announcements" turns them off).
    Column("announcements", Boolean, nullable=False, server_default=true()),
    # The time zone the chat told (typed, a shared location, the page's): its first reminder starts in it.
    Column("timezone", String(64), nullable=True),
    # When the nudge pass dealt with the chat's welcome: sent it (the chat opened a step card and
    # changed nothing for WELCOME_AFTER), or found it needless (the chat had started); none: not yet.
    Column("welcomed_at", UtcDateTime, nullable=True),
    # The chats whose welcome is still to be dealt with, oldest first.
    Index(
        "ix_chats_welcome_pending",
        "created_at",
        sqlite_where=WELCOME_PENDING,
        postgresql_where=WELCOME_PENDING,
    ),
)

chat_roadmaps = Table(
    "chat_roadmaps",
    metadata,
    Column(
        "chat_id",
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    ),
    Column("roadmap_id", ID, primary_key=True),
    Column("started_at", UtcDateTime, nullable=True),  # the first step change; none: only notes so far
    Column("last_activity_at", UtcDateTime, nullable=False),  # the latest step change: the focus follows it
    # When /progress told the chat this roadmap is no longer offered (it is told once); none: not yet.
    Column("absence_told_at", UtcDateTime, nullable=True),
)


def step_of_a_chat_roadmap() -> list[Column[Any] | ForeignKeyConstraint]:
    """The key of a row about one step of a chat's roadmap; it goes when the chat's roadmap goes."""
    return [
        Column("chat_id", BigInteger, primary_key=True),
        Column("roadmap_id", ID, primary_key=True),
        Column("step_id", ID, primary_key=True),
        ForeignKeyConstraint(
            ["chat_id", "roadmap_id"],
            ["chat_roadmaps.chat_id", "chat_roadmaps.roadmap_id"],
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
    ]


step_states = Table(
    "step_states",
    metadata,
    *step_of_a_chat_roadmap(),
    Column("state", String(16), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    # What the step was before its latest change (no state: not started), for Undo to put back.
    Column("before_state", String(16), nullable=True),
    Column("before_at", UtcDateTime, nullable=True),
    CheckConstraint("state IN ('working', 'done', 'skipped')", name="known_state"),
)

# A "done when" check a chat ticked on a step (by the check's id, as the roadmap file names it).
check_ticks = Table(
    "check_ticks",
    metadata,
    *step_of_a_chat_roadmap(),
    Column("check_id", ID, primary_key=True),
    Column("ticked_at", UtcDateTime, nullable=False),
)

step_notes = Table(
    "step_notes",
    metadata,
    *step_of_a_chat_roadmap(),
    Column("text", Text, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

# One row per chat that has started a roadmap. The database is the schedule: `due_at` is set
# exactly when the status is active, and the dispatcher claims rows by it.
reminders = Table(
    "reminders",
    metadata,
    Column(
        "chat_id",
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    ),
    Column("status", String(16), nullable=False),
    Column("weekdays", SmallInteger, nullable=False),  # a bit a day: Monday 1, Tuesday 2, ... Sunday 64
    Column("hour", SmallInteger, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("due_at", UtcDateTime, nullable=True),
    Column("unanswered", Integer, nullable=False),
    Column("last_sent_at", UtcDateTime, nullable=True),
    Column("failures", Integer, nullable=False),
    Column("stopped_at", UtcDateTime, nullable=True),
    Column("claimed_at", UtcDateTime, nullable=True),  # set by a claim, cleared when its outcome is recorded
    CheckConstraint("status IN ('active', 'paused', 'idle', 'blocked', 'gone')", name="known_status"),
    CheckConstraint("(status = 'active') = (due_at IS NOT NULL)", name="due_when_active"),
    CheckConstraint("weekdays BETWEEN 1 AND 127", name="weekdays_range"),
    CheckConstraint("hour BETWEEN 0 AND 23", name="hour_range"),
    Index("ix_reminders_due_at_chat_id", "due_at", "chat_id"),
)

# An export file a chat sent back, until it confirms (or not) replacing its progress with it.
pending_imports = Table(
    "pending_imports",
    metadata,
    Column(
        "chat_id",
        BigInteger,
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# --- the facts the operator's numbers are made of (append-only, kept FACTS_RETENTION_DAYS) -----------

# Each day a chat did anything (a message, a tap, a page call), written with presence: its first row
# is when the chat first came.
chat_days = Table(
    "chat_days",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("first_at", UtcDateTime, nullable=False),  # the first moment of that day it was seen (to a flush)
    Index("ix_chat_days_day", "day"),
)

# What happened, one row each: a step's state changed (with where: chat, page, import), a nudge was
# sent (its kind) or tapped, reminders were stopped or snoozed, the bot was blocked. Keyed by chat
# id only: no names, no texts.
facts = Table(
    "facts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("roadmap_id", ID, nullable=True),
    Column("step_id", ID, nullable=True),
    Column("old_state", String(16), nullable=True),
    Column("new_state", String(16), nullable=True),
    Column("source", String(16), nullable=True),  # a step change: chat, page, import; a nudge: its kind
    Index("ix_facts_at", "at"),
    Index("ix_facts_chat_id_at", "chat_id", "at"),
)

# Operators (OPERATOR_CHAT_IDS) who asked for /stats' weekly digest, and when it is next due.
stats_digests = Table(
    "stats_digests",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("due_at", UtcDateTime, nullable=False),
)

# --- announcements: the operator's message to many chats, and what became of each ----------------

# One announcement: its content (HTML as the bot writes it, a picture, a roadmap to open), its
# audience, and where it is. `chat_id` is the operator's chat (None from the shell), `message_id`
# the message there that shows its progress. `paced_until` is the sending budget every instance
# shares: the moment the messages already taken will have gone at the configured rate.
announcements = Table(
    "announcements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("text", Text, nullable=False),
    Column("photo", String(256), nullable=True),
    Column("roadmap_id", ID, nullable=True),
    Column("audience", String(80), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("reported_at", UtcDateTime, nullable=True),
    Column("paced_until", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('draft', 'sending', 'done', 'cancelled')", name="known_status"),
    Index("ix_announcements_status", "status"),
)

# One row per recipient of an announcement, with its own state (progress.announcements.RecipientState);
# rows are claimed in small leases, marked in flight (`sending`, `claimed_at`) before anything is sent.
announcement_recipients = Table(
    "announcement_recipients",
    metadata,
    Column(
        "announcement_id",
        Integer,
        ForeignKey("announcements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("chat_id", BigInteger, primary_key=True),
    Column("state", String(16), nullable=False),
    Column("timezone", String(64), nullable=False),  # its night holds it back
    Column("not_before", UtcDateTime, nullable=True),  # held back until then (its night)
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("done_at", UtcDateTime, nullable=True),
    Column("sent_to", BigInteger, nullable=True),  # the new id of a group that became a supergroup
    Index("ix_announcement_recipients_announcement_id_state_chat_id", "announcement_id", "state", "chat_id"),
    Index("ix_announcement_recipients_chat_id", "chat_id"),
)

# The operator's published catalogs (`roadmap-bot roadmaps publish`): what every instance serves,
# whatever its own folders hold. About no chat, so kept apart from the chats' tables (/forget, the
# export and the checks that every row names its chat go over `metadata` only). The newest row
# wins; one with no version withdraws the publications, back to each instance's folders.
content_metadata = MetaData(naming_convention=metadata.naming_convention)
catalog_publications = Table(
    "catalog_publications",
    content_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(64), nullable=True),
    Column("builtin", Boolean, nullable=False),
    Column("files", Text, nullable=True),  # JSON: each YAML file's name and text
    Column("published_at", UtcDateTime, nullable=False),
)
