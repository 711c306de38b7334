"""Export: a chat's progress as a Markdown checklist to read (in the chat's language) and as JSON
that /import takes back (its keys and values the format's, in any language). Pure functions:
content and progress in, bytes out."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from handlers.export_format import FORMAT, VERSION, Started
from handlers.line_views import progress_line, separated
from i18n.catalogs import N_, _
from i18n.formats import count, day, day_of_month_and_year
from progress import Progress, StepState, kept_roadmaps
from roadmaps import Catalog

CHECKBOX = {StepState.DONE: "[x]", StepState.SKIPPED: "[-]", StepState.WORKING: "[~]", StepState.TODO: "[ ]"}
# When a step got its state, said through `_()`.
STATE_WORDS = {
    # Translators: in the Markdown export, after a step done; %(day)s is a date such as 27 Nov 2026.
    StepState.DONE: N_("done %(day)s"),
    # Translators: in the Markdown export, after a step skipped; %(day)s is a date such as 27 Nov 2026.
    StepState.SKIPPED: N_("skipped %(day)s"),
    # Translators: in the Markdown export, after a step being worked on; %(day)s is a date such as 27 Nov 2026.
    StepState.WORKING: N_("in progress since %(day)s"),
}


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
            if ticked := progress.ticked(step):
                entry["checks"] = [check.id for check in step.done_when if check.id in ticked]
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
    for progress in no_longer_offered(catalog, progresses):
        opened, used = started.get(progress.roadmap_id, (now, now))
        roadmaps.append(
            {
                "id": progress.roadmap_id,
                "title": progress.roadmap_id,  # its title went with its file
                "offered": False,
                "started_at": opened.isoformat() if opened else None,
                "last_used_at": used.isoformat(),
                "steps": [stored_step(progress, step_id) for step_id in stored_step_ids(progress)],
            }
        )
    document = {"format": FORMAT, "version": VERSION, "exported_at": now.isoformat(), "roadmaps": roadmaps}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def no_longer_offered(catalog: Catalog, progresses: Sequence[Progress]) -> list[Progress]:
    """The chat's progress (marks or notes) on roadmaps the catalog no longer has: kept, and exported."""
    return [p for p in progresses if catalog.get(p.roadmap_id) is None and (p.marks or p.notes)]


def stored_step_ids(progress: Progress) -> list[str]:
    """The step ids a roadmap's marks and notes are stored under, in a stable order."""
    return sorted({*progress.marks, *progress.notes})


def stored_step(progress: Progress, step_id: str) -> dict[str, Any]:
    """A step of a roadmap no longer offered, as stored: its id (its title went with its file), state, note."""
    mark, note = progress.marks.get(step_id), progress.notes.get(step_id)
    entry: dict[str, Any] = {"id": step_id, "title": step_id, "state": (mark.state if mark else StepState.TODO).value}
    if mark is not None:
        entry["changed_at"] = mark.changed_at.isoformat()
    if note is not None:
        entry |= {"note": note.text, "note_changed_at": note.changed_at.isoformat()}
    return entry


def export_markdown(
    catalog: Catalog, progresses: Sequence[Progress], started: Started, now: dt.datetime, bot_name: str
) -> bytes:
    """Every started roadmap as a checklist: [x] done, [~] in progress, [-] skipped, with dates and notes."""
    # Translators: the title of the Markdown export (a file); %(day)s is today's date, %(bot_name)s the bot's name.
    exported = _("Exported %(day)s from %(bot_name)s.") % {"day": day_of_month_and_year(now), "bot_name": bot_name}
    heading = _("Roadmap progress")
    lines = [f"# {heading}", "", exported, ""]
    for roadmap, progress in kept_roadmaps(catalog, progresses):
        opened, _used = started.get(roadmap.id, (now, now))
        # Translators: in the Markdown export, after a roadmap's progress; %(day)s is a date such as 3 Nov 2026.
        begun = _("started %(day)s") % {"day": day(opened)} if opened else _("not started yet (notes only)")
        lines += [f"## {roadmap.title}", "", separated(progress_line(roadmap, progress), begun), ""]
        for number, step in enumerate(roadmap.steps, 1):
            mark, note = progress.mark_of(step), progress.note_of(step)
            line = f"- {CHECKBOX[progress.state_of(step)]} {count(number)}. {step.title}"
            if mark is not None:
                when = _(STATE_WORDS[mark.state]) % {"day": day(mark.changed_at)}
                line += f" ({when})"
            lines.append(line)
            if note is not None:
                lines += [f"  > {text}" for text in note.text.splitlines() or [""]]
        lines.append("")
    for progress in no_longer_offered(catalog, progresses):
        # Translators: in the Markdown export, under a roadmap the bot no longer offers (its progress is kept).
        lines += [f"## {progress.roadmap_id}", "", _("No longer offered; your progress on it is kept."), ""]
        for step_id in stored_step_ids(progress):
            mark, note = progress.marks.get(step_id), progress.notes.get(step_id)
            line = f"- {CHECKBOX[mark.state if mark else StepState.TODO]} {step_id}"
            if mark is not None and mark.state in STATE_WORDS:
                line += f" ({_(STATE_WORDS[mark.state]) % {'day': day(mark.changed_at)}})"
            lines.append(line)
            if note is not None:
                lines += [f"  > {text}" for text in note.text.splitlines() or [""]]
        lines.append("")
    return "\n".join(lines).encode()
