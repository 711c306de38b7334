"""A chat's weekly reminder: reading it, changing its schedule or status, stopping it, and turning
it on with the chat's first roadmap. Each method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypedDict, Unpack

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from progress.reminders import Reminder, ReminderStatus
from progress.schedule import DEFAULT_TIMEZONE, FIRST_GAP, first_slot
from storage.database import Database
from storage.id_lists import one_of
from storage.reminder_rows import days_bits, reminder_of_row
from storage.tables import chat_roadmaps, chats, facts, reminders

# The kinds of fact a reminder's change leaves: put off once, stopped by the chat, blocked.
SNOOZED, STOPPED, BLOCKED = "snoozed", "stopped", "blocked"


class ReminderChange(TypedDict, total=False):
    """What a change of a reminder may set; what it leaves out stays as it is."""

    weekdays: frozenset[int]
    hour: int
    timezone: str
    status: ReminderStatus
    due_at: dt.datetime  # a one-off next time (a snooze) instead of the next slot
    first: bool  # a first schedule or zone: a reminder that never nudged keeps its first nudge a week on


class ReminderStore:
    """Reminders per chat over the shared Database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def reminder_of(self, chat_id: int) -> Reminder | None:
        """The chat's reminder, if it ever started a roadmap."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(reminders).where(reminders.c.chat_id == chat_id))).first()
        return None if row is None else reminder_of_row(row)

    async def change_reminder(
        self, chat_id: int, now: dt.datetime, **change: Unpack[ReminderChange]
    ) -> Reminder | None:
        """Change a chat's schedule or status; an active reminder is next due at its new slot
        (or at `due_at`, a one-off time such as a snooze). A new time zone keeps the local days and
        hour. Counts as the chat answering."""
        async with self.database.writing() as connection:
            return await self._change(connection, chat_id, now, change)

    async def set_zone(
        self, chat_id: int, zone: str, now: dt.datetime, *, unless_known: bool = False
    ) -> Reminder | None:
        """The chat told its time zone: kept for the chat (its first reminder starts in it) and, when it
        has a reminder, the reminder follows it (keeping its local days and hour). `unless_known`: only
        if the chat never told one (the page's browser zone gives way to one typed or shared)."""
        insert = self.database.insert(chats).values(id=chat_id, created_at=now, timezone=zone)
        told = chats.c.timezone.is_(None) if unless_known else None
        upsert = insert.on_conflict_do_update(index_elements=[chats.c.id], set_={"timezone": zone}, where=told)
        async with self.database.writing() as connection:
            written = (await connection.execute(upsert.returning(chats.c.id))).first()
            if written is None:
                return await self._locked(connection, chat_id)
            return await self._change(connection, chat_id, now, {"timezone": zone, "first": True})

    async def _change(
        self, connection: AsyncConnection, chat_id: int, now: dt.datetime, change: ReminderChange
    ) -> Reminder | None:
        """change_reminder within a write transaction; a `first` change of a reminder that never
        nudged keeps its first nudge FIRST_GAP after the chat's first step (a zone told, a first
        schedule chosen, right after the first mark, bring no nudge that day)."""
        current = await self._locked(connection, chat_id)
        if current is None:
            return None
        due_at, first = change.pop("due_at", None), change.pop("first", False)
        not_before = None
        if first and current.last_sent_at is None and (started := await _started_at(connection, chat_id)):
            not_before = max(now, started + FIRST_GAP)
        changed = replace(current, **change, unanswered=0, failures=0)
        active = changed.status is ReminderStatus.ACTIVE
        next_due = changed.next_slot(not_before) if not_before else changed.next_due(now)
        changed = replace(changed, due_at=(due_at or next_due) if active else None)
        values: dict[str, Any] = {
            "weekdays": days_bits(changed.weekdays),
            "hour": changed.hour,
            "timezone": changed.timezone,
            "status": changed.status.value,
            "due_at": changed.due_at,
            "unanswered": 0,
            "claimed_at": None,  # the chat answered: a claim a dead process left is forgiven too
            "failures": 0,
        }
        if changed.status is not current.status and not active:
            values["stopped_at"] = now
        await connection.execute(update(reminders).where(reminders.c.chat_id == chat_id).values(values))
        if kind := (SNOOZED if due_at else STOPPED if changed.status is ReminderStatus.PAUSED else None):
            await connection.execute(insert(facts).values(chat_id=chat_id, at=now, kind=kind))
        return changed

    async def stop_reminders(self, chat_id: int, status: ReminderStatus, now: dt.datetime) -> None:
        """Stop a chat's active reminders for a reason (blocked, gone); a pause the chat chose stays one."""
        async with self.database.writing() as connection:
            await connection.execute(
                update(reminders)
                .where(reminders.c.chat_id == chat_id, reminders.c.status == ReminderStatus.ACTIVE.value)
                .values(status=status.value, due_at=None, stopped_at=now)
            )
            if status is ReminderStatus.BLOCKED:  # whether reminders were on or not: the person blocked us
                await connection.execute(insert(facts).values(chat_id=chat_id, at=now, kind=BLOCKED))

    async def _locked(self, connection: AsyncConnection, chat_id: int) -> Reminder | None:
        """The chat's reminder, read inside a write transaction (locked on PostgreSQL until it ends)."""
        query = select(reminders).where(reminders.c.chat_id == chat_id)
        if self.database.dialect == "postgresql":
            query = query.with_for_update()
        row = (await connection.execute(query)).first()
        return None if row is None else reminder_of_row(row)


async def _started_at(connection: AsyncConnection, chat_id: int) -> dt.datetime | None:
    """When the chat first changed a step, in any roadmap."""
    query = select(func.min(chat_roadmaps.c.started_at)).where(chat_roadmaps.c.chat_id == chat_id)
    return (await connection.execute(query)).scalar()


async def turn_on_first_reminder(
    database: Database, connection: AsyncConnection, chat_id: int, now: dt.datetime
) -> Reminder | None:
    """A chat's first roadmap turns its weekly reminder on, at the first schedule its question
    suggests in the zone the chat told (UTC if none), first due about a week later. None when the
    chat already has one."""
    return (await turn_on_first_reminders(database, connection, {chat_id: now})).get(chat_id)


async def turn_on_first_reminders(
    database: Database, connection: AsyncConnection, started: Mapping[int, dt.datetime]
) -> dict[int, Reminder]:
    """turn_on_first_reminder for several chats (each with when it started), with one insert;
    the reminders turned on, by chat (none for a chat that already had one).

    The chats that have a reminder are read first and left out of the insert: a read does not
    wait, and an insert that meets an existing reminder does, for as long as another transaction
    holds that row (presence forgiving the chat's ignored nudges, a nudge pass's claim, another
    instance), though nothing is to be written. A chat starting its second roadmap is the common
    case, so the tap's batch would wait on the background's writes (seen in `bench scaleout`)."""
    having = set((await connection.execute(_HAVING, {"chats": sorted(started)})).scalars())
    started = {chat_id: at for chat_id, at in started.items() if chat_id not in having}
    if not started:
        return {}
    zones = dict((await connection.execute(_TOLD_ZONES, {"chats": sorted(started)})).all())
    wanted = {}
    for chat_id in sorted(started):
        timezone = zones.get(chat_id) or DEFAULT_TIMEZONE
        weekdays, hour, due_at = first_slot(started[chat_id], timezone)
        wanted[chat_id] = Reminder(chat_id, ReminderStatus.ACTIVE, weekdays, hour, timezone, due_at)
    rows = [
        {
            "chat_id": r.chat_id,
            "status": r.status.value,
            "weekdays": days_bits(r.weekdays),
            "hour": r.hour,
            "timezone": r.timezone,
            "due_at": r.due_at,
            "unanswered": 0,
            "failures": 0,
        }
        for r in wanted.values()
    ]
    insert = database.insert(reminders).values(rows).on_conflict_do_nothing().returning(reminders.c.chat_id)
    return {chat_id: wanted[chat_id] for (chat_id,) in await connection.execute(insert)}


# The chats among some (`chats`: their ids) that have a reminder, of any status.
_HAVING = select(reminders.c.chat_id).where(one_of(reminders.c.chat_id, "chats"))

# The time zones some chats told (`chats`: their ids), for those that told one.
_TOLD_ZONES = select(chats.c.id, chats.c.timezone).where(one_of(chats.c.id, "chats"), chats.c.timezone.is_not(None))
