"""The callback-data codec: what a button asks for (an action of `handlers/actions.py`), in at
most 64 bytes, and back.

Every action has one spelling: a few letters naming it, then its fields, joined by colons
(`d:backend-engineer-ai-era:observability` marks a step done). Each field has one canonical
form (no leading zeros, lower case), so anything that decodes encodes back to exactly itself;
anything else, forged or mangled or from an older version, decodes to None.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.actions import (
    Action,
    AskLocation,
    AskReset,
    Cancel,
    CancelAnnouncement,
    ChooseAudience,
    ChooseLanguage,
    ChooseSchedule,
    ConfirmAnnouncement,
    ConfirmImport,
    CountAllShared,
    CountSharedTopic,
    DoneAndNext,
    FollowAppLanguage,
    ForgetChat,
    Noop,
    PauseReminders,
    RemoveNote,
    ResetRoadmap,
    ResumeAnnouncements,
    ResumeReminders,
    SendCard,
    SetNamedZone,
    SetReminderHour,
    SetStepState,
    SetUtcOffset,
    SetZone,
    ShowCatalog,
    ShowLegend,
    ShowNextStep,
    ShowReminder,
    ShowRoadmap,
    ShowSnoozeChoices,
    ShowStep,
    ShowStepMore,
    ShowTimezones,
    SnoozeReminder,
    StopAnnouncements,
    ToggleCheck,
    ToggleDigest,
    ToggleReminderDay,
    UndoMark,
)
from progress import StepState

MAX_CALLBACK_BYTES = 64
UTC_OFFSETS = range(-12, 15)
NAMED_ZONES = 8  # how many named zones the time-zone screen may offer (see reminder_views)


@dataclass(frozen=True, slots=True)
class Kind:
    """How one field is written: the pattern of its one spelling, and the way to and from it."""

    pattern: re.Pattern[str]
    read: Callable[[str], Any]
    write: Callable[[Any], str] = str

    def parse(self, token: str) -> Any:
        """The field's value, or None when the token is not its spelling."""
        return self.read(token) if self.pattern.fullmatch(token) else None


def number(low: int, high: int) -> Kind:
    """A whole number from `low` to `high`, in decimal without leading zeros."""
    return Kind(re.compile(r"0|-?[1-9][0-9]{0,3}"), lambda token: int(token) if low <= int(token) <= high else None)


