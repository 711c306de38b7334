"""The nudge flow's queries: each chat's reminder, claiming the due ones, recording what became
of them, presence (the chat answered), and a chat's move to a new id. Each method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    Update,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from roadmaps import Catalog
from storage.chat_moves import move_chat
from storage.database import Database
from storage.momentum import Momentum
from storage.momentum_reads import momentum_statement, read_momentum
from storage.reminders import NudgeOutcome, Reminder, ReminderStatus, bits_days, days_bits
from storage.schedule import DEFAULT_TIMEZONE, first_slot
from storage.tables import UtcDateTime, reminders

# Presence is written for this many chats per statement.
PRESENCE_CHUNK = 500


class ReminderStore:
    """Reminders per chat over the shared Database; the database is the schedule."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._momentum: tuple[Catalog, Select[Any]] | None = None  # the last catalog's statement

    async def momentum_of_chats(
        self, catalog: Catalog, chat_ids: Sequence[int], now: dt.datetime, lately: dt.datetime
    ) -> dict[int, Momentum]:
        """The momentum of a batch of chats, in one statement: steps done since each chat's last
        nudge (since `lately`, before its first), its weekly streak, and each roadmap's pace."""
        if self._momentum is None or self._momentum[0] is not catalog:
            self._momentum = (catalog, momentum_statement(catalog, self.database.dialect))
        async with self.database.reading() as connection:
            return await read_momentum(connection, self._momentum[1], catalog, chat_ids, now, lately)

    async def reminder_of(self, chat_id: int) -> Reminder | None:
        """The chat's reminder, if it ever started a roadmap."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(reminders).where(reminders.c.chat_id == chat_id))).first()
        return None if row is None else _reminder(row)

    async def change_reminder(
        self,
        chat_id: int,
        now: dt.datetime,
        *,
        weekdays: frozenset[int] | None = None,
        hour: int | None = None,
        timezone: str | None = None,
        status: ReminderStatus | None = None,
        due_at: dt.datetime | None = None,
    ) -> Reminder | None:
        """Change a chat's schedule or status; an active reminder is next due at its new slot
        (or at `due_at`, a one-off time such as a snooze). A new time zone keeps the local days and
        hour. Counts as the chat answering."""
        async with self.database.writing() as connection:
            current = await self._locked(connection, chat_id)
            if current is None:
                return None
            changed = replace(
                current,
                weekdays=weekdays or current.weekdays,
                hour=current.hour if hour is None else hour,
                timezone=timezone or current.timezone,
                status=status or current.status,
                unanswered=0,
                failures=0,
            )
            active = changed.status is ReminderStatus.ACTIVE
            changed = replace(changed, due_at=(due_at or changed.next_due(now)) if active else None)
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
        return changed

    async def note_presence(self, seen: Mapping[int, dt.datetime]) -> None:
        """Chats were heard from (chat id: when): the nudges they ignored are forgiven, and
        reminders stopped because they were quiet or had blocked the bot start again."""
        chat_ids = list(seen)
        for first in range(0, len(chat_ids), PRESENCE_CHUNK):
            async with self.database.writing() as connection:
                await self._wake(connection, chat_ids[first : first + PRESENCE_CHUNK], seen)

    async def _wake(self, connection: AsyncConnection, chat_ids: list[int], seen: Mapping[int, dt.datetime]) -> None:
        """Presence for some chats, in the caller's transaction."""
        await connection.execute(  # a claim left by a dead process is forgiven with the rest
            update(reminders)
            .where(
                reminders.c.chat_id.in_(chat_ids), or_(reminders.c.unanswered > 0, reminders.c.claimed_at.is_not(None))
            )
            .values(unanswered=0, claimed_at=None)
        )
        woken = (ReminderStatus.BLOCKED.value, ReminderStatus.IDLE.value)
        stopped = await connection.execute(
            select(reminders).where(reminders.c.chat_id.in_(chat_ids), reminders.c.status.in_(woken))
        )
        for row in stopped.all():
            if row.stopped_at is not None and row.stopped_at > seen[row.chat_id]:
                continue  # stopped after the chat was last seen (news from another process)
            current = _reminder(row)
            await connection.execute(
                update(reminders)
                .where(reminders.c.chat_id == current.chat_id, reminders.c.status == current.status.value)
                .values(status=ReminderStatus.ACTIVE.value, due_at=current.next_due(seen[current.chat_id]), failures=0)
            )

    async def stop_reminders(self, chat_id: int, status: ReminderStatus, now: dt.datetime) -> None:
        """Stop a chat's active reminders for a reason (blocked, gone); a pause the chat chose stays one."""
        async with self.database.writing() as connection:
            await connection.execute(
                update(reminders)
                .where(reminders.c.chat_id == chat_id, reminders.c.status == ReminderStatus.ACTIVE.value)
                .values(status=status.value, due_at=None, stopped_at=now)
            )

    async def due_reminders(self, now: dt.datetime, limit: int, after_chat_id: int | None = None) -> list[Reminder]:
        """Reminders due by `now`, without claiming them (for a dry run), in chat order."""
        query = select(reminders).where(reminders.c.due_at <= now).order_by(reminders.c.chat_id).limit(limit)
        if after_chat_id is not None:
            query = query.where(reminders.c.chat_id > after_chat_id)
        async with self.database.reading() as connection:
            return [_reminder(row) for row in await connection.execute(query)]

    async def count_due_reminders(self, now: dt.datetime) -> int:
        """How many reminders are due by `now` and not claimed (the backlog)."""
        async with self.database.reading() as connection:
            query = select(func.count()).select_from(reminders).where(reminders.c.due_at <= now)
            return int((await connection.execute(query)).scalar_one())

    async def claim_due_reminders(self, now: dt.datetime, limit: int, hold_until: dt.datetime) -> list[Reminder]:
        """Claim up to `limit` reminders due by `now`, earliest first, by moving their due time to `hold_until`.

        One UPDATE both picks and moves the rows, and it re-checks `due_at <= now` itself: on
        SQLite writers are serialized, so a row another tick or process already moved no longer
        matches (compare-and-set); on PostgreSQL the picked rows are locked, SKIP LOCKED, so
        concurrent claims take different rows. A claimed row is due again only at `hold_until`:
        if the process dies before it records the outcome, the chat is not nudged twice.
        The claim also counts the nudge as unanswered (recording takes it back if none was
        sent), so an answer that comes while the batch is still sending is not overwritten.
        A claim whose outcome was never recorded (its process died; `claimed_at` is still set)
        is taken back here: its nudge may not have gone out, so it is not counted.
        Returns the claimed reminders as they were before the claim.
        """
        picked = (
            select(reminders.c.chat_id)
            .where(reminders.c.due_at <= now)
            .order_by(reminders.c.due_at, reminders.c.chat_id)
            .limit(limit)
        )
        if self.database.dialect == "postgresql":
            picked = picked.with_for_update(skip_locked=True)
        claim = (
            update(reminders)
            .where(reminders.c.chat_id.in_(picked.scalar_subquery()), reminders.c.due_at <= now)
            .values(
                due_at=hold_until,
                claimed_at=now,
                unanswered=reminders.c.unanswered + case((reminders.c.claimed_at.is_(None), 1), else_=0),
            )
            .returning(*reminders.c)
        )
        async with self.database.writing() as connection:
            rows = (await connection.execute(claim)).all()
        return [_reminder(row, unanswered=max(0, row.unanswered - 1)) for row in rows]

    async def record_nudge_outcomes(self, outcomes: Iterable[NudgeOutcome]) -> None:
        """Write what became of claimed nudges: the next due time and status, and who was sent one."""
        alike: dict[tuple[Any, ...], list[int]] = {}  # most of a batch ends alike: one statement for them
        for o in outcomes:
            alike.setdefault((o.claimed_due_at, o.status, o.due_at, o.failures, o.at, o.sent_at), []).append(o.chat_id)
        if not alike:
            return
        one_each = [_outcome_row(chat_ids[0], *same) for same, chat_ids in alike.items() if len(chat_ids) == 1]
        async with self.database.writing() as connection:
            for same, chat_ids in alike.items():
                if len(chat_ids) > 1:
                    await connection.execute(_RECORD_ALIKE, _outcome_row(chat_ids, *same))
            if one_each:
                await connection.execute(_RECORD_OUTCOME, one_each)

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Move a chat's data to its new id (a group that became a supergroup), merging with what
        the new id already has; False when the old id had nothing to move."""
        async with self.database.writing() as connection:
            return await move_chat(connection, old_chat_id, new_chat_id)

    async def _locked(self, connection: AsyncConnection, chat_id: int) -> Reminder | None:
        """The chat's reminder, read inside a write transaction (locked on PostgreSQL until it ends)."""
        query = select(reminders).where(reminders.c.chat_id == chat_id)
        if self.database.dialect == "postgresql":
            query = query.with_for_update()
        row = (await connection.execute(query)).first()
        return None if row is None else _reminder(row)


