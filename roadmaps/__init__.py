"""Roadmap content: YAML files in this folder and the model they load into."""

from roadmaps.folders import files_of, folders_to_serve, inspect_files, inspect_folders, load_folders
from roadmaps.limits import MAX_ID_PAIR_BYTES, MAX_RESOURCES, MAX_ROADMAP_ID_BYTES
from roadmaps.live import LiveCatalog, live
from roadmaps.loader import BUILTIN_DIR, check_roadmaps, inspect_roadmaps, load_catalog, warnings_of
from roadmaps.model import NO_BRANDING, Branding, Catalog, Check, Effort, Level, Resource, Roadmap, Signals, Step
from roadmaps.problems import Inspection, Problem, RoadmapError, Severity

__all__ = [
    "BUILTIN_DIR",
    "MAX_ID_PAIR_BYTES",
    "MAX_RESOURCES",
    "MAX_ROADMAP_ID_BYTES",
    "NO_BRANDING",
    "Branding",
    "Catalog",
    "Check",
    "Effort",
    "Inspection",
    "Level",
    "LiveCatalog",
    "Problem",
    "Resource",
    "Roadmap",
    "RoadmapError",
    "Severity",
    "Signals",
    "Step",
    "check_roadmaps",
    "files_of",
    "folders_to_serve",
    "inspect_files",
    "inspect_folders",
    "inspect_roadmaps",
    "live",
    "load_catalog",
    "load_folders",
    "warnings_of",
]