def base36(value: int) -> str:
    """A positive whole number in base 36, without leading zeros."""
    digits = ""
    while value:
        value, digit = divmod(value, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits or "0"


SLUG = Kind(re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*"), str)
MOMENT = Kind(re.compile(r"[1-9a-z][0-9a-z]{0,7}"), lambda token: int(token, 36), base36)
FINGERPRINT = Kind(re.compile(r"[0-9a-f]{8}"), str)
CHECK_KEY = Kind(re.compile(r"[0-9a-z]{2}"), str)


@functools.cache
def _zones() -> frozenset[str]:
    """Every zone tzdata has (read once: it walks tzdata's files)."""
    return frozenset(zoneinfo.available_timezones())


def known_zone(name: str) -> str | None:
    """The name when tzdata has a zone of that name, else None."""
    return name if name in _zones() else None


# An IANA zone's name, as tzdata spells it (`America/Argentina/Buenos_Aires`); no other.
ZONE = Kind(re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}"), known_zone)


@dataclass(frozen=True, slots=True)
class Format:
    """One action's spelling: its words, its fields in order (the last maybe left out when it is
    None), and values fixed by the words (the state of a mark, the choice of a snooze)."""

    words: tuple[str, ...]
    action: type
    fields: tuple[tuple[str, Kind], ...] = ()
    fixed: Mapping[str, Any] = field(default_factory=dict)
    last_optional: bool = False

    def encodes(self, action: object) -> bool:
        """Whether this is the spelling of an action."""
        return type(action) is self.action and all(getattr(action, name) == value for name, value in self.fixed.items())

    def decode(self, tokens: list[str]) -> object | None:
        """The action these tokens spell, or None."""
        if tuple(tokens[: len(self.words)]) != self.words:
            return None
        rest = tokens[len(self.words) :]
        if not (len(rest) == len(self.fields) or (self.last_optional and len(rest) == len(self.fields) - 1)):
            return None
        values = {name: kind.parse(token) for (name, kind), token in zip(self.fields, rest, strict=False)}
        if any(value is None for value in values.values()):
            return None
        return self.action(**values, **self.fixed)

    def encode(self, action: object) -> str:
        """The spelling of an action this format encodes."""
        tokens = list(self.words)
        for name, kind in self.fields:
            value = getattr(action, name)
            if value is not None:
                tokens.append(kind.write(value))
        return ":".join(tokens)


STEP = (("roadmap_id", SLUG), ("step_id", SLUG))
QUESTION = (("asked", MOMENT), ("about", FINGERPRINT))
MARK_WORDS = {StepState.DONE: "d", StepState.SKIPPED: "k", StepState.TODO: "u", StepState.WORKING: "w"}
AUDIENCE_WORDS = (
    ("everyone", "e", ()),
    ("active", "t", ()),
    ("roadmap", "r", (("roadmap_id", SLUG),)),
    ("language", "l", (("index", number(0, 9)),)),
)
SNOOZE_WORDS = {"tomorrow": (), "hour": ("h",), "evening": ("e",), "week": ("w",)}

FORMATS: tuple[Format, ...] = (
    Format(("c",), ShowCatalog),
    Format(("x",), Noop),
    Format(("l",), ShowLegend),
    Format(("r",), ShowRoadmap, (("roadmap_id", SLUG), ("page", number(0, 999))), last_optional=True),
    Format(("n",), ShowNextStep, (("roadmap_id", SLUG),)),
    Format(("s",), ShowStep, STEP),
    *(Format((word,), SetStepState, STEP, {"state": state}) for state, word in MARK_WORDS.items()),
    Format(("a",), DoneAndNext, STEP, {"state": StepState.DONE}),
    Format(("ud",), UndoMark, STEP),
    Format(("h",), DoneAndNext, STEP, {"state": StepState.SKIPPED}),
    Format(("p",), ToggleCheck, (*STEP, ("key", CHECK_KEY))),
    Format(("o",), ShowStepMore, STEP),
    Format(("t",), CountSharedTopic, STEP),
    Format(("ta",), CountAllShared, (("roadmap_id", SLUG),)),
    Format(("e",), RemoveNote, STEP),
    Format(("g",), SendCard, (("roadmap_id", SLUG),)),
    Format(("m", "v"), ShowReminder),
    Format(("m", "d"), ToggleReminderDay, (("weekday", number(0, 6)),)),
    Format(("m", "h"), SetReminderHour, (("hour", number(0, 23)),)),
    Format(("m", "z"), ShowTimezones),
    Format(("m", "o"), SetUtcOffset, (("hours", number(UTC_OFFSETS.start, UTC_OFFSETS.stop - 1)),)),
    Format(("m", "n"), SetNamedZone, (("index", number(0, NAMED_ZONES - 1)),)),
    Format(("m", "y"), SetZone, (("zone", ZONE),)),
    Format(("m", "f"), ChooseSchedule, (("weekday", number(0, 6)), ("hour", number(0, 23)))),
    Format(("m", "g"), AskLocation),
    Format(("m", "p"), PauseReminders),
    Format(("m", "r"), ResumeReminders),
    Format(("m", "l"), ShowSnoozeChoices),
    *(Format(("m", "t", *words), SnoozeReminder, (), {"choice": choice}) for choice, words in SNOOZE_WORDS.items()),
    Format(("j",), ChooseLanguage, (("index", number(0, 9)),)),
    Format(("j", "a"), FollowAppLanguage),
    Format(("b",), ToggleDigest),
    Format(("q",), AskReset, (("roadmap_id", SLUG),)),
    Format(("y",), ResetRoadmap, (("roadmap_id", SLUG), *QUESTION)),
    Format(("f",), ForgetChat, QUESTION),
    Format(("i",), ConfirmImport, QUESTION),
    Format(("z",), Cancel, (("about", FINGERPRINT),), last_optional=True),
    Format(("v", "o"), StopAnnouncements),
    Format(("v", "n"), ResumeAnnouncements),
    *(
        Format(("v", "a", word), ChooseAudience, (("announcement_id", MOMENT), *more), {"kind": kind})
        for kind, word, more in AUDIENCE_WORDS
    ),
    Format(("v", "c"), ConfirmAnnouncement, (("announcement_id", MOMENT),)),
    Format(("v", "x"), CancelAnnouncement, (("announcement_id", MOMENT),)),
)


@functools.lru_cache(maxsize=4096)  # a card's buttons are spelled on every tap, the same each time
def encode(action: Action) -> str:
    """The callback data for an action; raises ValueError if it would not fit in 64 bytes."""
    spelling = next((f for f in FORMATS if f.encodes(action)), None)
    if spelling is None:
        raise ValueError(f"no spelling for {action!r}")
    data = spelling.encode(action)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} is over {MAX_CALLBACK_BYTES} bytes")
    return data


@functools.lru_cache(maxsize=4096)
def decode(data: str | None) -> Action | None:
    """The action a button asks for, or None when the data is malformed or forged.

    Actions are frozen, so the answers are kept: the wiring decodes a tap to pick its handler,
    and the handler decodes it again."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES or not data.isascii():
        return None
    tokens = data.split(":")
    for spelling in FORMATS:
        if (action := spelling.decode(tokens)) is not None:
            return action  # type: ignore[return-value]
    return None


def accepts(*kinds: type) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: the button's data decodes to one of these actions."""

    def matches(data: object) -> bool:
        return isinstance(data, str) and isinstance(decode(data), kinds)

    return matches
