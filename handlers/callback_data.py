"""The callback-data codec: what a button asks for, in at most 64 bytes.

Buttons carry ids, never positions or chat ids: the chat always comes from the update, so
no button can name another chat, and a button from before a content change still names
the step it was made for.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from storage import StepState

MAX_CALLBACK_BYTES = 64
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"


@dataclass(frozen=True, slots=True)
class ShowCatalog:
    """Every roadmap."""


@dataclass(frozen=True, slots=True)
class ShowRoadmap:
    """A roadmap's view; page None means the page holding the next step."""

    roadmap_id: str
    page: int | None = None


@dataclass(frozen=True, slots=True)
class ShowStep:
    """A step card."""

    roadmap_id: str
    step_id: str


@dataclass(frozen=True, slots=True)
class SetStepState:
    """Mark a step done, skipped, in progress, or back to not yet (undo)."""

    roadmap_id: str
    step_id: str
    state: StepState


@dataclass(frozen=True, slots=True)
class RemoveNote:
    """Remove the chat's note on a step."""

    roadmap_id: str
    step_id: str


@dataclass(frozen=True, slots=True)
class ShowNextStep:
    """The card of a roadmap's next unfinished step."""

    roadmap_id: str


@dataclass(frozen=True, slots=True)
class Noop:
    """A button that only labels (the page counter)."""


@dataclass(frozen=True, slots=True)
class ShowReminder:
    """The chat's reminder settings."""


@dataclass(frozen=True, slots=True)
class SetReminderDay:
    """Move the weekly reminder to a weekday (Monday 0)."""

    weekday: int


@dataclass(frozen=True, slots=True)
class SetReminderHour:
    """Move the weekly reminder to an hour of the day, local time."""

    hour: int


@dataclass(frozen=True, slots=True)
class ShowTimezones:
    """The UTC-offset buttons."""


@dataclass(frozen=True, slots=True)
class SetUtcOffset:
    """Use a fixed UTC offset as the chat's time zone."""

    hours: int


@dataclass(frozen=True, slots=True)
class PauseReminders:
    """Stop nudges until resumed."""


@dataclass(frozen=True, slots=True)
class ResumeReminders:
    """Start nudges again at the weekly slot."""


@dataclass(frozen=True, slots=True)
class SnoozeReminder:
    """One nudge again in 24 hours."""


@dataclass(frozen=True, slots=True)
class AskReset:
    """Ask before clearing one roadmap's progress."""

    roadmap_id: str


# A confirmation names the question it answers: when it was asked (`asked`, seconds since the
# epoch) and a fingerprint of what it was asked about (`about`, eight hex digits), so an old or
# overtaken question is answered "out of date" and changes nothing.


@dataclass(frozen=True, slots=True)
class ResetRoadmap:
    """Clear one roadmap's progress and notes (confirmed)."""

    roadmap_id: str
    asked: int
    about: str


@dataclass(frozen=True, slots=True)
class ForgetChat:
    """Delete everything about this chat (confirmed)."""

    asked: int
    about: str


@dataclass(frozen=True, slots=True)
class ConfirmImport:
    """Replace progress with the export file the chat sent (confirmed)."""

    asked: int
    about: str


@dataclass(frozen=True, slots=True)
class Cancel:
    """Leave everything as it is; with `about`, also drop the held file that question was about."""

    about: str | None = None


Action = (
    ShowCatalog
    | ShowRoadmap
    | ShowStep
    | SetStepState
    | RemoveNote
    | ShowNextStep
    | Noop
    | ShowReminder
    | SetReminderDay
    | SetReminderHour
    | ShowTimezones
    | SetUtcOffset
    | PauseReminders
    | ResumeReminders
    | SnoozeReminder
    | AskReset
    | ResetRoadmap
    | ForgetChat
    | ConfirmImport
    | Cancel
)
UTC_OFFSETS = range(-12, 15)
_REMINDER_WORDS = {
    "v": ShowReminder(),
    "z": ShowTimezones(),
    "p": PauseReminders(),
    "r": ResumeReminders(),
    "t": SnoozeReminder(),
}

_ABOUT = "[0-9a-f]{8}"


# When a question was asked (base 36, no leading zero, so that each moment has one spelling) and
# what it was about.
def _question(name: str) -> str:
    return rf"(?P<{name}_asked>[1-9a-z][0-9a-z]{{0,7}}):(?P<{name}_about>{_ABOUT})"


