"""The tap flow's queries: a chat's progress on its roadmaps, notes on steps, and putting back or
clearing what an export holds. Each method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from progress.model import (
    Confirmed,
    Note,
    Progress,
    SavedRoadmap,
    StepState,
    digest_of,
    fingerprint,
    storable_text,
)
from progress.place import Place, place_from
from progress.topics import Counted, done_elsewhere, needs_other_roadmaps
from roadmaps import Catalog, Roadmap, Step
from storage.batching import Batcher
from storage.database import Database
from storage.progress_reads import read_chats_progress, read_progress
from storage.progress_writes import ProgressWrites
from storage.reminder_store import turn_on_first_reminder
from storage.tables import chat_roadmaps, chats, pending_imports, step_notes, step_states
from storage.tap_batches import (
    Changed,
    OpenStep,
    ReadChat,
    ReadProgress,
    SetStateCall,
    TapAnswer,
    TapCall,
    serve_chat_reads,
    serve_taps,
)


def _chat(call: TapCall | ReadChat) -> int:
    """What the tap flow's calls are kept in order by: the chat."""
    return call.chat_id


class ProgressStore:
    """Progress per chat over the shared Database; the tap flow's calls are served in batches (see
    storage.batching)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._writes = ProgressWrites.of(database)
        self._taps: Batcher[TapCall, TapAnswer] = Batcher(partial(serve_taps, database, self._writes), _chat)
        self._chat_reads: Batcher[ReadChat, list[Progress]] = Batcher(partial(serve_chat_reads, database), _chat)

    def batched(self, together: bool) -> None:
        """Serve the tap flow's calls in batches (the default), or each alone as it comes."""
        self._taps.together = self._chat_reads.together = together

    async def open_step(self, chat_id: int, roadmap_id: str, step: Step, now: dt.datetime) -> Progress:
        """The chat opened a step's card: it becomes its current card; return the roadmap's progress."""
        progress = await self._taps(OpenStep(chat_id, roadmap_id, step, now))
        assert isinstance(progress, Progress)
        return progress

    async def set_step_state(
        self,
        chat_id: int,
        roadmap_id: str,
        step: Step,
        state: StepState,
        now: dt.datetime,
        *,
        marked_at: dt.datetime | None = None,
    ) -> Changed:
        """Set a step's state under its current id, dropping marks under its former ids; the card
        becomes the chat's current one and the roadmap the latest changed (started, if it was not).
        A step already in that state is left as it is, with the day it got there. `marked_at`: the
        day the mark carries when it is not now (a topic done in another roadmap, counted here)."""
        changed = await self._taps(SetStateCall(chat_id, roadmap_id, step, state, now, marked_at or now))
        assert isinstance(changed, Changed)
        return changed

    async def count_here(
        self, chat_id: int, catalog: Catalog, roadmap: Roadmap, step: Step, now: dt.datetime
    ) -> Counted:
        """✅ Count it here: a step whose topic was done in another roadmap of the chat is marked done
        here, on the day it was done there; when it no longer is (undone there, or done here
        already), nothing changes. The chat and the page both ask this."""
        progress = await self.progress_of(chat_id, roadmap.id)
        others = await self.other_roadmaps(chat_id, catalog, progress, [step])
        elsewhere = done_elsewhere(catalog, [*others, progress], roadmap, step)
        if elsewhere is None:
            return Counted(None, None, others)
        done_there = elsewhere.mark.changed_at
        changed = await self.set_step_state(chat_id, roadmap.id, step, StepState.DONE, now, marked_at=done_there)
        return Counted(elsewhere, changed, others)

    async def other_roadmaps(
        self, chat_id: int, catalog: Catalog, progress: Progress, steps: Sequence[Step]
    ) -> list[Progress]:
        """The chat's progress on its roadmaps other than `progress`'s, read only when one of `steps`
        shares its topic with another roadmap and is not done here (nothing else needs them)."""
        if not needs_other_roadmaps(catalog, progress, steps):
            return []
        return [other for other in await self.progress_of_chat(chat_id) if other.roadmap_id != progress.roadmap_id]

    async def set_note(self, chat_id: int, roadmap_id: str, step: Step, text: str | None, now: dt.datetime) -> Progress:
        """Keep a note on a step under its current id (None removes it); return the roadmap's progress."""
        text = None if text is None else storable_text(text)
        async with self.database.writing() as connection:
            before = await read_progress(connection, chat_id, roadmap_id)
            await self._make_current(connection, chat_id, roadmap_id, step, now)
            await self._has_roadmap(connection, chat_id, roadmap_id, now)
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
        return Progress(roadmap_id, before.marks, started=before.started, notes=notes)

    async def progress_of(self, chat_id: int, roadmap_id: str) -> Progress:
        """The chat's progress on one roadmap, notes included; empty if it never started it."""
        progress = await self._taps(ReadProgress(chat_id, roadmap_id))
        assert isinstance(progress, Progress)
        return progress

    async def progress_of_chat(self, chat_id: int, *, with_notes: bool = False) -> list[Progress]:
        """Every roadmap the chat started, the one used last first."""
        return await self._chat_reads(ReadChat(chat_id, with_notes))

    async def progress_of_chats(
        self, chat_ids: Sequence[int], *, with_notes: bool = False
    ) -> dict[int, list[Progress]]:
        """Every roadmap each chat started, the one used last first, in one trip (two with notes)."""
        async with self.database.reading() as connection:
            return await read_chats_progress(connection, chat_ids, with_notes=with_notes)

    async def place_of(self, chat_id: int, catalog: Catalog, *, with_notes: bool = False) -> Place:
        """Where a chat is: its started roadmaps, the one in focus, its next step and current card."""
        query = select(chats.c.current_roadmap_id, chats.c.current_step_id).where(chats.c.id == chat_id)
        async with self.database.reading() as connection:
            progresses = (await read_chats_progress(connection, [chat_id], with_notes=with_notes))[chat_id]
            row = (await connection.execute(query)).first()
        current = (row[0], row[1]) if row is not None and row[0] and row[1] else None
        return place_from(catalog, progresses, current)

    async def started_at(self, chat_id: int) -> dict[str, tuple[dt.datetime, dt.datetime]]:
        """When the chat started each of its roadmaps and last opened it."""
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

    async def reset_roadmap(self, chat_id: int, roadmap_id: str, about: str | None = None) -> Confirmed:
        """Forget one roadmap of a chat (its marks and notes go with it), if it is still as the
        question that `about` names saw it."""
        async with self.database.writing() as connection:
            if about is not None and fingerprint([await read_progress(connection, chat_id, roadmap_id)]) != about:
                return Confirmed.OUT_OF_DATE
            this_roadmap = (chat_roadmaps.c.chat_id == chat_id) & (chat_roadmaps.c.roadmap_id == roadmap_id)
            gone = await connection.execute(delete(chat_roadmaps).where(this_roadmap))
        return Confirmed.DONE if gone.rowcount == 1 else Confirmed.NOTHING

    async def forget_chat(self, chat_id: int, about: str | None = None) -> Confirmed:
        """Delete every row about a chat (its roadmaps, marks, notes, reminder and pending import), if
        it is still as the question that `about` names saw it."""
        async with self.database.writing() as connection:
            if about is not None and await self._about_chat(connection, chat_id) != about:
                return Confirmed.OUT_OF_DATE
            gone = await connection.execute(delete(chats).where(chats.c.id == chat_id))
        return Confirmed.DONE if gone.rowcount == 1 else Confirmed.NOTHING

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
    ) -> Confirmed:
        """Put roadmaps back as an export file has them, replacing what the chat has on them.

        `confirming`: this is the held import, confirmed by a question that `about` named; it is
        taken only if the file and the progress are as the question saw them, and the file is
        dropped in the same transaction, so a failure leaves both as they were.
        """
        async with self.database.writing() as connection:
            if confirming is not None:
                if await self._held(connection, chat_id) is None:
                    return Confirmed.NOTHING
                if await self._about_import(connection, chat_id, [r.roadmap_id for r in saved]) != confirming:
                    return Confirmed.OUT_OF_DATE
                await connection.execute(delete(pending_imports).where(pending_imports.c.chat_id == chat_id))
            for roadmap in saved:
                await self._put_back(connection, chat_id, roadmap, now)
        return Confirmed.DONE

    async def _put_back(
        self, connection: AsyncConnection, chat_id: int, roadmap: SavedRoadmap, now: dt.datetime
    ) -> None:
        """One roadmap of an export, replacing the chat's, in the caller's transaction."""
        this_roadmap = (chat_roadmaps.c.chat_id == chat_id) & (chat_roadmaps.c.roadmap_id == roadmap.roadmap_id)
        await connection.execute(delete(chat_roadmaps).where(this_roadmap))
        await self._start(connection, chat_id, roadmap.roadmap_id, now)
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

    async def _make_current(
        self, connection: AsyncConnection, chat_id: int, roadmap_id: str, step: Step, now: dt.datetime
    ) -> None:
        """The chat (made if new) has this step's card in front of it now."""
        await connection.execute(self._writes.make_current, {"c": chat_id, "r": roadmap_id, "s": step.id, "at": now})

    async def _has_roadmap(self, connection: AsyncConnection, chat_id: int, roadmap_id: str, now: dt.datetime) -> None:
        """The chat's row for a roadmap exists (notes hang on it), started or not."""
        await connection.execute(self._writes.keep_roadmap, {"c": chat_id, "r": roadmap_id, "at": now})

    async def _start(self, connection: AsyncConnection, chat_id: int, roadmap_id: str, now: dt.datetime) -> None:
        """Start a roadmap for a chat, as an import does (and the chat, and its reminder if it has none)."""
        await connection.execute(
            self.database.insert(chats).values(id=chat_id, created_at=now).on_conflict_do_nothing()
        )
        started = {"c": chat_id, "r": roadmap_id, "started": now, "at": now}
        await connection.execute(self._writes.change_roadmap, started)
        await turn_on_first_reminder(self.database, connection, chat_id, now)

    async def _held(self, connection: AsyncConnection, chat_id: int) -> str | None:
        """The chat's held export file, read in the caller's transaction."""
        query = select(pending_imports.c.payload).where(pending_imports.c.chat_id == chat_id)
        row = (await connection.execute(query)).first()
        return None if row is None else str(row.payload)

    async def _about_chat(self, connection: AsyncConnection, chat_id: int) -> str:
        """The fingerprint of all of a chat's progress, notes and held file."""
        progresses = (await read_chats_progress(connection, [chat_id], with_notes=True))[chat_id]
        held = await self._held(connection, chat_id)
        return fingerprint(progresses, digest_of(held) if held is not None else "")

    async def _about_import(self, connection: AsyncConnection, chat_id: int, roadmap_ids: Sequence[str]) -> str:
        """The fingerprint of the held file and of the progress it would replace."""
        progresses = [await read_progress(connection, chat_id, roadmap_id) for roadmap_id in roadmap_ids]
        held = await self._held(connection, chat_id)
        return fingerprint(progresses, digest_of(held) if held is not None else "")
