"""Export: a chat's progress as a Markdown checklist to read and as JSON that /import takes back.
Pure functions: content and progress in, bytes out."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from handlers.export_format import FORMAT, VERSION, Started
from handlers.line_views import progress_line
from i18n.formats import day, day_of_month_and_year
from progress import Progress, StepState, kept_roadmaps
from roadmaps import Catalog

CHECKBOX = {StepState.DONE: "[x]", StepState.SKIPPED: "[-]", StepState.WORKING: "[~]", StepState.TODO: "[ ]"}
STATE_WORDS = {StepState.DONE: "done", StepState.SKIPPED: "skipped", StepState.WORKING: "in progress since"}


def export_json(catalog: Catalog, progresses: Sequence[Progress], started: Started, now: dt.datetime) -> bytes:
    """Every started roadmap with every step's state, date and note, as JSON that /import reads."""
    roadmaps = []
    for roadmap, progress in kept_roadmaps(catalog, progresses):
        opened, used = started.get(roadmap.id, (now, now))
        steps = []
        for step in roadmap.steps:
            entry: dict[str, Any] = {"id": step.id, "title": step.title, "state": progress.state_of(step).value}
            if (mark := progress.mark_of(step)) is not None:
                entry["changed_at"] = mark.changed_at.isoformat()
            if (note := progress.note_of(step)) is not None:
                entry |= {"note": note.text, "note_changed_at": note.changed_at.isoformat()}
            steps.append(entry)
        roadmaps.append(
            {
                "id": roadmap.id,
                "title": roadmap.title,
                "started_at": opened.isoformat() if opened else None,
                "last_used_at": used.isoformat(),
                "steps": steps,
            }
        )
    document = {"format": FORMAT, "version": VERSION, "exported_at": now.isoformat(), "roadmaps": roadmaps}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def export_markdown(
    catalog: Catalog, progresses: Sequence[Progress], started: Started, now: dt.datetime, bot_name: str
) -> bytes:
    """Every started roadmap as a checklist: [x] done, [~] in progress, [-] skipped, with dates and notes."""
    lines = ["# Roadmap progress", "", f"Exported {day_of_month_and_year(now)} from {bot_name}.", ""]
    for roadmap, progress in kept_roadmaps(catalog, progresses):
        opened, _ = started.get(roadmap.id, (now, now))
        begun = f" · started {day(opened)}" if opened else " · not started yet (notes only)"
        lines += [f"## {roadmap.title}", "", f"{progress_line(roadmap, progress)}{begun}", ""]
        for number, step in enumerate(roadmap.steps, 1):
            mark, note = progress.mark_of(step), progress.note_of(step)
            line = f"- {CHECKBOX[progress.state_of(step)]} {number}. {step.title}"
            if mark is not None:
                line += f" ({STATE_WORDS[mark.state]} {day(mark.changed_at)})"
            lines.append(line)
            if note is not None:
                lines += [f"  > {text}" for text in note.text.splitlines() or [""]]
        lines.append("")
    return "\n".join(lines).encode()
