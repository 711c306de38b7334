"""The queries the bot needs: each public method is one transaction."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Row, bindparam, case, delete, func, literal_column, or_, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from roadmaps import Step
from storage.progress import Mark, Note, Progress, SavedRoadmap, StepState
from storage.reminders import NudgeOutcome, Reminder, ReminderStatus
from storage.schedule import DEFAULT_TIMEZONE, first_slot, next_due, same_moment_in
from storage.tables import chat_roadmaps, chats, pending_imports, reminders, step_notes, step_states


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
        # SQLite takes one writer at a time, and a writer that finds the lock taken sleeps in
        # steps of up to 100 ms: queueing this process's writers here instead keeps taps quick.
        # (Other processes on the same file still meet SQLite's busy timeout.)
        self._one_writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        # The statements of every tap, built once (a tap is a few of them, so building counts).
        chat, roadmap = bindparam("c"), bindparam("r")
        # The chat's roadmap row joined with its marks: no row at all means not started.
        # Notes come in the same trip, as rows with a text and no state.
        marks = (
            select(
                step_states.c.step_id,
                step_states.c.state,
                step_states.c.changed_at,
                literal_column("NULL").label("text"),
            )
            .select_from(
                chat_roadmaps.outerjoin(
                    step_states,
                    (step_states.c.chat_id == chat_roadmaps.c.chat_id)
                    & (step_states.c.roadmap_id == chat_roadmaps.c.roadmap_id),
                )
            )
            .where(chat_roadmaps.c.chat_id == chat, chat_roadmaps.c.roadmap_id == roadmap)
        )
        notes = select(step_notes.c.step_id, literal_column("NULL"), step_notes.c.changed_at, step_notes.c.text).where(
            step_notes.c.chat_id == chat, step_notes.c.roadmap_id == roadmap
        )
        self._read_marks = union_all(marks, notes)
        self._use_roadmap = (
            update(chat_roadmaps)
            .where(chat_roadmaps.c.chat_id == chat, chat_roadmaps.c.roadmap_id == roadmap)
            .values(last_activity_at=bindparam("at"))
        )
        self._forget_marks = delete(step_states).where(
            step_states.c.chat_id == chat,
            step_states.c.roadmap_id == roadmap,
            step_states.c.step_id.in_(bindparam("ids", expanding=True)),
        )
        upsert = self._insert(step_states).values(
            chat_id=chat,
            roadmap_id=roadmap,
            step_id=bindparam("s"),
            state=bindparam("state"),
            changed_at=bindparam("at"),
        )
        self._upsert_mark = upsert.on_conflict_do_update(
            index_elements=[step_states.c.chat_id, step_states.c.roadmap_id, step_states.c.step_id],
            set_={"state": upsert.excluded.state, "changed_at": upsert.excluded.changed_at},
        )

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads: on PostgreSQL without BEGIN and ROLLBACK round trips around them."""
        async with self.engine.connect() as connection:
            if self.engine.dialect.name == "postgresql":
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction; on SQLite, one of this process's at a time."""
        if self._one_writer is None:
            async with self.engine.begin() as connection:
                yield connection
            return
        async with self._one_writer, self.engine.begin() as connection:
            yield connection

    async def close(self) -> None:
        """Release every pooled connection."""
        await self.engine.dispose()

    async def ping(self) -> None:
        """Raise DatabaseError unless the database answers a trivial query."""
        async with self._reading() as connection:
            await connection.execute(select(1))

    async def open_roadmap(self, chat_id: int, roadmap_id: str, now: dt.datetime) -> Opened:
        """Note that the chat uses this roadmap (starting it if new); return its progress.

        A chat's first roadmap turns on its weekly reminder: on the weekday and at the hour it
        started, first due a week later.
        """
        async with self._writing() as connection:
            new_reminder = await self._touch(connection, chat_id, roadmap_id, now)
            return Opened(await self._progress(connection, chat_id, roadmap_id), new_reminder)

    async def set_step_state(
        self, chat_id: int, roadmap_id: str, step: Step, state: StepState, now: dt.datetime
    ) -> Changed:
        """Set a step's state under its current id, dropping marks under its former ids."""
        async with self._writing() as connection:
            before = await self._progress(connection, chat_id, roadmap_id)
            if not before.started:
                await self._start(connection, chat_id, roadmap_id, now)
            stale_ids = [i for i in (step.ids if state is StepState.TODO else step.formerly) if i in before.marks]
            if stale_ids:
                await connection.execute(self._forget_marks, {"c": chat_id, "r": roadmap_id, "ids": stale_ids})
            if state is not StepState.TODO:
                row = {"c": chat_id, "r": roadmap_id, "s": step.id, "state": state.value, "at": now}
                await connection.execute(self._upsert_mark, row)
        # The transaction read the marks and changed one step; the rest of the chat's updates
        # wait their turn (one chat's updates run one at a time), so "after" needs no second read.
        marks = {step_id: mark for step_id, mark in before.marks.items() if step_id not in step.ids}
        if state is not StepState.TODO:
            marks[step.id] = Mark(state, now)
        return Changed(before, Progress(roadmap_id, marks, started=True))

    async def set_note(self, chat_id: int, roadmap_id: str, step: Step, text: str | None, now: dt.datetime) -> Progress:
        """Keep a note on a step under its current id (None removes it); return the roadmap's progress."""
        async with self._writing() as connection:
            before = await self._progress(connection, chat_id, roadmap_id)
            if not before.started:
                await self._start(connection, chat_id, roadmap_id, now)
            await connection.execute(
                delete(step_notes).where(
                    step_notes.c.chat_id == chat_id,
                    step_notes.c.roadmap_id == roadmap_id,
                    step_notes.c.step_id.in_(step.ids),
                )
            )
            if text is not None:
                await connection.execute(
                    step_notes.insert().values(
                        chat_id=chat_id, roadmap_id=roadmap_id, step_id=step.id, text=text, changed_at=now
                    )
                )
        notes = {step_id: note for step_id, note in before.notes.items() if step_id not in step.ids}
        if text is not None:
            notes[step.id] = Note(text, now)
        return Progress(roadmap_id, before.marks, started=True, notes=notes)

    async def reset_roadmap(self, chat_id: int, roadmap_id: str) -> bool:
        """Forget one roadmap of a chat (its marks and notes go with it); False if it was not started."""
        async with self._writing() as connection:
            gone = await connection.execute(
                delete(chat_roadmaps).where(
                    chat_roadmaps.c.chat_id == chat_id, chat_roadmaps.c.roadmap_id == roadmap_id
                )
            )
        return gone.rowcount == 1

    async def forget_chat(self, chat_id: int) -> None:
        """Delete every row about a chat: its roadmaps, marks, notes, reminder and pending import."""
        async with self._writing() as connection:
            await connection.execute(delete(chats).where(chats.c.id == chat_id))

    async def started_at(self, chat_id: int) -> dict[str, tuple[dt.datetime, dt.datetime]]:
        """When the chat started each of its roadmaps and last opened it."""
        query = select(chat_roadmaps.c.roadmap_id, chat_roadmaps.c.started_at, chat_roadmaps.c.last_activity_at).where(
            chat_roadmaps.c.chat_id == chat_id
        )
        async with self._reading() as connection:
            return {roadmap_id: (started, used) for roadmap_id, started, used in await connection.execute(query)}

    async def hold_import(self, chat_id: int, payload: str, now: dt.datetime) -> None:
        """Keep an export file until the chat confirms it (one per chat; a newer one replaces it)."""
        async with self._writing() as connection:
            await connection.execute(self._insert(chats).values(id=chat_id, created_at=now).on_conflict_do_nothing())
            held = self._insert(pending_imports).values(chat_id=chat_id, payload=payload, created_at=now)
            await connection.execute(
                held.on_conflict_do_update(
                    index_elements=[pending_imports.c.chat_id],
                    set_={"payload": held.excluded.payload, "created_at": held.excluded.created_at},
                )
            )

    async def held_import(self, chat_id: int) -> str | None:
        """The export file the chat sent and has not confirmed yet (None if there is none)."""
        async with self._reading() as connection:
            row = (
                await connection.execute(select(pending_imports.c.payload).where(pending_imports.c.chat_id == chat_id))
            ).first()
        return None if row is None else str(row.payload)

    async def drop_import(self, chat_id: int) -> None:
        """Forget the export file the chat sent, if any."""
        async with self._writing() as connection:
            await connection.execute(delete(pending_imports).where(pending_imports.c.chat_id == chat_id))

    async def replace_progress(
        self, chat_id: int, saved: Sequence[SavedRoadmap], now: dt.datetime, *, settles_import: bool = False
    ) -> None:
        """Put roadmaps back as an export file has them, replacing what the chat has on them.

        `settles_import`: this is the held import, confirmed; it is dropped in the same
        transaction, so a failure leaves both the progress and the waiting file as they were.
        """
        async with self._writing() as connection:
            if settles_import:
                await connection.execute(delete(pending_imports).where(pending_imports.c.chat_id == chat_id))
            for roadmap in saved:
                await connection.execute(
                    delete(chat_roadmaps).where(
                        chat_roadmaps.c.chat_id == chat_id, chat_roadmaps.c.roadmap_id == roadmap.roadmap_id
                    )
                )
                await self._start(connection, chat_id, roadmap.roadmap_id, now)
                await connection.execute(
                    update(chat_roadmaps)
                    .where(chat_roadmaps.c.chat_id == chat_id, chat_roadmaps.c.roadmap_id == roadmap.roadmap_id)
                    .values(started_at=roadmap.started_at, last_activity_at=roadmap.last_activity_at)
                )
                if roadmap.marks:
                    await connection.execute(
                        step_states.insert(),
                        [
                            {
                                "chat_id": chat_id,
                                "roadmap_id": roadmap.roadmap_id,
                                "step_id": step_id,
                                "state": mark.state.value,
                                "changed_at": mark.changed_at,
                            }
                            for step_id, mark in roadmap.marks.items()
                        ],
                    )
                if roadmap.notes:
                    await connection.execute(
                        step_notes.insert(),
                        [
                            {
                                "chat_id": chat_id,
                                "roadmap_id": roadmap.roadmap_id,
                                "step_id": step_id,
                                "text": note.text,
                                "changed_at": note.changed_at,
                            }
                            for step_id, note in roadmap.notes.items()
                        ],
                    )

    async def progress_of(self, chat_id: int, roadmap_id: str) -> Progress:
        """The chat's progress on one roadmap, empty if it never started it."""
        async with self._reading() as connection:
            return await self._progress(connection, chat_id, roadmap_id)

    async def progress_of_chat(self, chat_id: int, *, with_notes: bool = False) -> list[Progress]:
        """Every roadmap the chat started, the one used last first."""
        return (await self.progress_of_chats([chat_id], with_notes=with_notes))[chat_id]

    async def progress_of_chats(
        self, chat_ids: Sequence[int], *, with_notes: bool = False
    ) -> dict[int, list[Progress]]:
        """Every roadmap each chat started, the one used last first; one query for all of them
        (and one more for their notes, when asked).

        A roadmap was last used when it was last opened or one of its steps last changed.
        """
        query = (
            select(
                chat_roadmaps.c.chat_id,
                chat_roadmaps.c.roadmap_id,
                chat_roadmaps.c.last_activity_at,
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
        )
        marks: dict[int, dict[str, dict[str, Mark]]] = {chat_id: {} for chat_id in chat_ids}
        notes: dict[tuple[int, str], dict[str, Note]] = {}
        used: dict[tuple[int, str], dt.datetime] = {}
        async with self._reading() as connection:
            for chat_id, roadmap_id, opened_at, step_id, state, changed_at in await connection.execute(query):
                roadmap_marks = marks[chat_id].setdefault(roadmap_id, {})
                used[chat_id, roadmap_id] = max(used.get((chat_id, roadmap_id), opened_at), changed_at or opened_at)
                if step_id is not None:
                    roadmap_marks[step_id] = Mark(StepState(state), changed_at)
            if with_notes:
                rows = await connection.execute(select(step_notes).where(step_notes.c.chat_id.in_(chat_ids)))
                for row in rows:
                    notes.setdefault((row.chat_id, row.roadmap_id), {})[row.step_id] = Note(row.text, row.changed_at)
        return {
            chat_id: [
                Progress(roadmap_id, by_roadmap[roadmap_id], notes=notes.get((chat_id, roadmap_id), {}))
                for roadmap_id in sorted(by_roadmap, key=lambda r: (-used[chat_id, r].timestamp(), r))
            ]
            for chat_id, by_roadmap in marks.items()
        }

    # --- reminders --------------------------------------------------------------------

    async def reminder_of(self, chat_id: int) -> Reminder | None:
        """The chat's reminder, if it ever started a roadmap."""
        async with self._reading() as connection:
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
        values: dict[str, Any] = {
            "weekday": weekday,
            "hour": hour,
            "timezone": timezone,
            "status": status.value,
            "due_at": due_at,
            "unanswered": 0,
            "claimed_at": None,  # the chat answered: a claim a dead process left is forgiven too
            "failures": 0,
        }
        if status is not current.status and not active:
            values["stopped_at"] = now
        async with self._writing() as connection:
            await connection.execute(update(reminders).where(reminders.c.chat_id == chat_id).values(values))
        return Reminder(chat_id, status, weekday, hour, timezone, due_at, 0, current.last_sent_at, 0)

    async def note_presence(self, seen: Mapping[int, dt.datetime]) -> None:
        """Chats were heard from (chat id: when): the nudges they ignored are forgiven, and
        reminders stopped because they were quiet or had blocked the bot start again."""
        woken = (ReminderStatus.BLOCKED.value, ReminderStatus.IDLE.value)
        chat_ids = list(seen)
        for first in range(0, len(chat_ids), 500):
            some = chat_ids[first : first + 500]
            async with self._writing() as connection:
                await connection.execute(  # a claim left by a dead process is forgiven with the rest
                    update(reminders)
                    .where(
                        reminders.c.chat_id.in_(some),
                        or_(reminders.c.unanswered > 0, reminders.c.claimed_at.is_not(None)),
                    )
                    .values(unanswered=0, claimed_at=None)
                )
                stopped = await connection.execute(
                    select(reminders).where(reminders.c.chat_id.in_(some), reminders.c.status.in_(woken))
                )
                for row in stopped.all():
                    if row.stopped_at is not None and row.stopped_at > seen[row.chat_id]:
                        continue  # stopped after the chat was last seen (news from another process)
                    current = _reminder(row)
                    due = next_due(
                        current.weekday, current.hour, current.timezone, seen[current.chat_id], current.last_sent_at
                    )
                    await connection.execute(
                        update(reminders)
                        .where(reminders.c.chat_id == current.chat_id, reminders.c.status == current.status.value)
                        .values(status=ReminderStatus.ACTIVE.value, due_at=due, failures=0)
                    )

    async def stop_reminders(self, chat_id: int, status: ReminderStatus, now: dt.datetime) -> None:
        """Stop a chat's active reminders for a reason (blocked, gone); a pause the chat chose stays one."""
        async with self._writing() as connection:
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
        async with self._reading() as connection:
            return [_reminder(row) for row in await connection.execute(query)]

    async def count_due_reminders(self, now: dt.datetime) -> int:
        """How many reminders are due by `now` and not claimed (the backlog)."""
        async with self._reading() as connection:
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
        if self.engine.dialect.name == "postgresql":
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
        async with self._writing() as connection:
            rows = (await connection.execute(claim)).all()
        return [replace(_reminder(row), unanswered=max(0, row.unanswered - 1)) for row in rows]

    async def record_nudge_outcomes(self, outcomes: Iterable[NudgeOutcome]) -> None:
        """Write what became of claimed nudges: the next due time and status, and who was sent one."""
        outcomes = list(outcomes)
        if not outcomes:
            return
        schedule = (
            update(reminders)
            .where(reminders.c.chat_id == bindparam("b_chat_id"), reminders.c.due_at == bindparam("b_claimed"))
            .values(
                status=bindparam("b_status"),
                due_at=bindparam("b_due_at"),
                failures=bindparam("b_failures"),
                stopped_at=case(
                    (bindparam("b_status") == ReminderStatus.ACTIVE.value, reminders.c.stopped_at),
                    else_=bindparam("b_at"),
                ),
            )
        )
        sent = (
            update(reminders)
            .where(reminders.c.chat_id == bindparam("b_chat_id"))
            .values(last_sent_at=bindparam("b_sent_at"), claimed_at=None)
        )
        not_sent = (
            update(reminders)
            .where(reminders.c.chat_id == bindparam("b_chat_id"))
            .values(unanswered=case((reminders.c.unanswered > 0, reminders.c.unanswered - 1), else_=0), claimed_at=None)
        )
        async with self._writing() as connection:
            await connection.execute(
                schedule,
                [
                    {
                        "b_chat_id": o.chat_id,
                        "b_claimed": o.claimed_due_at,
                        "b_status": o.status.value,
                        "b_due_at": o.due_at,
                        "b_failures": o.failures,
                        "b_at": o.at,
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
            async with self._writing() as connection:
                moved = await connection.execute(update(chats).where(chats.c.id == old_chat_id).values(id=new_chat_id))
            return moved.rowcount == 1
        except IntegrityError:
            return False

    async def _touch(
        self, connection: AsyncConnection, chat_id: int, roadmap_id: str, now: dt.datetime
    ) -> Reminder | None:
        """Mark the chat's roadmap used now, starting it (and the chat) if it is new.

        Returns the reminder it turned on when this is the chat's first roadmap.
        """
        used = await connection.execute(self._use_roadmap, {"c": chat_id, "r": roadmap_id, "at": now})
        if used.rowcount == 1:
            return None  # the common case: one statement
        return await self._start(connection, chat_id, roadmap_id, now)

    async def _start(
        self, connection: AsyncConnection, chat_id: int, roadmap_id: str, now: dt.datetime
    ) -> Reminder | None:
        """Start a roadmap for a chat (and the chat, and its reminder if this is its first roadmap)."""
        await connection.execute(self._insert(chats).values(id=chat_id, created_at=now).on_conflict_do_nothing())
        started = await connection.execute(
            self._insert(chat_roadmaps)
            .values(chat_id=chat_id, roadmap_id=roadmap_id, started_at=now, last_activity_at=now)
            .on_conflict_do_nothing()
        )
        if started.rowcount == 0:
            return None  # another update of this chat started it a moment ago
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
        """Read the marks and notes of one roadmap of one chat."""
        rows = (await connection.execute(self._read_marks, {"c": chat_id, "r": roadmap_id})).all()
        marks, notes = {}, {}
        for step_id, state, at, text in rows:
            if text is not None:
                notes[step_id] = Note(text, _utc(at))
            elif step_id is not None:
                marks[step_id] = Mark(StepState(state), _utc(at))
        started = any(text is None for _, _, _, text in rows)
        return Progress(roadmap_id, marks, started=started, notes=notes)


def _utc(value: dt.datetime | str) -> dt.datetime:
    """A time read through a UNION, which SQLite hands back as text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


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