async def turn_on_first_reminder(
    database: Database, connection: AsyncConnection, chat_id: int, now: dt.datetime
) -> Reminder | None:
    """A chat's first roadmap turns its weekly reminder on: on the weekday and at the hour it
    started, first due a week later. None when the chat already has one."""
    return (await turn_on_first_reminders(database, connection, {chat_id: now})).get(chat_id)


async def turn_on_first_reminders(
    database: Database, connection: AsyncConnection, started: Mapping[int, dt.datetime]
) -> dict[int, Reminder]:
    """turn_on_first_reminder for several chats (each with when it started) in one statement;
    the reminders turned on, by chat (none for a chat that already had one)."""
    wanted = {}
    for chat_id in sorted(started):
        weekdays, hour, due_at = first_slot(started[chat_id], DEFAULT_TIMEZONE)
        wanted[chat_id] = Reminder(chat_id, ReminderStatus.ACTIVE, weekdays, hour, DEFAULT_TIMEZONE, due_at)
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


# What became of one claimed nudge, in one statement (run for a batch with executemany). The
# schedule (status, due time, failures, when it stopped) changes only while the due time is still
# the one the claim wrote: a chat that changed its settings meanwhile keeps its new ones. Whatever
# the schedule, the claim is over, a nudge sent is dated, and one not sent is not counted as
# unanswered. Every SET reads the row as it was before this UPDATE.
_HELD = reminders.c.due_at == bindparam("b_claimed", type_=UtcDateTime)
_STATUS, _SENT = bindparam("b_status", type_=String), bindparam("b_sent", type_=Boolean)


