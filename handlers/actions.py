"""What a button asks for: one frozen dataclass per action, named by the feature that answers it.

Actions carry ids, never positions or chat ids: the chat always comes from the update, so no
button can name another chat, and a button from before a content change still names the step
it was made for. `handlers/callback_data.py` writes them into a button's 64 bytes and back.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.operator_actions import (
    CancelAnnouncement,
    ChooseAudience,
    ConfirmAnnouncement,
    ResumeAnnouncements,
    StopAnnouncements,
    ToggleDigest,
)
from progress import StepState

# --- roadmaps and steps ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShowCatalog:
    """Every roadmap."""


@dataclass(frozen=True, slots=True)
class Noop:
    """A button that only labels (the page counter, a section's name)."""


@dataclass(frozen=True, slots=True)
class ShowRoadmap:
    """A roadmap's view; page None means the page holding the next step."""

    roadmap_id: str
    page: int | None = None


@dataclass(frozen=True, slots=True)
class ShowNextStep:
    """The card of a roadmap's next unfinished step."""

    roadmap_id: str


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
class DoneAndNext:
    """Mark a step done (or skipped: ⏭ Skip · next) and open the next unfinished one, in one tap."""

    roadmap_id: str
    step_id: str
    state: StepState = StepState.DONE


@dataclass(frozen=True, slots=True)
class UndoMark:
    """Put a step back to what it was before its latest change, with that change's day."""

    roadmap_id: str
    step_id: str


@dataclass(frozen=True, slots=True)
class ToggleCheck:
    """Tick a step's "done when" check, or untick it; `key` stands for the check's id (Check.key)."""

    roadmap_id: str
    step_id: str
    key: str


@dataclass(frozen=True, slots=True)
class ShowStepMore:
    """A step card with its longer parts (the practice task) shown."""

    roadmap_id: str
    step_id: str


@dataclass(frozen=True, slots=True)
class CountSharedTopic:
    """Count a step done here because its topic was done in another roadmap (the date kept)."""

    roadmap_id: str
    step_id: str


@dataclass(frozen=True, slots=True)
class CountAllShared:
    """Count here every step of a roadmap whose topic was done in another roadmap (their dates kept)."""

    roadmap_id: str


@dataclass(frozen=True, slots=True)
class ShowLegend:
    """What the three signals mean, as a pop-up."""


# --- notes and sharing --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemoveNote:
    """Remove the chat's note on a step."""

    roadmap_id: str
    step_id: str


@dataclass(frozen=True, slots=True)
class SendCard:
    """The progress picture of a started roadmap."""

    roadmap_id: str


# --- reminders --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShowReminder:
    """The chat's reminder settings."""


@dataclass(frozen=True, slots=True)
class ToggleReminderDay:
    """Add a weekday (Monday 0) to the reminder's days, or take it away."""

    weekday: int


@dataclass(frozen=True, slots=True)
class SetReminderHour:
    """Move the reminder to an hour of the day, local time."""

    hour: int


@dataclass(frozen=True, slots=True)
class ShowTimezones:
    """The time-zone buttons."""


@dataclass(frozen=True, slots=True)
class SetUtcOffset:
    """Use a fixed whole-hour UTC offset as the chat's time zone."""

    hours: int


@dataclass(frozen=True, slots=True)
class SetNamedZone:
    """Use one of the named zones of the time-zone screen (the half-hour ones: India, Iran, ...)."""

    index: int


@dataclass(frozen=True, slots=True)
class SetZone:
    """Use a zone by its IANA name (one of the places a typed name could mean, or the guess for it)."""

    zone: str


@dataclass(frozen=True, slots=True)
class ChooseSchedule:
    """The answer to the first reminder's question: nudges on one weekday (Monday 0) at an hour, local time."""

    weekday: int
    hour: int


@dataclass(frozen=True, slots=True)
class AskLocation:
    """Ask for the chat's location, to set its time zone from it."""


@dataclass(frozen=True, slots=True)
class PauseReminders:
    """Stop nudges until resumed."""


@dataclass(frozen=True, slots=True)
class ResumeReminders:
    """Start nudges again at the weekly slots."""


@dataclass(frozen=True, slots=True)
class ShowSnoozeChoices:
    """The ways to put the next nudge off."""


@dataclass(frozen=True, slots=True)
class SnoozeReminder:
    """The next nudge later: in an `hour`, this `evening`, `tomorrow` or next `week`."""

    choice: str = "tomorrow"


# --- the chat's language ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChooseLanguage:
    """Speak one of the bot's languages in this chat (by its place in i18n.catalogs.LANGUAGES)."""

    index: int


@dataclass(frozen=True, slots=True)
class FollowAppLanguage:
    """Speak whatever language the person's Telegram app uses (a private chat's default)."""


# --- the chat's data: questions that name what they confirm -------------------------------------
# A confirmation names the question it answers: when it was asked (`asked`, seconds since the
# epoch) and a fingerprint of what it was asked about (`about`, eight hex digits), so an old or
# overtaken question is answered "out of date" and changes nothing.


@dataclass(frozen=True, slots=True)
class AskReset:
    """Ask before clearing one roadmap's progress."""

    roadmap_id: str


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
    | Noop
    | ShowRoadmap
    | ShowNextStep
    | ShowStep
    | SetStepState
    | DoneAndNext
    | UndoMark
    | ToggleCheck
    | ShowStepMore
    | CountSharedTopic
    | CountAllShared
    | ShowLegend
    | RemoveNote
    | SendCard
    | ShowReminder
    | ToggleReminderDay
    | SetReminderHour
    | ShowTimezones
    | SetUtcOffset
    | SetNamedZone
    | SetZone
    | ChooseSchedule
    | AskLocation
    | PauseReminders
    | ResumeReminders
    | ShowSnoozeChoices
    | SnoozeReminder
    | ChooseLanguage
    | FollowAppLanguage
    | ToggleDigest
    | AskReset
    | ResetRoadmap
    | ForgetChat
    | ConfirmImport
    | Cancel
    | StopAnnouncements
    | ResumeAnnouncements
    | ChooseAudience
    | ConfirmAnnouncement
    | CancelAnnouncement
)
