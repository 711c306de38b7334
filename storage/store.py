"""The queries the bot needs: each public method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Row, bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from roadmaps import Step
from storage.progress import Mark, Progress, StepState
from storage.reminders import NudgeOutcome, Reminder, ReminderStatus
from storage.schedule import DEFAULT_TIMEZONE, first_slot, next_due, same_moment_in
from storage.tables import chat_roadmaps, chats, reminders, step_states


@dataclass(frozen=True, slots=True)
class Changed:
    """A chat's progress on a roadmap just before and just after one step changed."""

    before: Progress
    after: Progress


@dataclass(frozen=True, slots=True)
class Opened:
    """A roadmap a chat opened: its progress, and the reminder this opening turned on, if any."""

    progress: Progress
    new_reminder: Reminder | None = None


class Storage:
    """Progress per chat over one AsyncEngine (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def close(self) -> None:
        """Release every pooled connection."""
        await self.engine.dispose()

    async def ping(self) -> None:
        """Raise DatabaseError unless the database answers a trivial query."""
        async with self.engine.connect() as connection:
            await connection.execute(select(1))

    async def open_roadmap(self, chat_id: int, roadmap_id: str, now: dt.datetime) -> Opened:
        """Note that the chat uses this roadmap (starting it if new); return its progress.

        A chat's first roadmap turns on its weekly reminder: on the weekday and at the hour it
        started, first due a week later.
        """
        async with self.engine.begin() as connection:
            new_reminder = await self._touch(connection, chat_id, roadmap_id, now)
            return Opened(await self._progress(connection, chat_id, roadmap_id), new_reminder)

    async def set_step_state(
        self, chat_id: int, roadmap_id: str, step: Step, state: StepState, now: dt.datetime
    ) -> Changed:
        """Set a step's state under its current id, dropping marks under its former ids."""
        async with self.engine.begin() as connection:
            before = await self._progress(connection, chat_id, roadmap_id)
            await self._touch(connection, chat_id, roadmap_id, now)
            stale_ids = step.ids if state is StepState.TODO else step.formerly
            if stale_ids:
                await connection.execute(
                    delete(step_states).where(
                        step_states.c.chat_id == chat_id,
                        step_states.c.roadmap_id == roadmap_id,
                        step_states.c.step_id.in_(stale_ids),
                    )
                )
            if state is not StepState.TODO:
                row = {
                    "chat_id": chat_id,
                    "roadmap_id": roadmap_id,
                    "step_id": step.id,
                    "state": state.value,
                    "changed_at": now,
                }
                upsert = self._insert(step_states).values(row)
                await connection.execute(
                    upsert.on_conflict_do_update(
                        index_elements=[step_states.c.chat_id, step_states.c.roadmap_id, step_states.c.step_id],
                        set_={"state": upsert.excluded.state, "changed_at": upsert.excluded.changed_at},
                    )
                )
            return Changed(before, await self._progress(connection, chat_id, roadmap_id))

    async def progress_of(self, chat_id: int, roadmap_id: str) -> Progress:
        """The chat's progress on one roadmap, empty if it never started it."""
        async with self.engine.connect() as connection:
            return await self._progress(connection, chat_id, roadmap_id)

    async def progress_of_chat(self, chat_id: int) -> list[Progress]:
        """Every roadmap the chat started, the one used last first."""
        return (await self.progress_of_chats([chat_id]))[chat_id]

    async def progress_of_chats(self, chat_ids: Sequence[int]) -> dict[int, list[Progress]]:
        """Every roadmap each chat started, the one used last first; one query for all of them."""
        query = (
            select(
                chat_roadmaps.c.chat_id,
                chat_roadmaps.c.roadmap_id,
                step_states.c.step_id,
                step_states.c.state,
                step_states.c.changed_at,
            )
            .select_from(
                chat_roadmaps.outerjoin(
                    step_states,
                    (step_states.c.chat_id == chat_roadmaps.c.chat_id)
                    & (step_states.c.roadmap_id == chat_roadmaps.c.roadmap_id),
                )
            )
            .where(chat_roadmaps.c.chat_id.in_(chat_ids))
            .order_by(chat_roadmaps.c.chat_id, chat_roadmaps.c.last_activity_at.desc(), chat_roadmaps.c.roadmap_id)
        )
        marks: dict[int, dict[str, dict[str, Mark]]] = {chat_id: {} for chat_id in chat_ids}
        async with self.engine.connect() as connection:
            for chat_id, roadmap_id, step_id, state, changed_at in await connection.execute(query):
                roadmap_marks = marks[chat_id].setdefault(roadmap_id, {})
                if step_id is not None:
                    roadmap_marks[step_id] = Mark(StepState(state), changed_at)
        return {
            chat_id: [Progress(roadmap_id, found) for roadmap_id, found in by_roadmap.items()]
            for chat_id, by_roadmap in marks.items()
        }

    # --- reminders --------------------------------------------------------------------

    async def reminder_of(self, chat_id: int) -> Reminder | None:
        """The chat's reminder, if it ever started a roadmap."""
        async with self.engine.connect() as connection:
            row = (await connection.execute(select(reminders).where(reminders.c.chat_id == chat_id))).first()
        return None if row is None else _reminder(row)

    async def change_reminder(
        self,
        chat_id: int,
        now: dt.datetime,
        *,
        weekday: int | None = None,
        hour: int | None = None,
        timezone: str | None = None,
        status: ReminderStatus | None = None,
        due_at: dt.datetime | None = None,
    ) -> Reminder | None:
        """Change a chat's schedule or status; an active reminder is next due at its new slot
        (or at `due_at`, a one-off time such as a snooze). Counts as the chat answering."""
        current = await self.reminder_of(chat_id)
        if current is None:
            return None
        if timezone and timezone != current.timezone and weekday is None and hour is None:
            weekday, hour = same_moment_in(current.weekday, current.hour, current.timezone, timezone, now)
        weekday = current.weekday if weekday is None else weekday
        hour = current.hour if hour is None else hour
        timezone = timezone or current.timezone
        status = status or current.status
        active = status is ReminderStatus.ACTIVE
        due_at = (due_at or next_due(weekday, hour, timezone, now, current.last_sent_at)) if active else None
        values = {
            "weekday": weekday,
            "hour": hour,
            "timezone": timezone,
            "status": status.value,
            "due_at": due_at,
            "unanswered": 0,
            "failures": 0,
        }
        async with self.engine.begin() as connection:
            await connection.execute(update(reminders).where(reminders.c.chat_id == chat_id).values(values))
        return Reminder(chat_id, status, weekday, hour, timezone, due_at, 0, current.last_sent_at, 0)

    async def note_presence(self, chat_id: int, now: dt.datetime) -> None:
        """The chat did something: nudges it ignored are forgiven, and reminders stopped because it
        was quiet or had blocked the bot start again."""
        woken = (ReminderStatus.BLOCKED.value, ReminderStatus.IDLE.value)
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(reminders).where(
                        reminders.c.chat_id == chat_id,
                        (reminders.c.unanswered > 0) | reminders.c.status.in_(woken),
                    )
                )
            ).first()
        if row is None:
            return  # the common case: nothing to write
        current = _reminder(row)
        values: dict[str, Any] = {"unanswered": 0}
        if current.status.value in woken:
            values |= {
                "status": ReminderStatus.ACTIVE.value,
                "due_at": next_due(current.weekday, current.hour, current.timezone, now, current.last_sent_at),
                "failures": 0,
            }
        async with self.engine.begin() as connection:
            await connection.execute(
                update(reminders)
                .where(reminders.c.chat_id == chat_id, reminders.c.status == current.status.value)
                .values(values)
            )

    async def stop_reminders(self, chat_id: int, status: ReminderStatus) -> None:
        """Stop a chat's active reminders for a reason (blocked, gone); a pause the chat chose stays one."""
        async with self.engine.begin() as connection:
            await connection.execute(
                update(reminders)
                .where(reminders.c.chat_id == chat_id, reminders.c.status == ReminderStatus.ACTIVE.value)
                .values(status=status.value, due_at=None)
            )

    async def due_reminders(self, now: dt.datetime, limit: int, after_chat_id: int | None = None) -> list[Reminder]:
        """Reminders due by `now`, without claiming them (for a dry run), in chat order."""
        query = select(reminders).where(reminders.c.due_at <= now).order_by(reminders.c.chat_id).limit(limit)
        if after_chat_id is not None:
            query = query.where(reminders.c.chat_id > after_chat_id)
        async with self.engine.connect() as connection:
            return [_reminder(row) for row in await connection.execute(query)]

    async def count_due_reminders(self, now: dt.datetime) -> int:
        """How many reminders are due by `now` and not claimed (the backlog)."""
        async with self.engine.connect() as connection:
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
        Returns the claimed reminders as they were before the claim.
        """
        picked = (
            select(reminders.c.chat_id)
            .where(reminders.c.due_at <= now)
            .order_by(reminders.c.due_at, reminders.c.chat_id)
            .limit(limit)
        )
        if self.engine.dialect.name == "postgresql":
            picked = picked.with_for_update(skip_locked=True)
        claim = (
            update(reminders)
            .where(reminders.c.chat_id.in_(picked.scalar_subquery()), reminders.c.due_at <= now)
            .values(due_at=hold_until, unanswered=reminders.c.unanswered + 1)
            .returning(*reminders.c)
        )
        async with self.engine.begin() as connection:
            rows = (await connection.execute(claim)).all()
        return [replace(_reminder(row), unanswered=row.unanswered - 1) for row in rows]

    async def record_nudge_outcomes(self, outcomes: Iterable[NudgeOutcome]) -> None:
        """Write what became of claimed nudges: the next due time and status, and who was sent one."""
        outcomes = list(outcomes)
        if not outcomes:
            return
        schedule = (
            update(reminders)
            .where(reminders.c.chat_id == bindparam("b_chat_id"), reminders.c.due_at == bindparam("b_claimed"))
            .values(status=bindparam("b_status"), due_at=bindparam("b_due_at"), failures=bindparam("b_failures"))
        )
        sent = (
            update(reminders)
            .where(reminders.c.chat_id == bindparam("b_chat_id"))
            .values(last_sent_at=bindparam("b_sent_at"))
        )
        not_sent = (
            update(reminders)
            .where(reminders.c.chat_id == bindparam("b_chat_id"))
            .values(unanswered=case((reminders.c.unanswered > 0, reminders.c.unanswered - 1), else_=0))
        )
        async with self.engine.begin() as connection:
            await connection.execute(
                schedule,
                [
                    {
                        "b_chat_id": o.chat_id,
                        "b_claimed": o.claimed_due_at,
                        "b_status": o.status.value,
                        "b_due_at": o.due_at,
                        "b_failures": o.failures,
                    }
                    for o in outcomes
                ],
            )
            sent_rows = [{"b_chat_id": o.chat_id, "b_sent_at": o.sent_at} for o in outcomes if o.sent_at]
            if sent_rows:
                await connection.execute(sent, sent_rows)
            not_sent_rows = [{"b_chat_id": o.chat_id} for o in outcomes if not o.sent_at]
            if not_sent_rows:
                await connection.execute(not_sent, not_sent_rows)

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Move a chat's data to its new id (a group that became a supergroup); False if the new id has data."""
        try:
            async with self.engine.begin() as connection:
                moved = await connection.execute(update(chats).where(chats.c.id == old_chat_id).values(id=new_chat_id))
            return moved.rowcount == 1
        except IntegrityError:
            return False

    async def _touch(
        self, connection: AsyncConnection, chat_id: int, roadmap_id: str, now: dt.datetime
    ) -> Reminder | None:
        """Make sure the chat and its roadmap exist and mark the roadmap used now.

        Returns the reminder it turned on when this is the chat's first roadmap.
        """
        await connection.execute(self._insert(chats).values(id=chat_id, created_at=now).on_conflict_do_nothing())
        started = await connection.execute(
            self._insert(chat_roadmaps)
            .values(chat_id=chat_id, roadmap_id=roadmap_id, started_at=now, last_activity_at=now)
            .on_conflict_do_nothing()
        )
        if started.rowcount == 0:
            await connection.execute(
                update(chat_roadmaps)
                .where(chat_roadmaps.c.chat_id == chat_id, chat_roadmaps.c.roadmap_id == roadmap_id)
                .values(last_activity_at=now)
            )
            return None
        weekday, hour, due_at = first_slot(now, DEFAULT_TIMEZONE)
        reminder = Reminder(chat_id, ReminderStatus.ACTIVE, weekday, hour, DEFAULT_TIMEZONE, due_at)
        created = await connection.execute(
            self._insert(reminders)
            .values(
                chat_id=chat_id,
                status=reminder.status.value,
                weekday=weekday,
                hour=hour,
                timezone=reminder.timezone,
                due_at=due_at,
                unanswered=0,
                failures=0,
            )
            .on_conflict_do_nothing()
        )
        return reminder if created.rowcount == 1 else None

    async def _progress(self, connection: AsyncConnection, chat_id: int, roadmap_id: str) -> Progress:
        """Read the marks of one roadmap of one chat."""
        rows = await connection.execute(
            select(step_states.c.step_id, step_states.c.state, step_states.c.changed_at).where(
                step_states.c.chat_id == chat_id, step_states.c.roadmap_id == roadmap_id
            )
        )
        marks = {step_id: Mark(StepState(state), changed_at) for step_id, state, changed_at in rows}
        return Progress(roadmap_id, marks)


def _reminder(row: Row[Any]) -> Reminder:
    """A reminders row as a Reminder."""
    return Reminder(
        chat_id=row.chat_id,
        status=ReminderStatus(row.status),
        weekday=row.weekday,
        hour=row.hour,
        timezone=row.timezone,
        due_at=row.due_at,
        unanswered=row.unanswered,
        last_sent_at=row.last_sent_at,
        failures=row.failures,
    )
