"""Topics several roadmaps teach (`Step.topic`): a step whose topic a chat did in another roadmap
can count here too, on the learner's say (never silently). Pure functions over progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from progress.changes import Changed
from progress.model import Mark, Progress, StepState
from roadmaps import Catalog, Roadmap, Step


@dataclass(frozen=True, slots=True)
class DoneElsewhere:
    """A step's topic, done in another roadmap: which one, as which step, and when."""

    roadmap: Roadmap
    step: Step
    mark: Mark


@dataclass(frozen=True, slots=True)
class Counted:
    """What ✅ Count it here did: where the topic was done (None: nothing to count, nothing changed),
    the change it made, and the chat's other roadmaps it read."""

    elsewhere: DoneElsewhere | None
    changed: Changed | None
    others: Sequence[Progress]


def done_elsewhere(
    catalog: Catalog, progresses: Sequence[Progress], roadmap: Roadmap, step: Step
) -> DoneElsewhere | None:
    """Where this step's topic was first done in another roadmap; None when it has no topic, is
    done here already, or no other roadmap has it done."""
    if step.topic is None:
        return None
    by_roadmap = {progress.roadmap_id: progress for progress in progresses}
    here = by_roadmap.get(roadmap.id)
    if here is not None and here.state_of(step) is StepState.DONE:
        return None
    found = []
    for other, same in catalog.teaching(step.topic):
        progress = by_roadmap.get(other.id)
        mark = progress.mark_of(same) if progress is not None and other.id != roadmap.id else None
        if mark is not None and mark.state is StepState.DONE:
            found.append(DoneElsewhere(other, same, mark))
    return min(found, key=lambda done: done.mark.changed_at, default=None)


def countable_here(catalog: Catalog, progresses: Sequence[Progress], roadmap: Roadmap) -> dict[str, DoneElsewhere]:
    """The roadmap's steps not done here whose topic was done in another roadmap, by step id in
    the roadmap's order, with where each was done."""
    found = {step.id: done_elsewhere(catalog, progresses, roadmap, step) for step in roadmap.steps}
    return {step_id: elsewhere for step_id, elsewhere in found.items() if elsewhere is not None}


def needs_other_roadmaps(catalog: Catalog, progress: Progress, steps: Sequence[Step]) -> bool:
    """Whether another roadmap's progress could count for any of these steps: one shares its topic
    with another roadmap (one the chat has, when the progress knows them) and is not done here.
    Callers read the other roadmaps only then."""
    others = progress.other_roadmap_ids
    return any(
        _taught_elsewhere(catalog, step, others) and progress.state_of(step) is not StepState.DONE for step in steps
    )


def _taught_elsewhere(catalog: Catalog, step: Step, others: frozenset[str] | None) -> bool:
    """Whether the step's topic is taught in another roadmap: any (`others` None), or one of `others`."""
    if others is None:
        return catalog.shares_topic(step)
    return bool(others) and step.topic is not None and any(r.id in others for r, _ in catalog.teaching(step.topic))
