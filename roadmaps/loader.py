"""Reading a directory of roadmap YAML files into a Catalog, with errors that name the file and the
field, and warnings on what loaded."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from roadmaps.branding import BRANDING_FILE
from roadmaps.limits import MIN_RESOURCES
from roadmaps.model import Catalog, Roadmap
from roadmaps.problems import Inspection, Problem, RoadmapError, Severity
from roadmaps.reader import read_roadmap_file
from roadmaps.translations import (
    Translation,
    read_translation,
    text_fields,
    translated,
    translated_fields,
    translation_name,
)

BUILTIN_DIR = Path(__file__).resolve().parent


def yaml_files(directory: Path) -> list[Path]:
    """The YAML files of a directory, in a stable order."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def roadmap_files(directory: Path) -> list[Path]:
    """The roadmap files of a directory (its translations left out), in a stable order."""
    return [path for path in yaml_files(directory) if translation_name(path) is None and path.name != BRANDING_FILE]


def check_roadmaps(directory: Path) -> list[Problem]:
    """Every error in a directory of roadmap files; empty when all of them load."""
    return read_directory(directory)[1]


def inspect_roadmaps(directory: Path = BUILTIN_DIR) -> Inspection:
    """Read a directory once: the roadmaps that load, every error, the warnings on what loaded, and
    how much of it each language's translations cover."""
    catalog, errors, files, translations = read_directory(directory)
    return Inspection(catalog, tuple(errors), tuple(warnings_of(catalog, files)), coverage_of(catalog, translations))


def load_catalog(directory: Path = BUILTIN_DIR) -> Catalog:
    """Load and validate every roadmap in a directory, or raise RoadmapError; warnings never stop it."""
    catalog, problems, _, _ = read_directory(directory)
    if problems:
        raise RoadmapError(problems)
    return catalog


def warnings_of(catalog: Catalog, files: Mapping[str, str] | None = None) -> list[Problem]:
    """What is valid but worth fixing: thin or repeated resources, lonely topics, efforts that are no range.

    `files` maps a roadmap id to the file it came from, for the warnings to name; the id stands in otherwise.
    """
    warnings: list[Problem] = []
    for roadmap in catalog:
        file = (files or {}).get(roadmap.id, roadmap.id)

        def warn(field: str, message: str, file: str = file) -> None:
            warnings.append(Problem(file, field, message, Severity.WARNING))

        first_use: dict[str, str] = {}
        for number, step in enumerate(roadmap.steps):
            where = f"steps[{number}] ({step.id})"
            if len(step.resources) < MIN_RESOURCES:
                warn(
                    f"{where}.resources",
                    f"has {len(step.resources)} resource(s); give at least {MIN_RESOURCES}, "
                    "so one dead link leaves another",
                )
            for position, resource in enumerate(step.resources):
                here = f"{where}.resources[{position}]"
                key = resource.url.rstrip("/")
                if key in first_use:
                    warn(f"{here}.url", f"{resource.url} is already used by {first_use[key]} in this roadmap")
                else:
                    first_use[key] = here
            effort = step.effort_hours
            if effort is not None and effort.low >= effort.high:
                warn(
                    f"{where}.effort_hours",
                    f"[{effort.low}, {effort.high}] is not a range; write [low, high] with low below high",
                )
            if step.topic is not None and not catalog.shares_topic(step):
                warn(
                    f"{where}.topic",
                    f"no other step in the catalog has topic {step.topic!r}; "
                    "a topic is for a skill several steps share",
                )
    return warnings


Read = tuple[Catalog, list[Problem], dict[str, str], list[Translation]]


def read_directory(directory: Path) -> Read:
    """Parse every file; collect roadmaps, problems, each roadmap's file and the translations side by side."""
    if not directory.is_dir():
        return Catalog(()), [Problem(str(directory), "(directory)", "no such directory")], {}, []
    files = roadmap_files(directory)
    if not files:
        return Catalog(()), [Problem(str(directory), "(directory)", "no .yaml roadmap files")], {}, []
    roadmaps: list[Roadmap] = []
    problems: list[Problem] = []
    first_file_of: dict[str, Path] = {}
    for path in files:
        roadmap, file_problems = read_roadmap_file(path)
        problems.extend(file_problems)
        if roadmap is None:
            continue
        if roadmap.id in first_file_of:
            problems.append(
                Problem(
                    str(path),
                    "id",
                    f"duplicate roadmap id {roadmap.id!r}, also in {first_file_of[roadmap.id]}",
                )
            )
            continue
        first_file_of[roadmap.id] = path
        roadmaps.append(roadmap)
    roadmaps.sort(key=lambda roadmap: roadmap.id)
    translations, translation_problems = _read_translations(directory, first_file_of, roadmaps)
    catalog = Catalog(tuple(roadmaps), _translated_catalogs(roadmaps, translations))
    files = {key: str(path) for key, path in first_file_of.items()}
    return catalog, problems + translation_problems, files, translations


def _read_translations(
    directory: Path, first_file_of: Mapping[str, Path], roadmaps: list[Roadmap]
) -> tuple[list[Translation], list[Problem]]:
    """Every translation file of the directory, read against the roadmap it names by its file's stem."""
    by_stem = {path.stem: roadmap for roadmap in roadmaps for path in [first_file_of[roadmap.id]]}
    translations, problems = [], []
    for path in yaml_files(directory):
        named = translation_name(path)
        if named is None:
            continue
        roadmap = by_stem.get(named[0])
        if roadmap is None:
            problems.append(Problem(str(path), "(file)", f"translates {named[0]}.yaml, which is not a roadmap here"))
            continue
        translation, file_problems = read_translation(path, roadmap)
        problems += file_problems
        if translation is not None:
            translations.append(translation)
    return translations, problems


def _translated_catalogs(roadmaps: list[Roadmap], translations: list[Translation]) -> dict[str, Catalog]:
    """The catalog in each language some translation gives: its roadmaps translated where they can be."""
    by_language: dict[str, dict[str, Translation]] = {}
    for translation in translations:
        by_language.setdefault(translation.language, {})[translation.roadmap_id] = translation
    return {
        language: Catalog(tuple(translated(r, found[r.id]) if r.id in found else r for r in roadmaps))
        for language, found in sorted(by_language.items())
    }


def coverage_of(catalog: Catalog, translations: list[Translation]) -> dict[str, tuple[int, int]]:
    """By language: how many of the catalog's texts its translations give, of how many there are."""
    total = sum(text_fields(roadmap) for roadmap in catalog)
    given: dict[str, int] = {}
    for translation in translations:
        roadmap = catalog.get(translation.roadmap_id)
        assert roadmap is not None, "a translation read is of a roadmap that loaded"
        given[translation.language] = given.get(translation.language, 0) + translated_fields(roadmap, translation)
    return {language: (count, total) for language, count in sorted(given.items())}