_STATE_LETTER = {StepState.DONE: "d", StepState.SKIPPED: "k", StepState.TODO: "u", StepState.WORKING: "w"}
_LETTER_STATE = {letter: state for state, letter in _STATE_LETTER.items()}
_PATTERN = re.compile(
    rf"(?:(?P<catalog>c)|(?P<noop>x)"
    rf"|r:(?P<r_roadmap>{_SLUG})(?::(?P<page>0|[1-9][0-9]{{0,2}}))?"
    rf"|n:(?P<n_roadmap>{_SLUG})"
    rf"|(?P<verb>[sdkuwe]):(?P<roadmap>{_SLUG}):(?P<step>{_SLUG})"
    rf"|m:(?P<m_word>[vzprt])|m:d:(?P<m_day>[0-6])|m:h:(?P<m_hour>[0-9]|1[0-9]|2[0-3])"
    rf"|m:o:(?P<m_offset>-?(?:[0-9]|1[0-4]))"
    rf"|q:(?P<q_roadmap>{_SLUG})|y:(?P<y_roadmap>{_SLUG}):{_question('y')}"
    rf"|(?P<q_word>[fi]):{_question('q')}|z(?::(?P<z_about>{_ABOUT}))?)"
)


def encode(action: Action) -> str:
    """The callback data for an action; raises ValueError if it would not fit in 64 bytes."""
    match action:
        case ShowCatalog():
            data = "c"
        case Noop():
            data = "x"
        case ShowRoadmap(roadmap_id, None):
            data = f"r:{roadmap_id}"
        case ShowRoadmap(roadmap_id, page):
            data = f"r:{roadmap_id}:{page}"
        case ShowNextStep(roadmap_id):
            data = f"n:{roadmap_id}"
        case ShowStep(roadmap_id, step_id):
            data = f"s:{roadmap_id}:{step_id}"
        case SetStepState(roadmap_id, step_id, state):
            data = f"{_STATE_LETTER[state]}:{roadmap_id}:{step_id}"
        case RemoveNote(roadmap_id, step_id):
            data = f"e:{roadmap_id}:{step_id}"
        case SetReminderDay(weekday):
            data = f"m:d:{weekday}"
        case SetReminderHour(hour):
            data = f"m:h:{hour}"
        case SetUtcOffset(hours):
            data = f"m:o:{hours}"
        case AskReset(roadmap_id):
            data = f"q:{roadmap_id}"
        case ResetRoadmap(roadmap_id, asked, about):
            data = f"y:{roadmap_id}:{_base36(asked)}:{about}"
        case ForgetChat(asked, about):
            data = f"f:{_base36(asked)}:{about}"
        case ConfirmImport(asked, about):
            data = f"i:{_base36(asked)}:{about}"
        case Cancel(None):
            data = "z"
        case Cancel(about):
            data = f"z:{about}"
        case _:
            data = "m:" + next(word for word, known in _REMINDER_WORDS.items() if known == action)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} is over {MAX_CALLBACK_BYTES} bytes")
    return data


def accepts(*kinds: type) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: the button's data decodes to one of these actions."""

    def matches(data: object) -> bool:
        return isinstance(data, str) and isinstance(decode(data), kinds)

    return matches


@functools.lru_cache(maxsize=4096)
def decode(data: str | None) -> Action | None:
    """The action a button asks for, or None when the data is malformed or forged.

    Actions are frozen, so the answers are kept: the wiring decodes a tap to pick its handler,
    and the handler decodes it again."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    match = _PATTERN.fullmatch(data)
    if match is None:
        return None
    if match["catalog"]:
        return ShowCatalog()
    if match["noop"]:
        return Noop()
    if match["r_roadmap"]:
        page = match["page"]
        return ShowRoadmap(match["r_roadmap"], None if page is None else int(page))
    if match["n_roadmap"]:
        return ShowNextStep(match["n_roadmap"])
    if match["q_roadmap"]:
        return AskReset(match["q_roadmap"])
    if match["y_roadmap"]:
        return ResetRoadmap(match["y_roadmap"], int(match["y_asked"], 36), match["y_about"])
    if match["q_word"]:
        question = (int(match["q_asked"], 36), match["q_about"])
        return ForgetChat(*question) if match["q_word"] == "f" else ConfirmImport(*question)
    if match["m_word"]:
        return _REMINDER_WORDS[match["m_word"]]
    if match["m_day"]:
        return SetReminderDay(int(match["m_day"]))
    if match["m_hour"]:
        return SetReminderHour(int(match["m_hour"]))
    if match["m_offset"]:
        hours = int(match["m_offset"])
        return SetUtcOffset(hours) if hours in UTC_OFFSETS and match["m_offset"] != "-0" else None
    if data.startswith("z"):
        return Cancel(match["z_about"])
    verb, roadmap_id, step_id = match["verb"], match["roadmap"], match["step"]
    if verb == "s":
        return ShowStep(roadmap_id, step_id)
    if verb == "e":
        return RemoveNote(roadmap_id, step_id)
    return SetStepState(roadmap_id, step_id, _LETTER_STATE[verb])


def _base36(number: int) -> str:
    """A positive whole number in base 36, without leading zeros."""
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits or "0"
