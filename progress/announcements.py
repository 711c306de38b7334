"""The rules of an announcement: who it goes to (its audience), what became of each recipient, when a
recipient's night holds it back, how the figures add up, and when the whole is expected to finish."""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from progress.schedule import zone

# A recipient's night: nothing is sent from QUIET_FROM until QUIET_UNTIL, in its own zone.
QUIET_FROM, QUIET_UNTIL = dt.time(22, 0), dt.time(8, 0)
# How many days back "active lately" looks.
ACTIVE_DAYS = 28


class AudienceKind(enum.Enum):
    """Which chats an announcement is for."""

    EVERYONE = "everyone"
    ROADMAP = "roadmap"  # chats that started a roadmap
    LANGUAGE = "language"  # chats spoken to in a language
    ACTIVE = "active"  # chats seen in the last ACTIVE_DAYS days


_SPELLING = re.compile(r"(everyone|active)|(roadmap|language):([a-zA-Z0-9_-]{1,64})")


@dataclass(frozen=True, slots=True)
class Audience:
    """An audience, with the roadmap or the language it is about (when its kind has one)."""

    kind: AudienceKind
    value: str | None = None

    def __str__(self) -> str:
        return self.kind.value if self.value is None else f"{self.kind.value}:{self.value}"

    @staticmethod
    def parse(spelled: str) -> Audience | None:
        """An audience as written (`everyone`, `active`, `roadmap:ID`, `language:CODE`); None otherwise."""
        found = _SPELLING.fullmatch(spelled.strip())
        if found is None:
            return None
        if found.group(1):
            return Audience(AudienceKind(found.group(1)))
        return Audience(AudienceKind(found.group(2)), found.group(3))


EVERYONE = Audience(AudienceKind.EVERYONE)
ACTIVE = Audience(AudienceKind.ACTIVE)


class AnnouncementStatus(enum.Enum):
    """Where an announcement is: being written, going out, finished, or stopped."""

    DRAFT = "draft"  # written and previewed, not confirmed
    SENDING = "sending"  # confirmed: its recipients are queued
    DONE = "done"  # every recipient has an outcome
    CANCELLED = "cancelled"  # stopped; what had not gone stays unsent


class RecipientState(enum.Enum):
    """What became of one recipient. Only QUEUED is ever claimed; SENDING is a claim in flight."""

    QUEUED = "queued"
    SENDING = "sending"  # claimed and being sent; a crash leaves it here until it becomes UNKNOWN
    SENT = "sent"
    BLOCKED = "blocked"  # the chat stopped the bot
    FAILED = "failed"  # Telegram refused it for another reason
    OPTED_OUT = "opted_out"  # the chat turned announcements off after it was queued
    LEFT = "left"  # the chat is gone: deleted, left the group, or forgot its data
    UNKNOWN = "unknown"  # in flight when its sender died: maybe sent, never sent again
    CANCELLED = "cancelled"  # the operator stopped the announcement before it went


# States with nothing more to happen.
FINAL = frozenset(RecipientState) - {RecipientState.QUEUED, RecipientState.SENDING}


@dataclass(frozen=True, slots=True)
class Tally:
    """How many recipients are in each state."""

    counts: Mapping[RecipientState, int]

    def __getitem__(self, state: RecipientState) -> int:
        return self.counts.get(state, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def waiting(self) -> int:
        """Recipients not yet done: queued or in flight."""
        return self[RecipientState.QUEUED] + self[RecipientState.SENDING]

    @property
    def finished(self) -> bool:
        return self.waiting == 0


def estimated_finish(tally: Tally, now: dt.datetime, per_second: float) -> dt.datetime | None:
    """When the recipients still waiting will have gone at `per_second`; None when none wait."""
    if tally.finished:
        return None
    return now + dt.timedelta(seconds=math.ceil(tally.waiting / per_second))


def quiet_until(now: dt.datetime, timezone: str) -> dt.datetime | None:
    """When a recipient's night ends, if it is night there now (22:00–08:00 local); None when it is day."""
    local = now.astimezone(zone(timezone))
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    morning = local.date() if local.time() < QUIET_UNTIL else local.date() + dt.timedelta(days=1)
    wake = dt.datetime.combine(morning, QUIET_UNTIL, tzinfo=zone(timezone))
    return wake.astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class Recipient:
    """A claimed recipient: its chat, its zone, whether it still wants announcements, whether it still exists."""

    chat_id: int
    timezone: str
    wants: bool
    exists: bool


def before_sending(recipient: Recipient, now: dt.datetime) -> RecipientState | dt.datetime | None:
    """What happens to a claimed recipient before anything is sent: a final state (it left or opted
    out), a moment to hold it until (its night), or None: send it now."""
    if not recipient.exists:
        return RecipientState.LEFT
    if not recipient.wants:
        return RecipientState.OPTED_OUT
    return quiet_until(now, recipient.timezone)


def budget_slot(paced_until: dt.datetime | None, now: dt.datetime, count: int, per_second: float) -> dt.datetime:
    """The shared budget after `count` more messages: they start when the last ones' time ran out
    (or now), and take count / per_second."""
    start = now if paced_until is None or paced_until < now else paced_until
    return start + dt.timedelta(seconds=count / per_second)
