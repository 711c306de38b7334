"""The tap flow's calls served as one batch: reading a chat's progress on a roadmap, opening a
step's card, setting a step's state. A batch costs one read of every (chat, roadmap) it names and,
when it changes anything, one transaction of multi-row writes, whatever its size.

The calls are played in order over what the read found, so a chat's second call in a batch sees
its first; then only the net change is written: one row per chat, per chat's roadmap and per mark,
each written by a conditional upsert (or a delete) that leaves alone what another instance on the
same database did meanwhile. Nothing is kept from one batch to the next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from progress.changes import Changed
from progress.model import Mark, Progress, Source, StepState
from roadmaps import Step
from storage.database import Database
from storage.metrics import STEPS_CHANGED
from storage.progress_reads import Pair, read_chats_progress, read_progresses
from storage.progress_writes import STEP_CHANGED, ProgressWrites
from storage.reminder_store import turn_on_first_reminders


@dataclass(frozen=True, slots=True)
class ReadProgress:
    """The chat's progress on one roadmap."""

    chat_id: int
    roadmap_id: str


@dataclass(frozen=True, slots=True)
class OpenStep:
    """The chat opened a step's card: it becomes its current card."""

    chat_id: int
    roadmap_id: str
    step: Step
    now: dt.datetime


@dataclass(frozen=True, slots=True)
class SetStateCall:
    """A step's state is set under its current id, its marks under former ids dropped; `marked_at`
    is the day the mark carries, `source` where the change came from (kept with the change's fact)."""

    chat_id: int
    roadmap_id: str
    step: Step
    state: StepState
    now: dt.datetime
    marked_at: dt.datetime
    source: Source = Source.CHAT


@dataclass(frozen=True, slots=True)
class ReadChat:
    """Every roadmap the chat has a row for, the one changed last first; notes only if asked for,
    ticked checks unless not asked for (the steps done elsewhere need marks only)."""

    chat_id: int
    with_notes: bool = False
    with_ticks: bool = True


TapCall = ReadProgress | OpenStep | SetStateCall
TapAnswer = Progress | Changed


@dataclass
class _NetChange:
    """What a batch's calls change, one entry per row, the latest call's winning."""

    cards: dict[int, tuple[str, str, dt.datetime]] = field(default_factory=dict)  # chat: roadmap, step, first at
    roadmaps: dict[Pair, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)  # first and last change
    first_starts: dict[int, dt.datetime] = field(default_factory=dict)  # chat: when it started a roadmap
    reminded: dict[int, int] = field(default_factory=dict)  # chat: its first call that may have turned one on
    facts: list[dict[str, object]] = field(default_factory=list)  # each step change, as the facts keep it


async def serve_taps(database: Database, writes: ProgressWrites, calls: Sequence[TapCall]) -> list[TapAnswer]:
    """Answer the calls in order: one read, and one write transaction if any call writes."""
    pairs = list(dict.fromkeys((call.chat_id, call.roadmap_id) for call in calls))
    if all(isinstance(call, ReadProgress) for call in calls):
        async with database.reading() as connection:
            read = await read_progresses(connection, pairs)
        return [read[call.chat_id, call.roadmap_id] for call in calls]

    batch = _Batch(database, writes, calls, pairs)
    if writes.in_one is not None:
        answers = await database.retrying(batch.read_then_write)
    else:
        answers = await database.write_retrying(batch.play_and_write)
    count_changes(batch.written)
    return answers


