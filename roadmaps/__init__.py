"""Roadmap content: YAML files in this folder and the model they load into."""

from roadmaps.loader import (
    BUILTIN_DIR,
    MAX_ID_PAIR_BYTES,
    Problem,
    RoadmapError,
    check_roadmaps,
    load_catalog,
)
from roadmaps.model import Catalog, Level, Resource, Roadmap, Signals, Step

__all__ = [
    "BUILTIN_DIR",
    "MAX_ID_PAIR_BYTES",
    "Catalog",
    "Level",
    "Problem",
    "Resource",
    "Roadmap",
    "RoadmapError",
    "Signals",
    "Step",
    "check_roadmaps",
    "load_catalog",
]
