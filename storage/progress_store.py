"""The tap flow's queries: a chat's progress on its roadmaps, notes on steps, and putting back or
clearing what an export holds. Each method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from progress.model import (
    FROM_CHAT,
    Marking,
    Note,
    Progress,
    Source,
    StepState,
    storable_text,
)
from progress.place import Place, place_from
from progress.topics import Counted, done_elsewhere, needs_other_roadmaps
from roadmaps import Catalog, Check, Roadmap, Step
from storage.batching import Batcher
from storage.database import Database
from storage.progress_reads import read_chats_progress, read_progress
from storage.progress_writes import ProgressWrites
from storage.tables import chat_roadmaps, chats, check_ticks, step_notes, step_states
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
    step_change,
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
        by: Marking = FROM_CHAT,
    ) -> Changed:
        """Set a step's state under its current id, dropping marks under its former ids; the card
        becomes the chat's current one and the roadmap the latest changed (started, if it was not).
        A step already in that state is left as it is, with the day it got there. `by`: where the
        change came from, and the day the mark carries when it is not now (a topic done in another
        roadmap, counted here)."""
        call = SetStateCall(chat_id, roadmap_id, step, state, now, by.marked_at or now, by.source)
        changed = await self._taps(call)
        assert isinstance(changed, Changed)
        return changed

    async def toggle_check(
        self, chat_id: int, roadmap_id: str, step: Step, check: Check, now: dt.datetime
    ) -> tuple[bool, Progress]:
        """Tick a "done when" check of a step, or untick it when it is ticked (under its current or
        former ids); the card becomes the chat's current one. Whether it is ticked now, and the
        roadmap's progress."""
        mine = (
            (check_ticks.c.chat_id == chat_id)
            & (check_ticks.c.roadmap_id == roadmap_id)
            & check_ticks.c.step_id.in_(step.ids)
            & check_ticks.c.check_id.in_(check.ids)
        )
        async with self.database.writing() as connection:
            await self._make_current(connection, chat_id, roadmap_id, step, now)
            await self._has_roadmap(connection, chat_id, roadmap_id, now)
            untick = (await connection.execute(delete(check_ticks).where(mine))).rowcount > 0
            if not untick:
                await connection.execute(
                    check_ticks.insert().values(
                        chat_id=chat_id, roadmap_id=roadmap_id, step_id=step.id, check_id=check.id, ticked_at=now
                    )
                )
            after = await read_progress(connection, chat_id, roadmap_id)
        return not untick, after

    async def undo_mark(self, chat_id: int, roadmap_id: str, step: Step, now: dt.datetime) -> Changed:
        """↩️ Undo: the step goes back to what it was before its latest change, with that change's
        day (not started when it was not, or when that is not known); the card becomes the chat's
        current one. A step not marked is left as it is."""
        where = (step_states.c.chat_id == chat_id) & (step_states.c.roadmap_id == roadmap_id)
        mine = where & (step_states.c.step_id == step.id)
        async with self.database.writing() as connection:
            before = await read_progress(connection, chat_id, roadmap_id)
            await self._make_current(connection, chat_id, roadmap_id, step, now)
            was = before.state_of(step)
            if was is StepState.TODO:
                return Changed(before, before)
            query = select(step_states.c.before_state, step_states.c.before_at).where(mine)
            row = (await connection.execute(query)).first()
            await connection.execute(delete(step_states).where(where & step_states.c.step_id.in_(step.formerly)))
            if row is None or row.before_state is None or row.before_at is None:
                await connection.execute(delete(step_states).where(mine))
                back = StepState.TODO
            else:
                restored = {
                    "state": row.before_state,
                    "changed_at": row.before_at,
                    "before_state": None,
                    "before_at": None,
                }
                await connection.execute(update(step_states).where(mine).values(restored))
                back = StepState(row.before_state)
            await connection.execute(
                self._writes.change_roadmap, {"c": chat_id, "r": roadmap_id, "started": now, "at": now}
            )
            fact = SetStateCall(chat_id, roadmap_id, step, back, now, now, Source.CHAT)
            await connection.execute(self._writes.record_fact, step_change(fact, was))
            after = await read_progress(connection, chat_id, roadmap_id)
        return Changed(before, after)

    async def count_here(
        self, chat_id: int, catalog: Catalog, roadmap: Roadmap, step: Step, now: dt.datetime, source: Source
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
        by = Marking(source, marked_at=done_there)
        changed = await self.set_step_state(chat_id, roadmap.id, step, StepState.DONE, now, by=by)
        return Counted(elsewhere, changed, others)

    async def other_roadmaps(
        self, chat_id: int, catalog: Catalog, progress: Progress, steps: Sequence[Step]
    ) -> list[Progress]:
        """The chat's progress on its roadmaps other than `progress`'s, read only when one of `steps`
        shares its topic with another roadmap and is not done here (nothing else needs them)."""
        if not needs_other_roadmaps(catalog, progress, steps):
            return []
        others = await self._chat_reads(ReadChat(chat_id, with_ticks=False))  # steps done there: marks only
        return [other for other in others if other.roadmap_id != progress.roadmap_id]

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
        return replace(before, notes=notes)

    async def progress_of(self, chat_id: int, roadmap_id: str) -> Progress:
        """The chat's progress on one roadmap, notes included; empty if it never started it."""
        progress = await self._taps(ReadProgress(chat_id, roadmap_id))
        assert isinstance(progress, Progress)
        return progress

    async def progress_of_chat(self, chat_id: int, *, with_notes: bool = False) -> list[Progress]:
        """Every roadmap the chat started, the one used last first."""
        return await self._chat_reads(ReadChat(chat_id, with_notes))

    async def tell_absences(self, chat_id: int, roadmap_ids: Sequence[str], now: dt.datetime) -> list[str]:
        """Of roadmaps the chat has progress on that are no longer offered, those it was not yet told
        about, noted as told now (so it is told once)."""
        if not roadmap_ids:
            return []
        table = chat_roadmaps
        told = (
            update(table)
            .where(table.c.chat_id == chat_id, table.c.roadmap_id.in_(roadmap_ids), table.c.absence_told_at.is_(None))
            .values(absence_told_at=now)
            .returning(table.c.roadmap_id)
        )
        async with self.database.writing() as connection:
            untold = {roadmap_id for (roadmap_id,) in await connection.execute(told)}
        return [roadmap_id for roadmap_id in roadmap_ids if roadmap_id in untold]

    async def progress_of_chats(
        self, chat_ids: Sequence[int], *, with_notes: bool = False, with_ticks: bool = True
    ) -> dict[int, list[Progress]]:
        """Every roadmap each chat started, the one used last first: marks, ticked checks (unless
        not `with_ticks`: a nudge does not show them) and notes (if `with_notes`), a trip each."""
        async with self.database.reading() as connection:
            return await read_chats_progress(connection, chat_ids, with_notes=with_notes, with_ticks=with_ticks)

    async def place_of(self, chat_id: int, catalog: Catalog, *, with_notes: bool = False) -> Place:
        """Where a chat is: its started roadmaps, the one in focus, its next step and current card."""
        query = select(chats.c.current_roadmap_id, chats.c.current_step_id).where(chats.c.id == chat_id)
        async with self.database.reading() as connection:
            # Where a chat is needs no ticked checks: one statement fewer.
            progresses = (await read_chats_progress(connection, [chat_id], with_notes=with_notes, with_ticks=False))[
                chat_id
            ]
            row = (await connection.execute(query)).first()
        current = (row[0], row[1]) if row is not None and row[0] and row[1] else None
        return place_from(catalog, progresses, current)

    async def _make_current(
        self, connection: AsyncConnection, chat_id: int, roadmap_id: str, step: Step, now: dt.datetime
    ) -> None:
        """The chat (made if new) has this step's card in front of it now."""
        await connection.execute(self._writes.make_current, {"c": chat_id, "r": roadmap_id, "s": step.id, "at": now})

    async def _has_roadmap(self, connection: AsyncConnection, chat_id: int, roadmap_id: str, now: dt.datetime) -> None:
        """The chat's row for a roadmap exists (notes hang on it), started or not."""
        await connection.execute(self._writes.keep_roadmap, {"c": chat_id, "r": roadmap_id, "at": now})
