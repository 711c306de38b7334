"""What is wrong with roadmap files: errors that stop them loading, warnings that do not."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from roadmaps.model import Catalog


class Severity(enum.Enum):
    """An error stops a roadmap from loading; a warning is worth fixing but never does."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a roadmap file."""

    file: str
    field: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_warning(self) -> bool:
        """True when the problem does not stop the roadmap from loading."""
        return self.severity is Severity.WARNING

    def __str__(self) -> str:
        label = "warning: " if self.is_warning else ""
        return f"{self.file}: {self.field}: {label}{self.message}"


@dataclass(frozen=True, slots=True)
class Inspection:
    """What reading a directory found: the roadmaps that loaded, the errors, the warnings."""

    catalog: Catalog
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    # By language: how many of the catalog's texts its translations give, of how many there are.
    coverage: Mapping[str, tuple[int, int]] = field(default_factory=dict)


class RoadmapError(Exception):
    """Raised when roadmap files do not validate; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems
