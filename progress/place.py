"""The learner's place, defined once: which roadmaps a chat has started, the one in focus, the
step to take next, and the card it last had in front of it. Every view, /next, /note and the
nudge read it from here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from progress.model import Progress, started_roadmaps
from roadmaps import Catalog, Roadmap, Step


@dataclass(frozen=True, slots=True)
class Place:
    """Where a chat is.

    - `started`: the roadmaps it started (a first step done, in progress or skipped; opening one
      starts nothing), the one with the latest step change first;
    - `current`: the step of the card it last opened or changed (where /note without a reply goes).
    """

    started: Sequence[tuple[Roadmap, Progress]]
    current: tuple[Roadmap, Step] | None = None

    @property
    def focus(self) -> tuple[Roadmap, Progress] | None:
        """The roadmap in focus: the started one with the latest step change."""
        return self.started[0] if self.started else None

    @property
    def next(self) -> tuple[Roadmap, Progress, Step] | None:
        """The step to take next: the focus's next unfinished step, or else the next started
        roadmap's that has one (by latest change); None when every started roadmap is covered."""
        for roadmap, progress in self.started:
            if (step := progress.next_step(roadmap)) is not None:
                return roadmap, progress, step
        return None


def place_from(catalog: Catalog, progresses: Sequence[Progress], current: tuple[str, str] | None) -> Place:
    """The place of a chat, from its progress and the ids of its current card (gone ids: none)."""
    card = None
    if current is not None and (roadmap := catalog.get(current[0])) is not None:
        step = roadmap.step(current[1])
        card = (roadmap, step) if step is not None else None
    return Place(started_roadmaps(catalog, progresses), card)
