"""Reading one roadmap file into a Roadmap, field by field, noting every problem with its field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from roadmaps.limits import (
    CHECK_FIELDS,
    MAX_CHECK_ID,
    MAX_DONE_WHEN,
    MAX_DONE_WHEN_ITEM,
    MAX_EFFORT_HOURS,
    MAX_ID_PAIR_BYTES,
    MAX_PRACTICE,
    MAX_RESOURCES,
    MAX_ROADMAP_ID_BYTES,
    MAX_STEPS,
    MAX_SUMMARY,
    MAX_TITLE,
    MAX_TOPIC,
    MAX_URL,
    MAX_WHY,
    MIN_DONE_WHEN,
    RESOURCE_FIELDS,
    ROADMAP_FIELDS,
    SIGNAL_NAMES,
    SLUG,
    STEP_FIELDS,
)
from roadmaps.model import Check, Effort, Level, Resource, Roadmap, Signals, Step
from roadmaps.problems import Problem


def read_roadmap_file(path: Path) -> tuple[Roadmap | None, list[Problem]]:
    """One file into a Roadmap, or None and the reasons why not."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(str(path), "(file)", f"cannot be read: {error}")]
    except yaml.YAMLError as error:
        return None, [Problem(str(path), "(file)", f"is not valid YAML: {_one_line(error)}")]
    reader = _Reader(str(path))
    roadmap = reader.roadmap(document)
    return (roadmap if not reader.problems else None), reader.problems


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