def _record(chats: ColumnElement[bool]) -> Update:
    """What became of claimed nudges that ended alike, for the chats `chats` picks, in one statement.

    The schedule (status, due time, failures, when it stopped) changes only while the due time is
    still the one the claim wrote: a chat that changed its settings meanwhile keeps its new ones.
    Whatever the schedule, the claim is over, a nudge sent is dated, and one not sent is not
    counted as unanswered. Every SET reads the row as it was before this UPDATE.
    """
    return (
        update(reminders)
        .where(chats)
        .values(
            status=case((_HELD, _STATUS), else_=reminders.c.status),
            due_at=case((_HELD, bindparam("b_due_at", type_=UtcDateTime)), else_=reminders.c.due_at),
            failures=case((_HELD, bindparam("b_failures", type_=Integer)), else_=reminders.c.failures),
            stopped_at=case(
                (_HELD & (ReminderStatus.ACTIVE.value != _STATUS), bindparam("b_at", type_=UtcDateTime)),
                else_=reminders.c.stopped_at,
            ),
            last_sent_at=case((_SENT, bindparam("b_sent_at", type_=UtcDateTime)), else_=reminders.c.last_sent_at),
            unanswered=case(
                (_SENT, reminders.c.unanswered), (reminders.c.unanswered > 0, reminders.c.unanswered - 1), else_=0
            ),
            claimed_at=None,
        )
    )


# One chat a row (executemany), and several chats in one go.
_RECORD_OUTCOME = _record(reminders.c.chat_id == bindparam("b_chat", type_=BigInteger))
_RECORD_ALIKE = _record(reminders.c.chat_id.in_(bindparam("b_chat", expanding=True)))


def _outcome_row(
    chat: int | list[int],
    claimed_due_at: dt.datetime,
    status: ReminderStatus,
    due_at: dt.datetime | None,
    failures: int,
    at: dt.datetime | None,
    sent_at: dt.datetime | None,
) -> dict[str, Any]:
    """The parameters of _RECORD_OUTCOME (one chat) or _RECORD_ALIKE (several) for an outcome."""
    return {
        "b_chat": chat,
        "b_claimed": claimed_due_at,
        "b_status": status.value,
        "b_due_at": due_at,
        "b_failures": failures,
        "b_at": at,
        "b_sent": sent_at is not None,
        "b_sent_at": sent_at,
    }


def _reminder(row: Row[Any], *, unanswered: int | None = None) -> Reminder:
    """A reminders row as a Reminder (with another count of unanswered nudges, if given)."""
    return Reminder(
        chat_id=row.chat_id,
        status=ReminderStatus(row.status),
        weekdays=bits_days(row.weekdays),
        hour=row.hour,
        timezone=row.timezone,
        due_at=row.due_at,
        unanswered=row.unanswered if unanswered is None else unanswered,
        last_sent_at=row.last_sent_at,
        failures=row.failures,
    )
