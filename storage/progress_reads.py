"""How the tap flow reads progress: the statements, built once, and the rows made into Progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, bindparam, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from progress.model import Mark, Note, Progress, StepState
from storage.id_lists import one_of
from storage.tables import chat_roadmaps, check_ticks, step_notes, step_states

# The state a ticked check's row carries in the reads' union (its text is the check's id).
TICK = "tick"
# The state a row of the chat's roadmaps carries in the union (its text is the roadmap's id).
ROADMAP = "roadmap"

# The chat's roadmap row joined with its marks: no row at all means not started. Notes come in
# the same trip, as rows with a text and no state.
_WITH_MARKS = chat_roadmaps.outerjoin(
    step_states,
    (step_states.c.chat_id == chat_roadmaps.c.chat_id) & (step_states.c.roadmap_id == chat_roadmaps.c.roadmap_id),
)


def _marks_and_notes(
    *, whose: bool, which: Callable[[Any, Any], ColumnElement[bool]], of_chats: Callable[[Any], ColumnElement[bool]]
) -> CompoundSelect[Any]:
    """Marks (with the roadmap's start), notes and ticked checks of the (chat, roadmap) pairs `which`
    picks, and every roadmap of the chats `of_chats` picks (so that a card knows whether there
    are others), led by the pair's own columns if `whose`."""
    marks_key, notes_key, ticks_key = (
        (chat_roadmaps.c.chat_id, chat_roadmaps.c.roadmap_id),
        (step_notes.c.chat_id, step_notes.c.roadmap_id),
        (check_ticks.c.chat_id, check_ticks.c.roadmap_id),
    )
    marks = select(
        *(marks_key if whose else ()),
        step_states.c.step_id,
        step_states.c.state,
        step_states.c.changed_at,
        literal_column("NULL").label("text"),
        chat_roadmaps.c.started_at,
    ).select_from(_WITH_MARKS)
    notes = select(
        *(notes_key if whose else ()),
        step_notes.c.step_id,
        literal_column("NULL"),
        step_notes.c.changed_at,
        step_notes.c.text,
        literal_column("NULL"),
    )
    ticks = select(
        *(ticks_key if whose else ()),
        check_ticks.c.step_id,
        literal_column("'tick'"),  # TICK
        check_ticks.c.ticked_at,
        check_ticks.c.check_id,
        literal_column("NULL"),
    )
    roadmaps = select(
        *(marks_key if whose else ()),
        literal_column("NULL"),
        literal_column("'roadmap'"),  # ROADMAP
        literal_column("NULL"),
        chat_roadmaps.c.roadmap_id,
        literal_column("NULL"),
    ).where(of_chats(chat_roadmaps.c.chat_id))
    return union_all(
        marks.where(which(*marks_key)), notes.where(which(*notes_key)), ticks.where(which(*ticks_key)), roadmaps
    )


READ_ONE_ROADMAP = _marks_and_notes(
    whose=False,
    which=lambda chat, roadmap: (chat == bindparam("c")) & (roadmap == bindparam("r")),
    of_chats=lambda chat: chat == bindparam("c"),
)
# The same for several (chat, roadmap) pairs at once, each row saying whose it is: the rows of
# the chats named and the roadmaps named, each list one parameter (storage/id_lists.py), which
# finds a chat's rows by the key's first column on either database. A chat named for one roadmap
# also gets its rows of another roadmap named, which `read_progresses` leaves out: a batch of taps
# is mostly on one roadmap, and pairs as a list of (chat, roadmap) would be rendered anew every time.
READ_ROADMAPS = _marks_and_notes(
    whose=True,
    which=lambda chat, roadmap: one_of(chat, "chats") & one_of(roadmap, "roadmaps"),
    of_chats=lambda chat: one_of(chat, "chats"),
)

Pair = tuple[int, str]


async def read_progress(connection: AsyncConnection, chat_id: int, roadmap_id: str) -> Progress:
    """The marks and notes of one roadmap of one chat, in one trip."""
    rows = (await connection.execute(READ_ONE_ROADMAP, {"c": chat_id, "r": roadmap_id})).all()
    return _progress(roadmap_id, rows)


async def read_progresses(connection: AsyncConnection, pairs: Sequence[Pair]) -> dict[Pair, Progress]:
    """The marks and notes of some (chat, roadmap) pairs, in one trip."""
    if len(pairs) == 1:
        (chat_id, roadmap_id), *_ = pairs
        return {pairs[0]: await read_progress(connection, chat_id, roadmap_id)}
    rows_of: dict[Pair, list[Any]] = {pair: [] for pair in pairs}
    roadmaps_of: dict[int, list[Any]] = {}  # each chat's rows of its roadmaps, for every pair of it
    chats, roadmaps = list(dict.fromkeys(c for c, _ in pairs)), list(dict.fromkeys(r for _, r in pairs))
    for chat_id, roadmap_id, *row in await connection.execute(READ_ROADMAPS, {"chats": chats, "roadmaps": roadmaps}):
        if row[1] == ROADMAP:
            roadmaps_of.setdefault(chat_id, []).append(row)
        elif (rows := rows_of.get((chat_id, roadmap_id))) is not None:  # a pair that was asked for
            rows.append(row)
    return {
        (chat_id, roadmap_id): _progress(roadmap_id, [*rows, *roadmaps_of.get(chat_id, ())])
        for (chat_id, roadmap_id), rows in rows_of.items()
    }


def _progress(roadmap_id: str, rows: Sequence[Any]) -> Progress:
    """Rows of READ_ONE_ROADMAP made into a Progress."""
    marks, notes, started, ticks, others = {}, {}, False, {}, set()
    for step_id, state, at, text, started_at in rows:
        if state == TICK:
            ticks.setdefault(step_id, set()).add(text)
            continue
        if state == ROADMAP:
            if text != roadmap_id:
                others.add(text)
            continue
        if text is not None:
            notes[step_id] = Note(text, _utc(at))
            continue
        started = started or started_at is not None
        if step_id is not None:
            marks[step_id] = Mark(StepState(state), _utc(at))
    return Progress(
        roadmap_id,
        marks,
        started=started,
        notes=notes,
        ticks={s: frozenset(c) for s, c in ticks.items()},
        other_roadmap_ids=frozenset(others),
    )


# Every started roadmap of some chats, with its marks (a row of NULLs for a roadmap without any).
_CHATS_MARKS = (
    select(
        chat_roadmaps.c.chat_id,
        chat_roadmaps.c.roadmap_id,
        chat_roadmaps.c.last_activity_at,
        chat_roadmaps.c.started_at,
        step_states.c.step_id,
        step_states.c.state,
        step_states.c.changed_at,
    )
    .select_from(_WITH_MARKS)
    .where(one_of(chat_roadmaps.c.chat_id, "chats"))
)

# The notes of some chats.
_CHATS_NOTES = select(step_notes).where(one_of(step_notes.c.chat_id, "chats"))

# The ticked checks of some chats.
_CHATS_TICKS = select(
    check_ticks.c.chat_id, check_ticks.c.roadmap_id, check_ticks.c.step_id, check_ticks.c.check_id
).where(one_of(check_ticks.c.chat_id, "chats"))


async def read_chats_progress(
    connection: AsyncConnection, chat_ids: Sequence[int], *, with_notes: bool, with_ticks: bool
) -> dict[int, list[Progress]]:
    """Every roadmap each chat has a row for (started, or with notes only), the one changed last
    first: its marks, then its ticked checks unless not `with_ticks`, then its notes if `with_notes`,
    a trip each."""
    marks: dict[int, dict[str, dict[str, Mark]]] = {chat_id: {} for chat_id in chat_ids}
    notes: dict[tuple[int, str], dict[str, Note]] = {}
    used: dict[tuple[int, str], dt.datetime] = {}
    started: set[tuple[int, str]] = set()
    rows = await connection.execute(_CHATS_MARKS, {"chats": chat_ids})
    for chat_id, roadmap_id, changed_last, started_at, step_id, state, changed_at in rows:
        roadmap_marks = marks[chat_id].setdefault(roadmap_id, {})
        used[chat_id, roadmap_id] = changed_last
        if started_at is not None:
            started.add((chat_id, roadmap_id))
        if step_id is not None and state is not None and changed_at is not None:
            roadmap_marks[step_id] = Mark(StepState(state), changed_at)
    ticks: dict[tuple[int, str], dict[str, set[str]]] = {}
    for chat_id, roadmap_id, step_id, check_id in (
        await connection.execute(_CHATS_TICKS, {"chats": chat_ids}) if with_ticks else ()
    ):
        ticks.setdefault((chat_id, roadmap_id), {}).setdefault(step_id, set()).add(check_id)
    if with_notes:
        for row in await connection.execute(_CHATS_NOTES, {"chats": chat_ids}):
            notes.setdefault((row.chat_id, row.roadmap_id), {})[row.step_id] = Note(row.text, row.changed_at)
    return {
        chat_id: [
            Progress(
                roadmap_id,
                by_roadmap[roadmap_id],
                started=(chat_id, roadmap_id) in started,
                notes=notes.get((chat_id, roadmap_id), {}),
                ticks={s: frozenset(c) for s, c in ticks.get((chat_id, roadmap_id), {}).items()},
                other_roadmap_ids=frozenset(by_roadmap.keys() - {roadmap_id}),
            )
            for roadmap_id in sorted(by_roadmap, key=lambda r: (-used[chat_id, r].timestamp(), r))
        ]
        for chat_id, by_roadmap in marks.items()
    }


def _utc(value: dt.datetime | str) -> dt.datetime:
    """A time read through a UNION, which SQLite hands back as text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