class _Reader:
    """Walks one parsed document, building objects and noting problems as it goes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, field, message))

    def roadmap(self, document: Any) -> Roadmap | None:
        if not isinstance(document, dict):
            self.problem("(file)", "must be a mapping with id, title, summary, signals and steps")
            return None
        self.unknown_fields(document, ROADMAP_FIELDS, "")
        roadmap_id = self.slug(document, "id", "id")
        if roadmap_id and len(roadmap_id) > MAX_ROADMAP_ID_BYTES:
            self.problem(
                "id", f"is {len(roadmap_id)} characters; at most {MAX_ROADMAP_ID_BYTES} fit in a Telegram button"
            )
            roadmap_id = None
        title = self.text(document, "title", "title", MAX_TITLE)
        summary = self.text(document, "summary", "summary", MAX_SUMMARY)
        signals = self.signals(document.get("signals"), "signals")
        steps = self.steps(document.get("steps"), roadmap_id)
        if None in (roadmap_id, title, summary, signals, steps):
            return None
        return Roadmap(roadmap_id, title, summary, signals, steps)  # type: ignore[arg-type]

    def steps(self, value: Any, roadmap_id: str | None) -> tuple[Step, ...] | None:
        if value is None:
            self.problem("steps", "is missing")
            return None
        if not isinstance(value, list) or not value:
            self.problem("steps", "must be a non-empty list of steps")
            return None
        if len(value) > MAX_STEPS:
            self.problem("steps", f"has {len(value)} steps; at most {MAX_STEPS}")
        steps = [self.step(item, f"steps[{number}]", roadmap_id) for number, item in enumerate(value)]
        self.check_unique_ids(value)
        if any(step is None for step in steps):
            return None
        return tuple(steps)  # type: ignore[arg-type]

    def step(self, value: Any, where: str, roadmap_id: str | None) -> Step | None:
        if not isinstance(value, dict):
            self.problem(where, "must be a mapping with id, title, summary and signals")
            return None
        if isinstance(value.get("id"), str):
            where = f"{where} ({value['id']})"
        self.unknown_fields(value, STEP_FIELDS, where)
        step_id = self.slug(value, "id", f"{where}.id")
        if step_id and roadmap_id and len(roadmap_id) + len(step_id) > MAX_ID_PAIR_BYTES:
            self.problem(
                f"{where}.id",
                f"roadmap id and step id together are {len(roadmap_id) + len(step_id)} "
                f"characters; at most {MAX_ID_PAIR_BYTES} fit in a Telegram button (64 bytes)",
            )
            step_id = None
        title = self.text(value, "title", f"{where}.title", MAX_TITLE)
        summary = self.text(value, "summary", f"{where}.summary", MAX_SUMMARY)
        signals = self.signals(value.get("signals"), f"{where}.signals")
        resources = self.resources(value.get("resources"), f"{where}.resources")
        section = self.optional_text(value, "section", f"{where}.section")
        formerly = self.formerly(value.get("formerly"), f"{where}.formerly")
        why = self.optional_text(value, "why", f"{where}.why", MAX_WHY)
        done_when = self.done_when(value.get("done_when"), f"{where}.done_when")
        practice = self.optional_text(value, "practice", f"{where}.practice", MAX_PRACTICE)
        effort_hours = self.effort_hours(value.get("effort_hours"), f"{where}.effort_hours")
        topic = self.topic(value, f"{where}.topic")
        if step_id is None or title is None or summary is None or signals is None:
            return None
        if resources is None or formerly is None or done_when is None:
            return None
        return Step(
            step_id, title, summary, signals, resources, section, formerly,
            why=why, done_when=done_when, practice=practice, effort_hours=effort_hours, topic=topic,
        )  # fmt: skip

    def check_unique_ids(self, items: list[Any]) -> None:
        """Current and former step ids must all differ, or progress would be ambiguous."""
        owner: dict[str, str] = {}
        for number, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            formerly = item.get("formerly")
            candidates = [("id", item.get("id"))]
            if isinstance(formerly, list):
                candidates += [(f"formerly[{n}]", old) for n, old in enumerate(formerly)]
            for field, step_id in candidates:
                if not isinstance(step_id, str):
                    continue
                where = f"steps[{number}].{field}"
                if step_id in owner:
                    self.problem(where, f"duplicate step id {step_id!r}, already used by {owner[step_id]}")
                else:
                    owner[step_id] = where

    def signals(self, value: Any, where: str) -> Signals | None:
        if value is None:
            self.problem(where, "is missing")
            return None
        if not isinstance(value, dict):
            self.problem(where, f"must be a mapping of {', '.join(SIGNAL_NAMES)}")
            return None
        self.unknown_fields(value, set(SIGNAL_NAMES), where)
        levels = [self.level(value.get(name), f"{where}.{name}") for name in SIGNAL_NAMES]
        if None in levels:
            return None
        return Signals(*levels)  # type: ignore[arg-type]

    def level(self, value: Any, where: str) -> Level | None:
        allowed = ", ".join(level.value for level in Level)
        if value is None:
            self.problem(where, f"is missing; one of {allowed}")
            return None
        try:
            return Level(value)
        except ValueError:
            self.problem(where, f"unknown level {value!r}; one of {allowed}")
            return None

    def resources(self, value: Any, where: str) -> tuple[Resource, ...] | None:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(where, "must be a list of {title, url}")
            return None
        if len(value) > MAX_RESOURCES:
            self.problem(where, f"has {len(value)} resources; at most {MAX_RESOURCES}")
            return None
        resources = [self.resource(item, f"{where}[{number}]") for number, item in enumerate(value)]
        if None in resources:
            return None
        return tuple(resources)  # type: ignore[arg-type]

    def resource(self, value: Any, where: str) -> Resource | None:
        if not isinstance(value, dict):
            self.problem(where, "must be a mapping with title and url")
            return None
        self.unknown_fields(value, RESOURCE_FIELDS, where)
        title = self.text(value, "title", f"{where}.title", MAX_TITLE)
        url = self.text(value, "url", f"{where}.url", MAX_URL)
        if url is not None and not re.match(r"^https?://[^\s/$.?#][^\s]*$", url):
            self.problem(f"{where}.url", f"{url!r} is not an http(s) URL")
            url = None
        if title is None or url is None:
            return None
        return Resource(title, url)

    def done_when(self, value: Any, where: str) -> tuple[Check, ...] | None:
        """Checkable outcomes, each with a stable id and a short line: the step is done when all of
        them hold; a learner ticks them one by one, and the ticks follow the id."""
        if value is None:
            return ()
        if not isinstance(value, list) or not MIN_DONE_WHEN <= len(value) <= MAX_DONE_WHEN:
            self.problem(where, f"must be a list of {MIN_DONE_WHEN} to {MAX_DONE_WHEN} checkable outcomes")
            return None
        checks = [self.check(item, f"{where}[{n}]") for n, item in enumerate(value)]
        if None in checks:
            return None
        owner: dict[str, str] = {}
        for number, check in enumerate(checks):
            assert check is not None
            for check_id in (*check.ids, f"key {check.key}"):
                if check_id in owner:
                    self.problem(
                        f"{where}[{number}].id",
                        f"{check_id!r} is also {owner[check_id]}'s; give each check its own id"
                        + (" (these two ids share a button key: rename one)" if check_id.startswith("key ") else ""),
                    )
                    return None
                owner[check_id] = f"{where}[{number}]"
        return tuple(checks)  # type: ignore[arg-type]

    def check(self, value: Any, where: str) -> Check | None:
        """One outcome: `{id: a-slug, text: ..., formerly: [old-id]}`."""
        if not isinstance(value, dict):
            self.problem(
                where, "must be a mapping with id and text (the id keeps ticks through translations and renames)"
            )
            return None
        self.unknown_fields(value, CHECK_FIELDS, where)
        check_id = self.slug(value, "id", f"{where}.id")
        if check_id is not None and len(check_id) > MAX_CHECK_ID:
            self.problem(f"{where}.id", f"is {len(check_id)} characters; at most {MAX_CHECK_ID}")
            check_id = None
        text = self.text(value, "text", f"{where}.text", MAX_DONE_WHEN_ITEM)
        formerly = self.formerly(value.get("formerly"), f"{where}.formerly")
        if check_id is None or text is None or formerly is None:
            return None
        return Check(check_id, text, formerly)

    def effort_hours(self, value: Any, where: str) -> Effort | None:
        """Hours as [low, high]; a value that is not two positive whole numbers is an error."""
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(hours, int) and not isinstance(hours, bool) for hours in value)
        ):
            self.problem(where, f"{value!r} is not [low, high], two whole numbers of hours")
            return None
        if not all(1 <= hours <= MAX_EFFORT_HOURS for hours in value):
            self.problem(where, f"{value!r}: hours must be between 1 and {MAX_EFFORT_HOURS}")
            return None
        return Effort(*value)

    def topic(self, mapping: dict[str, Any], where: str) -> str | None:
        """A shared topic's slug, the same in every roadmap that teaches it."""
        if mapping.get("topic") is None:
            return None
        value = self.text(mapping, "topic", where, MAX_TOPIC)
        if value is not None and not SLUG.match(value):
            self.problem(where, f"{value!r} is not a slug (a-z, 0-9, single hyphens)")
            return None
        return value

    def formerly(self, value: Any, where: str) -> tuple[str, ...] | None:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(where, "must be a list of former step ids")
            return None
        ids = []
        for number, old in enumerate(value):
            if not isinstance(old, str) or not SLUG.match(old):
                self.problem(f"{where}[{number}]", f"{old!r} is not a slug (a-z, 0-9, single hyphens)")
                return None
            ids.append(old)
        return tuple(ids)

    def slug(self, mapping: dict[str, Any], key: str, where: str) -> str | None:
        value = self.text(mapping, key, where, MAX_TITLE)
        if value is not None and not SLUG.match(value):
            self.problem(where, f"{value!r} is not a slug (a-z, 0-9, single hyphens)")
            return None
        return value

    def text(self, mapping: dict[str, Any], key: str, where: str, limit: int) -> str | None:
        return self.text_value(mapping.get(key), where, limit)

    def text_value(self, value: Any, where: str, limit: int) -> str | None:
        if value is None:
            self.problem(where, "is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "must be non-empty text")
            return None
        value = value.strip()
        if len(value) > limit:
            self.problem(where, f"is {len(value)} characters; at most {limit}")
            return None
        return value

    def optional_text(self, mapping: dict[str, Any], key: str, where: str, limit: int = MAX_TITLE) -> str | None:
        if mapping.get(key) is None:
            return None
        return self.text(mapping, key, where, limit)

    def unknown_fields(self, mapping: dict[str, Any], known: Iterable[str], where: str) -> None:
        known = set(known)
        for key in (key for key in mapping if key not in known):
            self.problem(f"{where}.{key}" if where else str(key), f"unknown field; known: {', '.join(sorted(known))}")
