"""The chat's data as a whole: when each roadmap was started (the export), and the questions that
name what they confirm (reset a roadmap, forget the chat, import a held file), each checked and
carried out in one transaction that holds the chat's row, so that a mark made meanwhile is either
seen by the check (the answer is "out of date") or made after the change, never lost. Each method
is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from progress import (
    Confirmed,
    Mark,
    Progress,
    Reminder,
    SavedRoadmap,
    Source,
    StepState,
    digest_of,
    fingerprint,
    storable_text,
)
from storage.database import Database
from storage.languages import announce_changes
from storage.progress_reads import read_chats_progress, read_progress
from storage.progress_writes import STEP_CHANGED, ProgressWrites
from storage.reminder_store import turn_on_first_reminder
from storage.tables import (
    announcement_recipients,
    announcements,
    chat_days,
    chat_roadmaps,
    chats,
    check_ticks,
    facts,
    pending_imports,
    stats_digests,
    step_notes,
    step_states,
)
from storage.tap_batches import count_changes


@dataclass(frozen=True, slots=True)
class Replaced:
    """How an import went, and the reminder it turned on (the chat's first), if it did."""

    outcome: Confirmed
    new_reminder: Reminder | None = None


class ChatDataStore:
    """A chat's data as a whole, over the shared Database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._writes = ProgressWrites.of(database)

    async def _lock_chat(self, connection: AsyncConnection, chat_id: int) -> None:
        """Hold the chat's row until the transaction ends (PostgreSQL; on SQLite the one writer
        holds the whole database). Every write of a tap takes this row first, so a tap either
        commits before the check reads or waits until the change is done."""
        if self.database.dialect == "postgresql":
            await connection.execute(select(chats.c.id).where(chats.c.id == chat_id).with_for_update())

    async def started_at(self, chat_id: int) -> dict[str, tuple[dt.datetime | None, dt.datetime]]:
        """When the chat started each of its roadmaps (None: notes only, never started) and last opened it."""
        query = select(chat_roadmaps.c.roadmap_id, chat_roadmaps.c.started_at, chat_roadmaps.c.last_activity_at).where(
            chat_roadmaps.c.chat_id == chat_id
        )
        async with self.database.reading() as connection:
            return {roadmap_id: (started, used) for roadmap_id, started, used in await connection.execute(query)}

    async def question_about_roadmap(self, chat_id: int, roadmap_id: str) -> str:
        """What a question about one roadmap of a chat (start it over?) is asked about: its fingerprint."""
        async with self.database.reading() as connection:
            return fingerprint([await read_progress(connection, chat_id, roadmap_id)])

    async def question_about_chat(self, chat_id: int) -> str:
        """What a question about all of a chat's data (forget it?) is asked about."""
        async with self.database.reading() as connection:
            return await self._about_chat(connection, chat_id)

    async def question_about_import(self, chat_id: int, roadmap_ids: Sequence[str]) -> str:
        """What a question about importing the held file over these roadmaps is asked about."""
        async with self.database.reading() as connection:
            return await self._about_import(connection, chat_id, roadmap_ids)

    async def reset_roadmap(
        self, chat_id: int, roadmap_id: str, now: dt.datetime, about: str | None = None
    ) -> Confirmed:
        """Forget one roadmap of a chat (its marks and notes go with it), if it is still as the
        question that `about` names saw it."""

        async def reset(connection: AsyncConnection) -> Confirmed:
            await self._lock_chat(connection, chat_id)
            before = await read_progress(connection, chat_id, roadmap_id)
            if about is not None and fingerprint([before]) != about:
                return Confirmed.OUT_OF_DATE
            this_roadmap = (chat_roadmaps.c.chat_id == chat_id) & (chat_roadmaps.c.roadmap_id == roadmap_id)
            gone = await connection.execute(delete(chat_roadmaps).where(this_roadmap))
            await self._record_changes(connection, chat_id, before, {}, Source.CHAT, now)
            return Confirmed.DONE if gone.rowcount == 1 else Confirmed.NOTHING

        return await self.database.write_retrying(reset)

    async def forget_chat(self, chat_id: int, about: str | None = None) -> Confirmed:
        """Delete every row about a chat (its roadmaps, marks, notes, reminder and pending import), if
        it is still as the question that `about` names saw it."""

        async def forget(connection: AsyncConnection) -> Confirmed:
            await self._lock_chat(connection, chat_id)
            if about is not None and await self._about_chat(connection, chat_id) != about:
                return Confirmed.OUT_OF_DATE
            gone = await connection.execute(delete(chats).where(chats.c.id == chat_id))
            await announce_changes(connection, [chat_id])  # its language too: no instance keeps it
            await connection.execute(delete(facts).where(facts.c.chat_id == chat_id))
            await connection.execute(delete(chat_days).where(chat_days.c.chat_id == chat_id))
            await connection.execute(delete(stats_digests).where(stats_digests.c.chat_id == chat_id))
            # Never a recipient again.
            forgotten = announcement_recipients.c.chat_id == chat_id
            await connection.execute(delete(announcement_recipients).where(forgotten))
            # Its drafts go; what it sent goes on, no longer shown in its chat.
            mine = announcements.c.chat_id == chat_id
            await connection.execute(delete(announcements).where(mine, announcements.c.status == "draft"))
            await connection.execute(update(announcements).where(mine).values(chat_id=None, message_id=None))
            return Confirmed.DONE if gone.rowcount == 1 else Confirmed.NOTHING

        return await self.database.write_retrying(forget)

    async def hold_import(self, chat_id: int, payload: str, now: dt.datetime) -> None:
        """Keep an export file until the chat confirms it (one per chat; a newer one replaces it)."""
        async with self.database.writing() as connection:
            await connection.execute(
                self.database.insert(chats).values(id=chat_id, created_at=now).on_conflict_do_nothing()
            )
            held = self.database.insert(pending_imports).values(chat_id=chat_id, payload=payload, created_at=now)
            await connection.execute(
                held.on_conflict_do_update(
                    index_elements=[pending_imports.c.chat_id],
                    set_={"payload": held.excluded.payload, "created_at": held.excluded.created_at},
                )
            )

    async def held_import(self, chat_id: int) -> str | None:
        """The export file the chat sent and has not confirmed yet (None if there is none)."""
        async with self.database.reading() as connection:
            return await self._held(connection, chat_id)

    async def drop_import(self, chat_id: int, file: str | None = None) -> None:
        """Forget the export file the chat sent, if any (with `file`: only if it is that file)."""
        async with self.database.writing() as connection:
            held = await self._held(connection, chat_id)
            if held is not None and (file is None or digest_of(held) == file):
                await connection.execute(delete(pending_imports).where(pending_imports.c.chat_id == chat_id))

    async def replace_progress(
        self, chat_id: int, saved: Sequence[SavedRoadmap], now: dt.datetime, *, confirming: str | None = None
    ) -> Replaced:
        """Put roadmaps back as an export file has them, replacing what the chat has on them; with
        the reminder this turned on, when the chat had none (its first, as a first mark turns on).

        `confirming`: this is the held import, confirmed by a question that `about` named; it is
        taken only if the file and the progress are as the question saw them, and the file is
        dropped in the same transaction, so a failure leaves both as they were.
        """

        async def put_back(connection: AsyncConnection) -> Replaced:
            await self._lock_chat(connection, chat_id)
            if confirming is not None:
                if await self._held(connection, chat_id) is None:
                    return Replaced(Confirmed.NOTHING)
                if await self._about_import(connection, chat_id, [r.roadmap_id for r in saved]) != confirming:
                    return Replaced(Confirmed.OUT_OF_DATE)
                await connection.execute(delete(pending_imports).where(pending_imports.c.chat_id == chat_id))
            new_reminder = None
            for roadmap in saved:
                new_reminder = await self._put_back(connection, chat_id, roadmap, now) or new_reminder
            return Replaced(Confirmed.DONE, new_reminder)

        return await self.database.write_retrying(put_back)

    async def _put_back(
        self, connection: AsyncConnection, chat_id: int, roadmap: SavedRoadmap, now: dt.datetime
    ) -> Reminder | None:
        """One roadmap of an export, replacing the chat's, in the caller's transaction; the reminder
        it turned on, if the chat had none."""
        this_roadmap = (chat_roadmaps.c.chat_id == chat_id) & (chat_roadmaps.c.roadmap_id == roadmap.roadmap_id)
        before = await read_progress(connection, chat_id, roadmap.roadmap_id)
        await self._record_changes(connection, chat_id, before, roadmap.marks, Source.IMPORT, now)
        await connection.execute(delete(chat_roadmaps).where(this_roadmap))
        if roadmap.started_at is None:  # notes only: kept, not started, and no reminder for it
            await connection.execute(
                self.database.insert(chats).values(id=chat_id, created_at=now).on_conflict_do_nothing()
            )
            await connection.execute(self._writes.keep_roadmap, {"c": chat_id, "r": roadmap.roadmap_id, "at": now})
            new_reminder = None
        else:
            new_reminder = await self._start(connection, chat_id, roadmap.roadmap_id, now)
        await connection.execute(
            update(chat_roadmaps)
            .where(this_roadmap)
            .values(started_at=roadmap.started_at, last_activity_at=roadmap.last_activity_at)
        )
        key = {"chat_id": chat_id, "roadmap_id": roadmap.roadmap_id}
        if roadmap.marks:
            rows = [
                {**key, "step_id": step_id, "state": mark.state.value, "changed_at": mark.changed_at}
                for step_id, mark in roadmap.marks.items()
            ]
            await connection.execute(step_states.insert(), rows)
        if roadmap.notes:
            rows = [
                {**key, "step_id": step_id, "text": storable_text(note.text), "changed_at": note.changed_at}
                for step_id, note in roadmap.notes.items()
            ]
            await connection.execute(step_notes.insert(), rows)
        if ticks := [
            {**key, "step_id": step_id, "check_id": check_id, "ticked_at": now}
            for step_id, checks in roadmap.ticks.items()
            for check_id in sorted(checks)
        ]:
            await connection.execute(check_ticks.insert(), ticks)
        return new_reminder

    async def _start(
        self, connection: AsyncConnection, chat_id: int, roadmap_id: str, now: dt.datetime
    ) -> Reminder | None:
        """Start a roadmap for a chat, as an import does (and the chat, and its reminder if it has
        none: returned then)."""
        await connection.execute(
            self.database.insert(chats).values(id=chat_id, created_at=now).on_conflict_do_nothing()
        )
        started = {"c": chat_id, "r": roadmap_id, "started": now, "at": now}
        await connection.execute(self._writes.change_roadmap, started)
        return await turn_on_first_reminder(self.database, connection, chat_id, now)

    async def _record_changes(
        self,
        connection: AsyncConnection,
        chat_id: int,
        before: Progress,
        after: Mapping[str, Mark],
        source: Source,
        now: dt.datetime,
    ) -> None:
        """The facts of a roadmap's marks going from `before` to `after` at once (a reset, an import)."""
        changes = []
        for step_id in sorted(before.marks.keys() | after.keys()):
            old, new = before.marks.get(step_id), after.get(step_id)
            if (old and old.state) != (new and new.state):
                changes.append(
                    {
                        "c": chat_id,
                        "at": now,
                        "kind": STEP_CHANGED,
                        "r": before.roadmap_id,
                        "s": step_id,
                        "old": (old.state if old else StepState.TODO).value,
                        "new": (new.state if new else StepState.TODO).value,
                        "source": source.value,
                    }
                )
        if changes:
            await connection.execute(self._writes.record_fact, changes)
            count_changes(changes)

    async def _held(self, connection: AsyncConnection, chat_id: int) -> str | None:
        """The chat's held export file, read in the caller's transaction."""
        query = select(pending_imports.c.payload).where(pending_imports.c.chat_id == chat_id)
        row = (await connection.execute(query)).first()
        return None if row is None else str(row.payload)

    async def _about_chat(self, connection: AsyncConnection, chat_id: int) -> str:
        """The fingerprint of all of a chat's progress, notes and held file."""
        progresses = (await read_chats_progress(connection, [chat_id], with_notes=True, with_ticks=True))[chat_id]
        held = await self._held(connection, chat_id)
        return fingerprint(progresses, digest_of(held) if held is not None else "")

    async def _about_import(self, connection: AsyncConnection, chat_id: int, roadmap_ids: Sequence[str]) -> str:
        """The fingerprint of the held file and of the progress it would replace."""
        progresses = [await read_progress(connection, chat_id, roadmap_id) for roadmap_id in roadmap_ids]
        held = await self._held(connection, chat_id)
        return fingerprint(progresses, digest_of(held) if held is not None else "")