@dataclass
class _Batch:
    """A batch of calls that writes: played over one read of its pairs, its net change written."""

    database: Database
    writes: ProgressWrites
    calls: Sequence[TapCall]
    pairs: list[Pair]
    written: list[dict[str, object]] = field(default_factory=list)  # the facts of the changes written

    async def play_and_write(self, connection: AsyncConnection) -> list[TapAnswer]:
        """The calls played over one read, and their net change written, in one transaction (run
        again whole if it loses a race with another instance's, or with a confirmation)."""
        answers, net, rows = self._played(await read_progresses(connection, self.pairs))
        await self._write_in_transaction(connection, answers, net, rows)
        return answers

    async def read_then_write(self) -> list[TapAnswer]:
        """PostgreSQL's way: the read on its own (in READ COMMITTED, a transaction's read sees what
        one outside it would), then the change in one statement outside a transaction, or, if it
        needs more (first reminders, a mark written anew), in a transaction."""
        async with self.database.reading() as connection:
            answers, net, rows = self._played(await read_progresses(connection, self.pairs))
            if not (net.first_starts or rows.marked_again):
                await _write_in_one(connection, self.writes, rows)
                self.written = net.facts
                return answers
        async with self.database.writing() as connection:
            await self._write_in_transaction(connection, answers, net, rows)
        return answers

    def _played(self, read: dict[Pair, Progress]) -> tuple[list[TapAnswer], _NetChange, _Rows]:
        """The calls played over what was read: their answers, and the change to write."""
        progresses, net = dict(read), _NetChange()
        answers = [_play(call, progresses, net, i) for i, call in enumerate(self.calls)]
        return answers, net, _rows(read, progresses, net)

    async def _write_in_transaction(
        self, connection: AsyncConnection, answers: list[TapAnswer], net: _NetChange, rows: _Rows
    ) -> None:
        """The change written in the connection's transaction: the rows, and the first reminders."""
        await _write(connection, self.writes, rows)
        self.written = net.facts
        if net.first_starts:
            new = await turn_on_first_reminders(self.database, connection, net.first_starts)
            for chat_id, reminder in new.items():
                first = net.reminded[chat_id]
                answers[first] = Changed(answers[first].before, answers[first].after, reminder)  # type: ignore[union-attr]


def count_changes(facts: Sequence[Mapping[str, object]]) -> None:
    """Count step changes written (their facts) on /metrics."""
    for fact in facts:
        STEPS_CHANGED.labels(fact["r"], fact["new"], fact["source"]).inc()


async def serve_chat_reads(database: Database, calls: Sequence[ReadChat]) -> list[list[Progress]]:
    """Answer reads of whole chats in one read (a trip more if any asks for ticks, another for notes);
    each call gets no more than it asked for."""
    chat_ids = list(dict.fromkeys(call.chat_id for call in calls))
    with_notes, with_ticks = any(c.with_notes for c in calls), any(c.with_ticks for c in calls)
    async with database.reading() as connection:
        read = await read_chats_progress(connection, chat_ids, with_notes=with_notes, with_ticks=with_ticks)
    return [_as_asked(read[call.chat_id], call, with_notes=with_notes, with_ticks=with_ticks) for call in calls]


def _as_asked(progresses: list[Progress], call: ReadChat, *, with_notes: bool, with_ticks: bool) -> list[Progress]:
    """A chat's progresses as read for a batch, without the notes or ticks its call did not ask for."""
    if with_notes and not call.with_notes:
        progresses = [replace(p, notes={}) for p in progresses]
    if with_ticks and not call.with_ticks:
        progresses = [replace(p, ticks={}) for p in progresses]
    return progresses


def _play(call: TapCall, progresses: dict[Pair, Progress], net: _NetChange, index: int) -> TapAnswer:
    """One call over the progress as the calls before it left it; its answer."""
    pair = (call.chat_id, call.roadmap_id)
    before = progresses[pair]
    if isinstance(call, ReadProgress):
        return before
    if isinstance(call, SetStateCall) and before.state_of(call.step) is call.state:
        return Changed(before, before)
    created = net.cards.get(call.chat_id, (None, None, call.now))[2]
    net.cards[call.chat_id] = (call.roadmap_id, call.step.id, created)
    if isinstance(call, OpenStep):
        return before
    first_change = net.roadmaps.get(pair, (call.now, call.now))[0]
    net.roadmaps[pair] = (first_change, call.now)
    if not before.started:
        net.first_starts.setdefault(call.chat_id, call.now)
        net.reminded.setdefault(call.chat_id, index)
        _known_beside(progresses, pair)
    net.facts.append(step_change(call, before.state_of(call.step)))
    marks = {step_id: mark for step_id, mark in before.marks.items() if step_id not in call.step.ids}
    if call.state is not StepState.TODO:
        marks[call.step.id] = Mark(call.state, call.marked_at)
    progresses[pair] = replace(before, marks=marks, started=True)
    return Changed(before, progresses[pair])


