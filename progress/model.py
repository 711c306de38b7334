"""A chat's progress on one roadmap, as stored, and what it means for the roadmap's steps."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from roadmaps import Catalog, Effort, Roadmap, Step

NONE_TICKED: frozenset[str] = frozenset()


class StepState(enum.Enum):
    """Where a chat stands on a step; TODO is the absence of a stored mark."""

    TODO = "todo"
    WORKING = "working"  # "Working on it", as on roadmap.sh
    DONE = "done"
    SKIPPED = "skipped"


# Still to do, the first state first: the next step is the first one working, else the first to do.
OPEN_STATES = (StepState.WORKING, StepState.TODO)
PAST_STATES = (StepState.DONE, StepState.SKIPPED)  # nothing left to do


class Source(enum.Enum):
    """Where a step's change came from: the chat, the page, or an imported file."""

    CHAT = "chat"
    PAGE = "page"
    IMPORT = "import"


@dataclass(frozen=True, slots=True)
class Marking:
    """How a step is marked: from where, and on which day (None: now; a topic done in another
    roadmap and counted here carries the day it was done there)."""

    source: Source = Source.CHAT
    marked_at: dt.datetime | None = None


FROM_CHAT = Marking()


@dataclass(frozen=True, slots=True)
class Mark:
    """A stored state of a step and when it was set."""

    state: StepState
    changed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Note:
    """What a chat wrote about a step, and when."""

    text: str
    changed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Progress:
    """The marks a chat has on one roadmap, keyed by the step ids they were stored under."""

    roadmap_id: str
    marks: Mapping[str, Mark]
    started: bool = field(default=True, compare=False)  # False: no step of it was ever marked
    notes: Mapping[str, Note] = field(default_factory=dict)
    # The "done when" checks ticked, by the step id and check id they were stored under.
    ticks: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # The ids of the chat's other roadmaps (started, or with notes) when they were read with this
    # one; None when they were not. A card reads the others only if one could count here.
    other_roadmap_ids: frozenset[str] | None = field(default=None, compare=False)

    def ticked(self, step: Step) -> frozenset[str]:
        """The ids of the step's checks ticked, whether stored under current or former ids."""
        if not self.ticks:  # most progress has none: a card asks for every step's
            return NONE_TICKED
        stored = frozenset().union(*(self.ticks.get(step_id, NONE_TICKED) for step_id in step.ids))
        if not stored:
            return NONE_TICKED
        return frozenset(check.id for check in step.done_when if not stored.isdisjoint(check.ids))

    def mark_of(self, step: Step) -> Mark | None:
        """The step's latest mark, whether stored under its current id or a former one."""
        if not step.formerly:
            return self.marks.get(step.id)
        found = [self.marks[step_id] for step_id in step.ids if step_id in self.marks]
        return max(found, key=lambda mark: mark.changed_at) if found else None

    def note_of(self, step: Step) -> Note | None:
        """The step's latest note, whether kept under its current id or a former one."""
        found = [self.notes[step_id] for step_id in step.ids if step_id in self.notes]
        return max(found, key=lambda note: note.changed_at) if found else None

    def state_of(self, step: Step) -> StepState:
        """The step's state; TODO when it has no mark."""
        mark = self.mark_of(step) if step.formerly else self.marks.get(step.id)
        return StepState.TODO if mark is None else mark.state

    def states(self, roadmap: Roadmap) -> list[StepState]:
        """Each of the roadmap's steps' state, in order (state_of for every step, in one go)."""
        if roadmap.renamed:
            return [self.state_of(step) for step in roadmap.steps]
        marks, todo = self.marks, StepState.TODO
        return [todo if (mark := marks.get(step.id)) is None else mark.state for step in roadmap.steps]

    def tally(self, roadmap: Roadmap) -> Counter[StepState]:
        """How many of the roadmap's current steps are in each state (removed steps do not count)."""
        if roadmap.renamed:  # a step's marks may lie under several ids: the latest one counts
            return Counter(self.states(roadmap))
        counted = Counter(mark.state for step_id, mark in self.marks.items() if roadmap.step(step_id) is not None)
        if not_marked := len(roadmap.steps) - sum(counted.values()):
            counted[StepState.TODO] += not_marked
        return counted

    def done_count(self, roadmap: Roadmap) -> int:
        """How many of the roadmap's current steps are done (removed steps do not count)."""
        return self._count(roadmap, StepState.DONE)

    def skipped_count(self, roadmap: Roadmap) -> int:
        """How many of the roadmap's current steps were skipped."""
        return self._count(roadmap, StepState.SKIPPED)

    def _count(self, roadmap: Roadmap, state: StepState) -> int:
        """How many of the roadmap's current steps are in a state other than TODO: read off the
        marks, fewer than the steps for most chats, unless a step's marks lie under several ids."""
        if roadmap.renamed:
            return self.states(roadmap).count(state)
        return sum(mark.state is state and roadmap.step(step_id) is not None for step_id, mark in self.marks.items())

    def next_step(self, roadmap: Roadmap) -> Step | None:
        """The step to take next: the first one in progress, else the first not started;
        None when the roadmap is covered (every step done or skipped)."""
        states = self.states(roadmap)
        for state in OPEN_STATES:
            if state in states:
                return roadmap.steps[states.index(state)]
        return None

    def next_step_after(self, roadmap: Roadmap, step: Step) -> Step | None:
        """The first unfinished step after this one in order, else the first before it; None when
        every other step is done or skipped."""
        position, states = roadmap.number_of(step) - 1, self.states(roadmap)
        around = [*range(position + 1, len(states)), *range(position)]
        return next((roadmap.steps[n] for n in around if states[n] in OPEN_STATES), None)

    def is_covered(self, roadmap: Roadmap) -> bool:
        """True when every step is done or skipped: nothing is left to do, but it may not be complete."""
        if len(self.marks) < len(roadmap.steps):  # a step without a mark is still to do
            return False
        return all(state in PAST_STATES for state in self.states(roadmap))

    def is_completed(self, roadmap: Roadmap) -> bool:
        """True when every step is done."""
        if len(self.marks) < len(roadmap.steps):  # a step without a mark is not done
            return False
        return all(state is StepState.DONE for state in self.states(roadmap))

    def skipped_steps(self, roadmap: Roadmap) -> list[Step]:
        """The steps skipped, in order: what a covered roadmap can revisit."""
        if all(mark.state is not StepState.SKIPPED for mark in self.marks.values()):
            return []  # a skipped step's latest mark says so
        return [
            step for step, state in zip(roadmap.steps, self.states(roadmap), strict=True) if state is StepState.SKIPPED
        ]

    def effort_left(self, roadmap: Roadmap) -> Effort | None:
        """The hours the steps still to do (not started or in progress) take, summed over those
        with an estimate; None when none of them has one."""
        efforts = [
            step.effort_hours
            for step, state in zip(roadmap.steps, self.states(roadmap), strict=True)
            if step.effort_hours is not None and state in OPEN_STATES
        ]
        if not efforts:
            return None
        return Effort(sum(effort.low for effort in efforts), sum(effort.high for effort in efforts))


