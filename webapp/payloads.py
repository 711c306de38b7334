"""What the page shows, as JSON: pure functions from content and progress, in the person's language."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from i18n.shared_views import labelled_signals, progress_line, signals_legend
from progress import DoneElsewhere, Progress, StepState, percent
from roadmaps import Catalog, Effort, Roadmap, Signals, Step
from webapp.page_views import (
    countable_words,
    effort_left_words,
    elsewhere_line,
    next_step_words,
    roadmap_size,
    step_words,
)

Json = dict[str, Any]


def signals_payload(signals: Signals) -> list[Json]:
    """The three signals in the seed page's order: name, level word (High/Medium/Low) and level id."""
    levels = (signals.importance, signals.market_demand, signals.automation_risk)
    return [
        {"name": name, "level": word, "value": level.value}
        for (name, word), level in zip(labelled_signals(signals), levels, strict=True)
    ]


def progress_payload(roadmap: Roadmap, progress: Progress) -> Json:
    """Counts, the whole percent and the chat's progress line."""
    tally, total = progress.tally(roadmap), len(roadmap.steps)
    return {
        "done": tally[StepState.DONE],
        "working": tally[StepState.WORKING],
        "skipped": tally[StepState.SKIPPED],
        "total": total,
        "percent": percent(tally[StepState.DONE], total),
        "line": progress_line(roadmap, progress),
        "started": progress.started,
        "covered": progress.is_covered(roadmap),
        "completed": progress.is_completed(roadmap),
    }


def effort_payload(effort: Effort | None) -> Json | None:
    """An effort range in hours, low and high; None when there is no estimate."""
    return {"low": effort.low, "high": effort.high} if effort else None


def elsewhere_payload(elsewhere: DoneElsewhere | None) -> Json | None:
    """Where a step's topic was done in another roadmap, and when; None when it was not."""
    if elsewhere is None:
        return None
    return {
        "roadmap_id": elsewhere.roadmap.id,
        "roadmap": elsewhere.roadmap.title,
        "step_number": elsewhere.roadmap.number_of(elsewhere.step),
        "step": elsewhere.step.title,
        "done_at": elsewhere.mark.changed_at.isoformat(),
        "line": elsewhere_line(elsewhere, elsewhere.roadmap.number_of(elsewhere.step)),
    }


def step_payload(roadmap: Roadmap, step: Step, progress: Progress, elsewhere: DoneElsewhere | None = None) -> Json:
    """One step as a card shows it: its content, its state (and since when), the chat's note, and
    where its topic was done in another roadmap (`elsewhere`), which the card offers to count here."""
    mark, note = progress.mark_of(step), progress.note_of(step)
    return {
        "id": step.id,
        "number": roadmap.number_of(step),
        "title": step.title,
        "summary": step.summary,
        "section": step.section,
        "signals": signals_payload(step.signals),
        "resources": [{"title": resource.title, "url": resource.url} for resource in step.resources],
        "why": step.why,
        "done_when": [check.text for check in step.done_when],
        "checks_ticked": [check.id in progress.ticked(step) for check in step.done_when],
        "practice": step.practice,
        "effort_hours": effort_payload(step.effort_hours),
        "state": (mark.state if mark else StepState.TODO).value,
        "changed_at": mark.changed_at.isoformat() if mark else None,
        "note": note.text if note else None,
        "elsewhere": elsewhere_payload(elsewhere),
        "words": step_words(mark, step.effort_hours, len(progress.ticked(step)), len(step.done_when)),
    }


def roadmap_payload(
    roadmap: Roadmap, progress: Progress, elsewhere: Mapping[str, DoneElsewhere] = MappingProxyType({})
) -> Json:
    """A roadmap as the seed page shows it: every step at once, with the chat's progress;
    `elsewhere`: by step id, the steps whose topic was done in another roadmap."""
    next_step = progress.next_step(roadmap)
    return {
        "id": roadmap.id,
        "title": roadmap.title,
        "summary": roadmap.summary,
        "signals": signals_payload(roadmap.signals),
        "legend": signals_legend(),
        "progress": progress_payload(roadmap, progress),
        "effort_left": effort_payload(progress.effort_left(roadmap)),
        "next_step": next_step.id if next_step else None,
        "steps": [step_payload(roadmap, step, progress, elsewhere.get(step.id)) for step in roadmap.steps],
        "words": {
            "effort_left": effort_left_words(progress.effort_left(roadmap)),
            "countable": countable_words(len(elsewhere)),
            "next_step": next_step_words(next_step.title if next_step else None),
        },
    }


def catalog_payload(catalog: Catalog, progresses: Mapping[str, Progress]) -> Json:
    """Every roadmap, in display order, with its summary and the chat's progress on it."""
    return {
        "roadmaps": [
            {
                "id": roadmap.id,
                "title": roadmap.title,
                "summary": roadmap.summary,
                "steps": len(roadmap.steps),
                "size": roadmap_size(len(roadmap.steps)),
                "progress": progress_payload(roadmap, progresses.get(roadmap.id, _unstarted(roadmap))),
            }
            for roadmap in catalog
        ]
    }


def _unstarted(roadmap: Roadmap) -> Progress:
    """The progress of a roadmap the chat never opened."""
    return Progress(roadmap.id, {}, started=False)
