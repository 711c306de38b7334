"""The catalog an operator serves: the built-in roadmaps (unless turned off) and the roadmaps of
their own folders, read and validated as one, with a version that names its content."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from roadmaps.branding import BRANDING_FILE, read_branding
from roadmaps.loader import BUILTIN_DIR, coverage_of, read_directory, warnings_of, yaml_files
from roadmaps.model import NO_BRANDING, Catalog, Roadmap
from roadmaps.problems import Inspection, Problem, RoadmapError

# Characters of the content hash a catalog's version shows: enough to tell versions apart at a glance.
VERSION_LENGTH = 12


def folders_to_serve(folders: Sequence[Path], builtin: bool = True) -> list[Path]:
    """The folders read, in order: the built-in one first (if served), then the operator's."""
    chosen = [BUILTIN_DIR] if builtin else []
    return chosen + [folder for folder in folders if folder.resolve() != BUILTIN_DIR]


def inspect_folders(folders: Sequence[Path], builtin: bool = True) -> Inspection:
    """Read every folder served: the catalog they make together, every error (a roadmap id that two
    folders give, the built-in one among them, is an error naming both files), the warnings, and each
    language's coverage. The catalog's version is a hash of every file read."""
    paths = folders_to_serve(folders, builtin)
    if not paths:
        nothing = Problem("ROADMAPS_DIR", "(setting)", "names no folder, and ROADMAPS_BUILTIN is false")
        return Inspection(Catalog(()), (nothing,), ())
    roadmaps: list[Roadmap] = []
    read: list[tuple[Catalog, set[str]]] = []  # each folder's catalog, and the ids it gives the whole
    errors: list[Problem] = []
    files: dict[str, str] = {}
    translations = []
    for folder in paths:
        catalog, problems, folder_files, folder_translations = read_directory(folder)
        errors += problems
        given: set[str] = set()
        for roadmap in catalog:
            if roadmap.id in files:
                errors.append(Problem(folder_files[roadmap.id], "id", clash(roadmap.id, files[roadmap.id])))
                continue
            files[roadmap.id] = folder_files[roadmap.id]
            roadmaps.append(roadmap)
            given.add(roadmap.id)
        translations += [t for t in folder_translations if t.roadmap_id in given]
        read.append((catalog, given))
    branding, branded_in = NO_BRANDING, None
    for folder in paths:
        found, problems = read_branding(folder)
        errors += problems
        if found is not None and branded_in is not None:
            errors.append(Problem(str(folder / BRANDING_FILE), "(file)", f"branding is already given by {branded_in}"))
        elif found is not None:
            branding, branded_in = found, folder / BRANDING_FILE
    languages = sorted({language for catalog, _ in read for language in catalog.translations})
    translated = {
        language: Catalog(
            tuple(r for catalog, given in read for r in catalog.in_language(language) if r.id in given),
            branding=branding,
        )
        for language in languages
    }
    whole = Catalog(tuple(roadmaps), translated, version=version_of(paths), branding=branding)
    return Inspection(whole, tuple(errors), tuple(warnings_of(whole, files)), coverage_of(whole, translations))


def clash(roadmap_id: str, first: str) -> str:
    """What an id given twice says: both files, and the way out when the first is built in."""
    if Path(first).resolve().parent == BUILTIN_DIR:
        return (
            f"roadmap id {roadmap_id!r} is a built-in roadmap's ({first}); give it another id, "
            "or set ROADMAPS_BUILTIN=false to serve your own roadmaps only"
        )
    return f"duplicate roadmap id {roadmap_id!r}, also in {first}"


def load_folders(folders: Sequence[Path], builtin: bool = True) -> Catalog:
    """The catalog of the folders served, or RoadmapError with every problem."""
    inspection = inspect_folders(folders, builtin)
    if inspection.errors:
        raise RoadmapError(list(inspection.errors))
    return inspection.catalog


def files_of(folder: Path) -> dict[str, str]:
    """The YAML files of a folder (roadmaps and translations), by name: what a publication stores."""
    return {path.name: path.read_text(encoding="utf-8") for path in yaml_files(folder)}


def inspect_files(files: Mapping[str, str], builtin: bool = True) -> Inspection:
    """Inspect a published folder's files (by name) as `inspect_folders` inspects a folder: the same
    files give the same catalog and the same version, wherever they were read."""
    with tempfile.TemporaryDirectory(prefix="roadmap-bot-published-") as directory:
        folder = Path(directory)
        for name, text in files.items():
            (folder / Path(name).name).write_text(text, encoding="utf-8")
        return inspect_folders([folder], builtin)


def version_of(folders: Sequence[Path]) -> str:
    """A hash of every YAML file of the folders (name and bytes): equal content, equal version."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in yaml_files(folder) if folder.is_dir() else []:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        digest.update(b"\1")
    return digest.hexdigest()[:VERSION_LENGTH]