def _known_beside(progresses: dict[Pair, Progress], started: Pair) -> None:
    """A roadmap the chat starts in a batch is among the other roadmaps of its other pairs there."""
    chat_id, roadmap_id = started
    for (chat, roadmap), progress in progresses.items():
        others = progress.other_roadmap_ids
        if chat == chat_id and roadmap != roadmap_id and others is not None and roadmap_id not in others:
            progresses[chat, roadmap] = replace(progress, other_roadmap_ids=others | {roadmap_id})


@dataclass(frozen=True, slots=True)
class _Rows:
    """A batch's net change as the rows each write statement takes, in key order (so that two
    instances writing the same rows take their locks in the same order)."""

    cards: list[dict[str, object]]
    changed: list[dict[str, object]]
    gone: list[dict[str, object]]
    marked: list[dict[str, object]]
    facts: list[dict[str, object]]
    marked_again: bool  # a mark removed and written anew (marked again after an undo: a new day)


def _rows(read: dict[Pair, Progress], played: dict[Pair, Progress], net: _NetChange) -> _Rows:
    """The rows of the net change: the calls played over what was read."""
    cards = [{"c": c, "r": r, "s": s, "at": at} for c, (r, s, at) in sorted(net.cards.items())]
    changed = [{"c": c, "r": r, "started": first, "at": last} for (c, r), (first, last) in sorted(net.roadmaps.items())]
    gone, marked, again = [], [], False
    for pair in sorted(net.roadmaps):
        was, now = read[pair].marks, played[pair].marks
        for step_id in sorted(was.keys() | now.keys()):
            if was.get(step_id) == now.get(step_id):
                continue
            key = {"c": pair[0], "r": pair[1], "s": step_id}
            if step_id in was and (step_id not in now or now[step_id].state is was[step_id].state):
                gone.append(key)  # removed, or marked again after an undo in this batch: a new day
                again = again or step_id in now
            if step_id in now:
                marked.append(key | {"state": now[step_id].state.value, "at": now[step_id].changed_at})
    return _Rows(cards, changed, gone, marked, net.facts, again)


async def _write(connection: AsyncConnection, writes: ProgressWrites, rows: _Rows) -> None:
    """The net change, a statement per kind of row."""
    await _execute(connection, writes.make_current, rows.cards)
    await _execute(connection, writes.change_roadmap, rows.changed)
    await _execute(connection, writes.forget_mark, rows.gone)
    await _execute(connection, writes.upsert_mark, rows.marked)
    await _execute(connection, writes.record_fact, rows.facts)


async def _write_in_one(connection: AsyncConnection, writes: ProgressWrites, rows: _Rows) -> None:
    """The net change in one statement (PostgreSQL's IN_ONE): each field a column of values."""
    if not rows.cards:  # every call that writes makes its chat's card current: no card, no change
        return
    await connection.execute(
        writes.in_one,
        {
            **_columns("card", rows.cards, "c", "r", "s", "at"),
            **_columns("roadmap", rows.changed, "c", "r", "started", "at"),
            **_columns("gone", rows.gone, "c", "r", "s"),
            **_columns("mark", rows.marked, "c", "r", "s", "state", "at"),
            **_columns("fact", rows.facts, "c", "at", "kind", "r", "s", "old", "new", "source"),
        },
    )


def _columns(kind: str, rows: list[dict[str, object]], *fields: str) -> dict[str, list[object]]:
    """Rows as a column of values per field, each named `kind_field`."""
    return {f"{kind}_{field}": [row[field] for row in rows] for field in fields}


def step_change(call: SetStateCall, before: StepState) -> dict[str, object]:
    """The fact of one step's change, as `ProgressWrites.record_fact` takes it."""
    return {
        "c": call.chat_id,
        "at": call.now,
        "kind": STEP_CHANGED,
        "r": call.roadmap_id,
        "s": call.step.id,
        "old": before.value,
        "new": call.state.value,
        "source": call.source.value,
    }


async def _execute(connection: AsyncConnection, statement: object, rows: list[dict[str, object]]) -> None:
    """One statement for every row (one executemany), or none when there are no rows."""
    if rows:
        await connection.execute(statement, rows[0] if len(rows) == 1 else rows)  # type: ignore[call-overload]
