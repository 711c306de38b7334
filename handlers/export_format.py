"""The export file's format, and a file read back: bytes in, a plan to put back or the reason why
not (an `ImportProblem`, which the chat's views put in words). Pure functions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handlers.note_views import MAX_NOTE
from progress import Mark, Note, SavedRoadmap, StepState, storable_text
from roadmaps import Catalog, Roadmap, Step
from roadmaps.limits import MAX_DONE_WHEN

FORMAT = "roadmap-bot/progress"
VERSION = 1
MAX_IMPORT_BYTES = 1_000_000
# What an export file can hold at most; anything beyond is refused, with its reason, before use.
MAX_IMPORT_ROADMAPS = 100
MAX_IMPORT_STEPS = 500
MAX_IMPORT_DEPTH = 6  # document, roadmaps, a roadmap, its steps, a step: 5
MAX_NUMBER_DIGITS = 20
MAX_ID = 64
MAX_TIME_TEXT = 40
MAX_SHOWN = 40  # characters of a value quoted back
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# A time in a file may be this far ahead of ours (the exporting bot's clock); no further.
CLOCK_SKEW = dt.timedelta(minutes=10)

# When each roadmap was started (None: notes only, never started) and last opened, by roadmap id.
Started = Mapping[str, tuple[dt.datetime | None, dt.datetime]]


class ImportProblem(ValueError):
    """A file that cannot be imported: why (`reason`, a key of the words the chat's views have for
    it) and the values those words name (`details`)."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason, details)
        self.reason, self.details = reason, details


@dataclass(slots=True)
class ImportPlan:
    """What an export file puts back, and what of it this bot no longer knows."""

    roadmaps: list[SavedRoadmap]
    unknown_roadmaps: list[str]
    unknown_steps: int


def read_export(data: bytes, catalog: Catalog, now: dt.datetime) -> ImportPlan:
    """The plan an export file makes, or ImportProblem saying what is wrong with it: each roadmap at
    most once, every time in it between EARLIEST and now (give or take CLOCK_SKEW)."""
    document = _parsed(data)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportProblem("not_an_export")
    if document.get("version") != VERSION:
        raise ImportProblem("version", found=_shown(document.get("version")), wanted=VERSION)
    roadmaps = document.get("roadmaps")
    if not isinstance(roadmaps, list):
        raise ImportProblem("no_roadmaps")
    if len(roadmaps) > MAX_IMPORT_ROADMAPS:
        raise ImportProblem("too_many_roadmaps", count=len(roadmaps), limit=MAX_IMPORT_ROADMAPS)
    plan, seen = ImportPlan([], [], 0), set()
    for number, entry in enumerate(roadmaps):
        where = f"roadmaps[{number}]"
        if not isinstance(entry, dict) or not _is_id(entry.get("id")):
            raise ImportProblem("not_a_roadmap", where=where)
        if entry["id"] in seen:
            raise ImportProblem("repeated_roadmap", where=where, roadmap=_shown(entry["id"]))
        seen.add(entry["id"])
        roadmap = catalog.get(entry["id"])
        if roadmap is None:
            title = entry.get("title")
            plan.unknown_roadmaps.append(title if isinstance(title, str) and title.strip() else entry["id"])
            continue
        plan.roadmaps.append(_saved_roadmap(roadmap, entry, where, plan, now + CLOCK_SKEW))
    return plan


