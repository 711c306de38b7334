"""Roadmap content: YAML files in this folder and the model they load into."""

from roadmaps.limits import MAX_ID_PAIR_BYTES, MAX_RESOURCES, MAX_ROADMAP_ID_BYTES
from roadmaps.loader import BUILTIN_DIR, check_roadmaps, inspect_roadmaps, load_catalog, warnings_of
from roadmaps.model import Catalog, Check, Effort, Level, Resource, Roadmap, Signals, Step
from roadmaps.problems import Inspection, Problem, RoadmapError, Severity

__all__ = [
    "BUILTIN_DIR",
    "MAX_ID_PAIR_BYTES",
    "MAX_RESOURCES",
    "MAX_ROADMAP_ID_BYTES",
    "Catalog",
    "Check",
    "Effort",
    "Inspection",
    "Level",
    "Problem",
    "Resource",
    "Roadmap",
    "RoadmapError",
    "Severity",
    "Signals",
    "Step",
    "check_roadmaps",
    "inspect_roadmaps",
    "load_catalog",
    "warnings_of",
]