@dataclass(frozen=True, slots=True)
class SavedRoadmap:
    """One roadmap's progress as an export file carries it: to be put back as it was."""

    roadmap_id: str
    started_at: dt.datetime | None  # None: never started (notes only)
    last_activity_at: dt.datetime
    marks: Mapping[str, Mark]
    notes: Mapping[str, Note]
    ticks: Mapping[str, frozenset[str]] = field(default_factory=dict)  # checks ticked, by step id


# Control characters a database may refuse (PostgreSQL text cannot hold NUL) or a chat would show
# as garbage; newlines and tabs are what people type, and stay.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def storable_text(text: str) -> str:
    """What people typed, as every database keeps it alike: control characters other than newline
    and tab dropped (a carriage return before a newline too), the rest as typed."""
    return _UNSTORABLE.sub("", text.replace("\r\n", "\n"))


class Confirmed(enum.Enum):
    """What became of a confirmed question (reset, forget, import)."""

    DONE = "done"
    NOTHING = "nothing"  # there was nothing to do (already reset, no file waiting)
    OUT_OF_DATE = "out_of_date"  # what it was asked about changed since: nothing was done


def fingerprint(progresses: Iterable[Progress], *extra: str) -> str:
    """Eight hex digits that change whenever a mark or note of these roadmaps changes (or `extra`
    does): what a question was asked about, so that its answer can tell the state moved on."""
    digest = hashlib.sha256()
    for progress in sorted(progresses, key=lambda p: p.roadmap_id):
        digest.update(f"roadmap|{progress.roadmap_id}|{progress.started}\n".encode())
        for step_id, mark in sorted(progress.marks.items()):
            digest.update(f"mark|{step_id}|{mark.state.value}|{mark.changed_at.timestamp()}\n".encode())
        for step_id, note in sorted(progress.notes.items()):
            digest.update(f"note|{step_id}|{note.changed_at.timestamp()}|{note.text}\n".encode())
    for part in extra:
        digest.update(f"extra|{part}\n".encode())
    return digest.hexdigest()[:8]


def digest_of(payload: str) -> str:
    """Eight hex digits naming a held file."""
    return hashlib.sha256(payload.encode()).hexdigest()[:8]


def started_roadmaps(catalog: Catalog, progresses: Sequence[Progress]) -> list[tuple[Roadmap, Progress]]:
    """The chat's started roadmaps that the catalog still has, the one changed last first (a
    roadmap only looked at, or with notes only, is not started)."""
    pairs = [(catalog.get(p.roadmap_id), p) for p in progresses if p.started]
    return [(roadmap, progress) for roadmap, progress in pairs if roadmap is not None]


def percent(done: int, total: int) -> int:
    """Whole percent of steps done, rounded down so that 100% means every step."""
    return done * 100 // total if total else 0


def kept_roadmaps(catalog: Catalog, progresses: Sequence[Progress]) -> list[tuple[Roadmap, Progress]]:
    """The chat's roadmaps that hold anything (started, or with notes), as an export keeps them."""
    pairs = [(catalog.get(p.roadmap_id), p) for p in progresses if p.started or p.notes]
    return [(roadmap, progress) for roadmap, progress in pairs if roadmap is not None]
