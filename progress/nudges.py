"""The nudge plan: what a chat is nudged toward now, when reminders pause, and when a failed
nudge is tried again. Pure functions over a chat's reminder and progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from progress.model import Progress
from progress.place import place_from
from progress.reminders import NudgeOutcome, Reminder, ReminderStatus
from progress.schedule import quiet, zone
from roadmaps import Catalog, Roadmap, Step

RETRY_DELAY = dt.timedelta(minutes=5)
MAX_FAILURES = 12  # an hour of retries; then the nudge waits for the next weekly slot
BACK_OFF_AFTER = 3  # nudges in a row without an answer; the last one says reminders pause
LATELY = dt.timedelta(days=7)  # before a chat's first nudge, steps done this long ago count as lately
# The kinds of nudge, as their facts keep them: the weekly one, and the last before reminders pause.
WEEKLY, PAUSING = "weekly", "pausing"


@dataclass(frozen=True, slots=True)
class NudgePlan:
    """What one chat is nudged toward now: the lead roadmap's next step, the other unfinished
    started roadmaps, whether this nudge is the one after which reminders pause, and whether the
    chat had one before (steps done lately count from it; before the first, over LATELY)."""

    roadmap: Roadmap
    progress: Progress
    step: Step
    others: Sequence[tuple[Roadmap, Progress]]
    pausing: bool
    after_a_nudge: bool


def plan_nudge(catalog: Catalog, reminder: Reminder, progresses: Sequence[Progress]) -> NudgePlan | None:
    """The nudge a chat gets now, or None when every roadmap it started is covered (or gone).

    The roadmap in focus leads (the started one with the latest step change; if it has nothing
    left to do, the next one that has); other unfinished started roadmaps are listed.
    """
    place = place_from(catalog, progresses, None)
    if (next_up := place.next) is None:
        return None
    roadmap, progress, step = next_up
    others = [(r, p) for r, p in place.started if r.id != roadmap.id and not p.is_covered(r)]
    pausing = reminder.unanswered + 1 >= BACK_OFF_AFTER
    return NudgePlan(roadmap, progress, step, others, pausing, after_a_nudge=reminder.last_sent_at is not None)


def after_failure(reminder: Reminder, chat_id: int, now: dt.datetime, claimed_due_at: dt.datetime) -> NudgeOutcome:
    """A nudge to `chat_id` (the reminder's chat, or where it moved) that failed: tried again in
    RETRY_DELAY, or, after MAX_FAILURES in a row, left for the next weekly slot (`failures` 0 then)."""
    failures = reminder.failures + 1
    if failures >= MAX_FAILURES:
        return NudgeOutcome(chat_id, claimed_due_at, ReminderStatus.ACTIVE, reminder.next_slot(now), at=now)
    return NudgeOutcome(chat_id, claimed_due_at, ReminderStatus.ACTIVE, now + RETRY_DELAY, failures=failures, at=now)


# A chat that opened a step card and changed nothing hears from the bot once, this long after.
WELCOME_AFTER = dt.timedelta(days=3)
# The kind of nudge a welcome is, as its fact keeps it.
WELCOME = "welcome"


@dataclass(frozen=True, slots=True)
class WelcomePlan:
    """A welcome nudge: the roadmap a chat opened and the step it is invited to (the one it opened)."""

    roadmap: Roadmap
    step: Step


def plan_welcome(catalog: Catalog, roadmap_id: str, step_id: str | None) -> WelcomePlan | None:
    """The welcome of a chat whose card was last `step_id` of `roadmap_id`: that step (its first,
    if the step is gone), or None when the roadmap is no longer offered."""
    roadmap = catalog.get(roadmap_id)
    if roadmap is None or not roadmap.steps:
        return None
    step = (roadmap.step(step_id) if step_id else None) or roadmap.steps[0]
    return WelcomePlan(roadmap, step)


def welcome_awake(now: dt.datetime, timezone: str) -> bool:
    """Whether a welcome may go to a chat in `timezone` now: not in its quiet hours."""
    return not quiet(now.astimezone(zone(timezone)).hour)