def _parsed(data: bytes) -> Any:
    """The JSON of a file within the limits an export keeps: size, nesting, numbers."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportProblem("too_big", size=len(data), limit=MAX_IMPORT_BYTES)
    try:
        document = json.loads(data.decode("utf-8"), parse_int=_small_int, parse_float=_small_float, parse_constant=_no)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportProblem("not_json", error=_shown(str(error))) from error
    except RecursionError as error:
        raise ImportProblem("too_deep", limit=MAX_IMPORT_DEPTH) from error
    if _depth(document) > MAX_IMPORT_DEPTH:
        raise ImportProblem("too_deep", limit=MAX_IMPORT_DEPTH)
    return document


def _small_int(text: str) -> int:
    if len(text) > MAX_NUMBER_DIGITS:
        raise ImportProblem("long_number", digits=len(text), limit=MAX_NUMBER_DIGITS)
    return int(text)


def _small_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS:
        raise ImportProblem("long_number", digits=len(text), limit=MAX_NUMBER_DIGITS)
    return float(text)


def _no(text: str) -> None:
    raise ImportProblem("not_a_number", text=text)


def _depth(document: Any) -> int:
    """How deeply lists and objects nest in a parsed document (without recursion)."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _saved_roadmap(
    roadmap: Roadmap, entry: dict[str, Any], where: str, plan: ImportPlan, latest: dt.datetime
) -> SavedRoadmap:
    """One roadmap of an export file, its steps resolved to the current ids (former ids too)."""
    steps = entry.get("steps")
    if not isinstance(steps, list) or len(steps) > MAX_IMPORT_STEPS:
        raise ImportProblem("bad_steps", where=where, limit=MAX_IMPORT_STEPS)
    marks: dict[str, Mark] = {}
    notes: dict[str, Note] = {}
    ticks: dict[str, frozenset[str]] = {}
    for number, item in enumerate(steps):
        at = f"{where}.steps[{number}]"
        if not isinstance(item, dict) or not _is_id(item.get("id")):
            raise ImportProblem("not_a_step", where=at)
        step = roadmap.step(item["id"])
        if step is None:
            plan.unknown_steps += 1
            continue
        try:
            state = StepState(item.get("state", "todo"))
        except (TypeError, ValueError) as error:
            raise ImportProblem("bad_state", where=at, state=_shown(item.get("state"))) from error
        if state is not StepState.TODO:
            marks[step.id] = Mark(state, _moment(item.get("changed_at"), f"{at}.changed_at", latest))
        if "checks" in item:
            ticks[step.id] = _ticked(step, item["checks"], at)
        if "note" in item:
            notes[step.id] = Note(
                _note(item["note"], at), _moment(item.get("note_changed_at"), f"{at}.note_changed_at", latest)
            )
    # A roadmap with notes only was never started: its start is null.
    started = None if entry.get("started_at") is None else _moment(entry["started_at"], f"{where}.started_at", latest)
    used = _moment(entry.get("last_used_at", entry.get("started_at")), f"{where}.last_used_at", latest)
    return SavedRoadmap(roadmap.id, started, used, marks, notes, ticks)


def _ticked(step: Step, value: Any, at: str) -> frozenset[str]:
    """The step's checks a file says were ticked, by their current ids (former ids too; ids the
    step no longer has are left out)."""
    if not isinstance(value, list) or len(value) > MAX_DONE_WHEN or not all(_is_id(item) for item in value):
        raise ImportProblem("bad_checks", where=at)
    return frozenset(check.id for check in step.done_when if not set(check.ids).isdisjoint(value))


def _note(value: Any, at: str) -> str:
    """A note of the file, as it will be kept."""
    text = storable_text(value).strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_NOTE:
        raise ImportProblem("bad_note", where=at, limit=MAX_NOTE)
    return text


def _moment(value: Any, where: str, latest: dt.datetime) -> dt.datetime:
    """An ISO-8601 time of the file, as UTC, from EARLIEST to `latest` (now, give or take a clock's skew)."""
    try:
        if not isinstance(value, str) or len(value) > MAX_TIME_TEXT:
            raise ValueError("not a time")
        moment = dt.datetime.fromisoformat(value)
        moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    except (TypeError, ValueError, OverflowError) as error:
        raise ImportProblem("bad_time", where=where, value=_shown(value)) from error
    if moment < EARLIEST:
        raise ImportProblem("time_too_early", where=where, value=_shown(value), earliest=EARLIEST.year)
    if moment > latest:
        raise ImportProblem("time_in_future", where=where, value=_shown(value))
    return moment


def _is_id(value: Any) -> bool:
    """Whether a value could be a roadmap's or a step's id."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID


def _shown(value: Any) -> str:
    """A value of the file, quoted in an answer: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
