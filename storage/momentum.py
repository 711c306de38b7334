"""Momentum: the weekly streak, the pace, and steps done lately, from the times steps were done.

Every screen that speaks of momentum (/progress, the nudge, the progress card) reads it from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from roadmaps import Roadmap
from storage.progress import Progress, StepState
from storage.schedule import WEEK

PACE_WINDOW = dt.timedelta(weeks=4)


@dataclass(frozen=True, slots=True)
class Pace:
    """How fast a chat goes through a roadmap lately, and when that would finish it."""

    steps_per_week: float
    finish_on: dt.date


def week_of(moment: dt.datetime) -> dt.date:
    """The Monday (UTC) of the week a moment falls in."""
    day = moment.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def weekly_streak(progresses: Sequence[Progress], now: dt.datetime) -> int:
    """Weeks in a row with at least one step done, counting back from this week (or from last
    week, while this one has none yet: a streak lasts until a whole week passes without a step)."""
    weeks = {week_of(mark.changed_at) for p in progresses for mark in p.marks.values() if mark.state is StepState.DONE}
    week = week_of(now)
    if week not in weeks:
        week -= WEEK
    streak = 0
    while week in weeks:
        streak, week = streak + 1, week - WEEK
    return streak


def pace_of(progress: Progress, roadmap: Roadmap, now: dt.datetime) -> Pace | None:
    """Steps done a week over the last four weeks (or since the first step, if sooner), and the
    day the steps still open would be done at that rate; None without a step done lately."""
    done = [
        mark.changed_at
        for step in roadmap.steps
        if (mark := progress.mark_of(step)) is not None and mark.state is StepState.DONE
    ]
    recent = [moment for moment in done if moment > now - PACE_WINDOW]
    left = sum(progress.state_of(step) in (StepState.TODO, StepState.WORKING) for step in roadmap.steps)
    if not recent or not left:
        return None
    span = max(now - max(min(done), now - PACE_WINDOW), WEEK)
    per_week = len(recent) / (span / WEEK)
    return Pace(per_week, (now + WEEK * (left / per_week)).date())


def done_since(progresses: Iterable[Progress], since: dt.datetime) -> int:
    """How many steps of these roadmaps were marked done after `since`."""
    return sum(
        mark.state is StepState.DONE and mark.changed_at > since for p in progresses for mark in p.marks.values()
    )
