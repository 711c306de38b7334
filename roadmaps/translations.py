"""A roadmap's texts in another language: a file beside the roadmap's, named after it and the
language (`backend-engineer-ai-era.ru.yaml` for `backend-engineer-ai-era.yaml`), that gives any of
the roadmap's text fields, and its steps' by step id. What it leaves out stays in English, field
by field; ids, signals, links, efforts and topics are the roadmap's own and are never translated.

    id: backend-engineer-ai-era        # the roadmap it translates
    title: Backend-инженер (эпоха ИИ)
    summary: ...
    steps:
      typed-language-and-git:          # a step id of the roadmap
        title: ...
        summary: ...
        why: ...
        done_when:                     # by check id, any of the step's checks
          explain-language: ...
        practice: ...
        section: ...
        resources: [..., ...]          # the links' titles, as many as it has
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from roadmaps.limits import MAX_DONE_WHEN_ITEM, MAX_PRACTICE, MAX_SUMMARY, MAX_TITLE, MAX_WHY
from roadmaps.model import Resource, Roadmap, Step
from roadmaps.problems import Problem

# `<roadmap file's stem>.<language>.yaml`: `ru`, `es`, `pt_BR`, `fa`...
TRANSLATION_NAME = re.compile(r"^(?P<stem>.+)\.(?P<language>[a-z]{2,3}(?:_[A-Z]{2})?)$")
ROADMAP_TEXTS = {"id": None, "title": MAX_TITLE, "summary": MAX_SUMMARY, "steps": None}
STEP_TEXTS = {
    "title": MAX_TITLE,
    "summary": MAX_SUMMARY,
    "section": MAX_TITLE,
    "why": MAX_WHY,
    "practice": MAX_PRACTICE,
    "done_when": MAX_DONE_WHEN_ITEM,
    "resources": MAX_TITLE,
}
LISTS = ("done_when", "resources")


@dataclass(frozen=True, slots=True)
class Translation:
    """One roadmap's texts in one language, as its file gives them (by step id for its steps)."""

    language: str
    roadmap_id: str
    texts: Mapping[str, Any]
    steps: Mapping[str, Mapping[str, Any]]


def translation_name(path: Path) -> tuple[str, str] | None:
    """The roadmap file stem and the language a translation file's name says; None for a roadmap file."""
    match = TRANSLATION_NAME.fullmatch(path.stem)
    return (match["stem"], match["language"]) if match else None


def read_translation(path: Path, roadmap: Roadmap) -> tuple[Translation | None, list[Problem]]:
    """A translation file of `roadmap`, or None and every problem with its field."""
    named = translation_name(path)
    assert named is not None, "a translation file's name says its language"
    file, problems = str(path), []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return None, [Problem(file, "(file)", f"cannot be read as YAML: {' '.join(str(error).split())}")]
    if not isinstance(document, dict):
        return None, [Problem(file, "(file)", "must be a mapping with the roadmap's id and its texts")]
    if document.get("id") != roadmap.id:
        problems.append(Problem(file, "id", f"must be {roadmap.id!r}, the id of the roadmap it translates"))
    problems += _check_texts(file, "", document, ROADMAP_TEXTS)
    steps = document.get("steps") or {}
    if not isinstance(steps, dict):
        return None, [*problems, Problem(file, "steps", "must map step ids to their texts")]
    for step_id, texts in steps.items():
        step = roadmap.step(str(step_id))
        if step is None or step.id != step_id:
            problems.append(Problem(file, f"steps.{step_id}", f"{roadmap.id} has no step {step_id!r}"))
        elif not isinstance(texts, dict):
            problems.append(Problem(file, f"steps.{step_id}", "must be a mapping of the step's texts"))
        else:
            problems += _check_texts(file, f"steps.{step_id}.", texts, STEP_TEXTS)
            problems += _check_lists(file, f"steps.{step_id}.", texts, step)
    if problems:
        return None, problems
    texts = {key: value for key, value in document.items() if key not in ("id", "steps")}
    return Translation(named[1], roadmap.id, MappingProxyType(texts), MappingProxyType(steps)), []


def _check_texts(file: str, where: str, texts: dict[str, Any], known: Mapping[str, int | None]) -> list[Problem]:
    """Every field known and a text within its limit (a list: texts within it)."""
    problems = []
    for key, value in texts.items():
        if key not in known:
            problems.append(
                Problem(file, f"{where}{key}", f"is not a field a translation can give ({', '.join(known)})")
            )
            continue
        limit = known[key]
        if limit is None:
            continue
        values = value if key in LISTS and isinstance(value, list) else [value]
        if key == "done_when" and isinstance(value, dict):
            values = list(value.values())
        if not all(isinstance(text, str) and text.strip() and len(text) <= limit for text in values):
            problems.append(Problem(file, f"{where}{key}", f"must be text of 1 to {limit} characters"))
    return problems


def _check_lists(file: str, where: str, texts: dict[str, Any], step: Step) -> list[Problem]:
    """Checks by the step's check ids; links' titles a list as long as the step's own."""
    problems = []
    if "done_when" in texts:
        checks = texts["done_when"]
        ids = [check.id for check in step.done_when]
        if not isinstance(checks, dict):
            problems.append(
                Problem(file, f"{where}done_when", f"must map the step's check ids ({', '.join(ids)}) to texts")
            )
        else:
            problems += [
                Problem(file, f"{where}done_when.{check_id}", f"the step has no check {check_id!r} ({', '.join(ids)})")
                for check_id in checks
                if check_id not in ids
            ]
    if "resources" in texts and (
        not isinstance(texts["resources"], list) or len(texts["resources"]) != len(step.resources)
    ):
        problems.append(Problem(file, f"{where}resources", f"must be a list of {len(step.resources)}, as the step has"))
    return problems


def translated(roadmap: Roadmap, translation: Translation) -> Roadmap:
    """The roadmap with the translation's texts, English where the translation gives none."""
    steps = tuple(_translated_step(step, translation.steps.get(step.id, {})) for step in roadmap.steps)
    texts = {key: translation.texts[key] for key in ("title", "summary") if key in translation.texts}
    return replace(roadmap, steps=steps, **texts)


def _translated_step(step: Step, texts: Mapping[str, Any]) -> Step:
    """One step with its texts in the translation, field by field."""
    changes: dict[str, Any] = {
        key: texts[key] for key in ("title", "summary", "section", "why", "practice") if key in texts
    }
    if "done_when" in texts:
        changes["done_when"] = tuple(
            replace(check, text=texts["done_when"].get(check.id, check.text)) for check in step.done_when
        )
    if "resources" in texts:
        changes["resources"] = tuple(
            Resource(title, resource.url) for title, resource in zip(texts["resources"], step.resources, strict=True)
        )
    return replace(step, **changes) if changes else step


def text_fields(roadmap: Roadmap) -> int:
    """How many texts a roadmap has that a translation could give (each check and link title one)."""
    fields = 2
    for step in roadmap.steps:
        fields += 2 + sum(field is not None for field in (step.section, step.why, step.practice))
        fields += len(step.done_when) + len(step.resources)
    return fields


def translated_fields(roadmap: Roadmap, translation: Translation) -> int:
    """How many of the roadmap's texts the translation gives."""
    given = sum(key in translation.texts for key in ("title", "summary"))
    for step in roadmap.steps:
        texts = translation.steps.get(step.id, {})
        given += sum(key in texts for key in ("title", "summary", "section", "why", "practice"))
        given += len(texts.get("done_when", {})) + len(texts.get("resources", ()))
    return given
