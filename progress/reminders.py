"""A chat's weekly reminder, as stored, and when it is due next."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from dataclasses import dataclass

from progress.schedule import next_due, next_slot


class ReminderStatus(enum.Enum):
    """Whether reminders go out; only ACTIVE ones have a due time."""

    ACTIVE = "active"
    PAUSED = "paused"  # the chat paused them
    IDLE = "idle"  # paused after nudges in a row went unanswered
    BLOCKED = "blocked"  # Telegram said 403, or the bot was removed; resumes when the chat writes
    GONE = "gone"  # Telegram says the chat does not exist


@dataclass(frozen=True, slots=True)
class Reminder:
    """When a chat hears from the bot, and how the last nudges went."""

    chat_id: int
    status: ReminderStatus
    weekdays: frozenset[int]  # Monday 0 ... Sunday 6; never empty
    hour: int
    timezone: str
    due_at: dt.datetime | None
    unanswered: int = 0
    last_sent_at: dt.datetime | None = None
    failures: int = 0

    def next_slot(self, after: dt.datetime) -> dt.datetime:
        """The first weekly slot strictly after `after` (right after a nudge went, or was given up)."""
        return _slot_after(self.weekdays, self.hour, self.timezone, after)

    def next_due(self, now: dt.datetime) -> dt.datetime:
        """The next slot after `now` that keeps the minimum gap after the last nudge (after a change
        of schedule, or when reminders come back on)."""
        return next_due(self.weekdays, self.hour, self.timezone, now, self.last_sent_at)


@functools.lru_cache(maxsize=1024)
def _slot_after(weekdays: frozenset[int], hour: int, timezone: str, after: dt.datetime) -> dt.datetime:
    """next_slot, remembered: a nudge pass asks it with one `after` for many chats of one schedule."""
    return next_slot(weekdays, hour, timezone, after)


@dataclass(frozen=True, slots=True)
class NudgeOutcome:
    """What became of one claimed nudge, to be recorded.

    `claimed_due_at` is the due time the claim wrote: the schedule is only changed if it is
    still that, so a chat that changed its settings meanwhile keeps its new ones.
    """

    chat_id: int
    claimed_due_at: dt.datetime
    status: ReminderStatus
    due_at: dt.datetime | None
    sent_at: dt.datetime | None = None
    failures: int = 0
    at: dt.datetime | None = None  # when it was decided (a stop is dated by it)
    kind: str = "weekly"  # what kind of nudge went out (`pausing`: the last before reminders pause)
