"""What an operator's buttons ask for (and a learner's answer to announcements): the operator's
numbers and the announcements, beside the learners' actions in `handlers/actions.py`, which names
them all in its `Action`."""

from __future__ import annotations

from dataclasses import dataclass

# --- the operator's numbers -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToggleDigest:
    """Start or stop /stats' weekly digest (operators only)."""


# --- announcements -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StopAnnouncements:
    """The learner wants no more announcements ("🔕 No announcements" under each)."""


@dataclass(frozen=True, slots=True)
class ResumeAnnouncements:
    """The learner wants announcements again (on /remind)."""


@dataclass(frozen=True, slots=True)
class ChooseAudience:
    """Who a draft announcement goes to (operators only): everyone, the active, a roadmap's
    learners (`roadmap_id`), or the speakers of a language (`index` among the bot's languages)."""

    announcement_id: int
    kind: str
    roadmap_id: str | None = None
    index: int | None = None


@dataclass(frozen=True, slots=True)
class ConfirmAnnouncement:
    """Send a draft announcement to its audience (operators only)."""

    announcement_id: int


@dataclass(frozen=True, slots=True)
class CancelAnnouncement:
    """Stop an announcement, or drop a draft (operators only)."""

    announcement_id: int
