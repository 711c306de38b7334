"""The content model: frozen objects a loaded roadmap file becomes."""

from __future__ import annotations

import enum
import functools
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType


class Level(enum.Enum):
    """How strong a signal is, in the seed page's three words."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Signals:
    """The three signals every roadmap and step carries."""

    importance: Level
    market_demand: Level
    automation_risk: Level


@dataclass(frozen=True, slots=True)
class Resource:
    """A link worth reading for a step."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Check:
    """One "done when" outcome of a step, a learner can tick; its id is stable, `formerly` keeps
    old ids' ticks (as a step's does)."""

    id: str
    text: str
    formerly: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """Every id a tick of this check may be stored under, the current one first."""
        return (self.id, *self.formerly)

    @property
    def key(self) -> str:
        """Two base-36 characters that stand for the check's id in a button (whose 64 bytes the
        roadmap's and step's ids nearly fill); the loader keeps them distinct within a step."""
        return check_key(self.id)


@functools.lru_cache(maxsize=4096)  # a card asks for each check's key tap after tap
def check_key(check_id: str) -> str:
    """A check id's two-character key (see Check.key)."""
    value = int(hashlib.sha256(check_id.encode()).hexdigest()[:8], 16) % (36 * 36)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    return digits[value // 36] + digits[value % 36]


@dataclass(frozen=True, slots=True)
class Effort:
    """An honest estimate of the hours a step takes, from `low` to `high`."""

    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a roadmap; its id is stable, `formerly` keeps old ids' progress.

    `why`, `done_when`, `practice` and `effort_hours` make a step worth learning from; `topic`
    names a skill that several roadmaps teach, so progress on it can count once.
    """

    id: str
    title: str
    summary: str
    signals: Signals
    resources: tuple[Resource, ...] = ()
    section: str | None = None
    formerly: tuple[str, ...] = ()
    why: str | None = None
    done_when: tuple[Check, ...] = ()
    practice: str | None = None
    effort_hours: Effort | None = None
    topic: str | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        """Every id progress for this step may be stored under, the current one first."""
        return (self.id, *self.formerly)


@dataclass(frozen=True, slots=True)
class Roadmap:
    """A career path: an ordered list of steps."""

    id: str
    title: str
    summary: str
    signals: Signals
    steps: tuple[Step, ...]
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, int] = {}
        for position, step in enumerate(self.steps):
            for step_id in reversed(step.ids):
                index[step_id] = position
        object.__setattr__(self, "_index", MappingProxyType(index))

    @property
    def renamed(self) -> bool:
        """Whether a step of it has former ids (progress may be stored under them)."""
        return len(self._index) != len(self.steps)

    def step(self, step_id: str) -> Step | None:
        """The step with this id or a former id of it, if the roadmap still has one."""
        position = self._index.get(step_id)
        return None if position is None else self.steps[position]

    def number_of(self, step: Step) -> int:
        """The 1-based position of a step, as people count."""
        return self._index[step.id] + 1

    def neighbours(self, step: Step) -> tuple[Step | None, Step | None]:
        """The steps before and after this one."""
        position = self._index[step.id]
        before = self.steps[position - 1] if position > 0 else None
        after = self.steps[position + 1] if position + 1 < len(self.steps) else None
        return before, after


@dataclass(frozen=True, slots=True)
class Branding:
    """What the bot calls itself, says first and paints its card with; None: the default."""

    name: str | None = None
    welcome: str | None = None
    accent: str | None = None  # "#rrggbb"
    languages: Mapping[str, Branding] = field(default_factory=dict, compare=False)

    def in_language(self, language: str) -> Branding:
        """The branding in a language: its own texts where it gives them, else these."""
        given = self.languages.get(language)
        if given is None:
            return self
        return replace(self, name=given.name or self.name, welcome=given.welcome or self.welcome, languages={})

    @property
    def accent_rgb(self) -> tuple[int, int, int] | None:
        """The accent colour as red, green and blue, if one is given."""
        if self.accent is None:
            return None
        value = int(self.accent[1:], 16)
        return (value >> 16) & 255, (value >> 8) & 255, value & 255


NO_BRANDING = Branding()


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every roadmap the bot serves, in display order; `translations`: the same catalog in other
    languages, by language (its texts translated where a translation gives them, the rest English)."""

    roadmaps: tuple[Roadmap, ...]
    translations: Mapping[str, Catalog] = field(default_factory=dict, compare=False, repr=False)
    version: str = field(default="", compare=False)  # a hash of the files it was read from
    branding: Branding = field(default=NO_BRANDING, compare=False)  # the operator's, if they give one
    _by_id: Mapping[str, Roadmap] = field(init=False, repr=False, compare=False)
    _by_topic: Mapping[str, tuple[tuple[Roadmap, Step], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({roadmap.id: roadmap for roadmap in self.roadmaps}))
        by_topic: dict[str, list[tuple[Roadmap, Step]]] = {}
        for roadmap in self.roadmaps:
            for step in roadmap.steps:
                if step.topic is not None:
                    by_topic.setdefault(step.topic, []).append((roadmap, step))
        object.__setattr__(
            self, "_by_topic", MappingProxyType({topic: tuple(pairs) for topic, pairs in by_topic.items()})
        )

    def in_language(self, language: str) -> Catalog:
        """This catalog in a language: its translation if it has one, else itself (English)."""
        return self.translations.get(language, self)

    def get(self, roadmap_id: str) -> Roadmap | None:
        """The roadmap with this id, if there is one."""
        return self._by_id.get(roadmap_id)

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic some step names, in catalog order."""
        return tuple(self._by_topic)

    def teaching(self, topic: str) -> tuple[tuple[Roadmap, Step], ...]:
        """Every (roadmap, step) that teaches this topic, in catalog order; empty if none."""
        return self._by_topic.get(topic, ())

    def shares_topic(self, step: Step) -> bool:
        """Whether another step in the catalog teaches this step's topic."""
        return step.topic is not None and len(self.teaching(step.topic)) > 1

    def __iter__(self) -> Iterator[Roadmap]:
        return iter(self.roadmaps)

    def __len__(self) -> int:
        return len(self.roadmaps)
