"""Export and import: a chat's progress as a Markdown checklist and as JSON, and the JSON read back.

Pure functions: content and progress in, bytes out; bytes in, a plan to put back or a clear
reason why not.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from handlers.note_views import MAX_NOTE
from handlers.screens import progress_line
from roadmaps import Catalog, Roadmap
from storage import Mark, Note, Progress, SavedRoadmap, StepState, started_roadmaps

FORMAT = "roadmap-bot/progress"
VERSION = 1
MAX_IMPORT_BYTES = 1_000_000
CHECKBOX = {StepState.DONE: "[x]", StepState.SKIPPED: "[-]", StepState.WORKING: "[~]", StepState.TODO: "[ ]"}
STATE_WORDS = {StepState.DONE: "done", StepState.SKIPPED: "skipped", StepState.WORKING: "in progress since"}

# When each roadmap was started and last opened, by roadmap id.
Started = Mapping[str, tuple[dt.datetime, dt.datetime]]


class ImportProblem(ValueError):
    """A file that cannot be imported; the message says why, in words for the person."""


@dataclass(slots=True)
class ImportPlan:
    """What an export file puts back, and what of it this bot no longer knows."""

    roadmaps: list[SavedRoadmap]
    unknown_roadmaps: list[str]
    unknown_steps: int


def export_json(catalog: Catalog, progresses: Sequence[Progress], started: Started, now: dt.datetime) -> bytes:
    """Every started roadmap with every step's state, date and note, as JSON that /import reads."""
    roadmaps = []
    for roadmap, progress in started_roadmaps(catalog, progresses):
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
                "started_at": opened.isoformat(),
                "last_used_at": used.isoformat(),
                "steps": steps,
            }
        )
    document = {"format": FORMAT, "version": VERSION, "exported_at": now.isoformat(), "roadmaps": roadmaps}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def export_markdown(catalog: Catalog, progresses: Sequence[Progress], started: Started, now: dt.datetime) -> bytes:
    """Every started roadmap as a checklist: [x] done, [~] in progress, [-] skipped, with dates and notes."""
    lines = ["# Roadmap progress", "", f"Exported {now:%-d %B %Y} from the roadmap bot.", ""]
    for roadmap, progress in started_roadmaps(catalog, progresses):
        opened, _ = started.get(roadmap.id, (now, now))
        lines += [f"## {roadmap.title}", "", f"{progress_line(roadmap, progress)} · started {opened:%-d %b %Y}", ""]
        for number, step in enumerate(roadmap.steps, 1):
            mark, note = progress.mark_of(step), progress.note_of(step)
            line = f"- {CHECKBOX[progress.state_of(step)]} {number}. {step.title}"
            if mark is not None:
                line += f" ({STATE_WORDS[mark.state]} {mark.changed_at:%-d %b %Y})"
            lines.append(line)
            if note is not None:
                lines += [f"  > {text}" for text in note.text.splitlines() or [""]]
        lines.append("")
    return "\n".join(lines).encode()


def read_export(data: bytes, catalog: Catalog) -> ImportPlan:
    """The plan an export file makes, or ImportProblem saying what is wrong with it."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportProblem(f"the file is {len(data):,} bytes; an export is never over {MAX_IMPORT_BYTES:,}")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportProblem(f"it is not JSON ({error})") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportProblem("it is not a progress export from this bot (send the .json file /export made)")
    if document.get("version") != VERSION:
        raise ImportProblem(f"it has version {document.get('version')!r}; this bot reads version {VERSION}")
    roadmaps = document.get("roadmaps")
    if not isinstance(roadmaps, list):
        raise ImportProblem("roadmaps: missing, or not a list")
    plan = ImportPlan([], [], 0)
    for number, entry in enumerate(roadmaps):
        where = f"roadmaps[{number}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ImportProblem(f"{where}: not a roadmap with an id")
        roadmap = catalog.get(entry["id"])
        if roadmap is None:
            plan.unknown_roadmaps.append(str(entry.get("title") or entry["id"]))
            continue
        plan.roadmaps.append(_saved_roadmap(roadmap, entry, where, plan))
    return plan


def _saved_roadmap(roadmap: Roadmap, entry: dict[str, Any], where: str, plan: ImportPlan) -> SavedRoadmap:
    """One roadmap of an export file, its steps resolved to the current ids (former ids too)."""
    steps = entry.get("steps")
    if not isinstance(steps, list):
        raise ImportProblem(f"{where}.steps: missing, or not a list")
    marks: dict[str, Mark] = {}
    notes: dict[str, Note] = {}
    for number, item in enumerate(steps):
        at = f"{where}.steps[{number}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ImportProblem(f"{at}: not a step with an id")
        step = roadmap.step(item["id"])
        if step is None:
            plan.unknown_steps += 1
            continue
        try:
            state = StepState(item.get("state", "todo"))
        except ValueError as error:
            raise ImportProblem(f"{at}.state: unknown state {item.get('state')!r}") from error
        if state is not StepState.TODO:
            marks[step.id] = Mark(state, _moment(item.get("changed_at"), f"{at}.changed_at"))
        if "note" in item:
            text = item["note"]
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_NOTE:
                raise ImportProblem(f"{at}.note: not a note of 1 to {MAX_NOTE:,} characters")
            notes[step.id] = Note(text, _moment(item.get("note_changed_at"), f"{at}.note_changed_at"))
    started = _moment(entry.get("started_at"), f"{where}.started_at")
    used = _moment(entry.get("last_used_at", entry.get("started_at")), f"{where}.last_used_at")
    return SavedRoadmap(roadmap.id, started, used, marks, notes)


def _moment(value: Any, where: str) -> dt.datetime:
    """An ISO-8601 time of the file, as UTC."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(f"{where}: not an ISO-8601 time ({value!r})") from error
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
