"""Momentum: the weekly streak, the pace, and steps done lately, from the times steps were done.

Every screen that speaks of momentum (/progress, the nudge, the progress card) reads it from here:
from a chat's marks (`weekly_streak`, `pace_of`, `done_since`), or, for a batch of nudges, from
the figures one statement gathers for every chat of the batch (`storage.momentum_reads`), folded
by the same rules (`streak_of`, `pace_from`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from progress.model import OPEN_STATES, Progress, StepState
from progress.schedule import WEEK
from roadmaps import Roadmap

PACE_WINDOW = dt.timedelta(weeks=4)


@dataclass(frozen=True, slots=True)
class Pace:
    """How fast a chat goes through a roadmap lately, and when that would finish it."""

    steps_per_week: float
    finish_on: dt.date


@dataclass(frozen=True, slots=True)
class Momentum:
    """What a nudge says beyond the step: steps done lately, the weekly streak, each roadmap's pace."""

    done_lately: int = 0
    streak: int = 0
    paces: Mapping[str, Pace] = field(default_factory=dict)  # by roadmap id; none without steps done lately


def week_of(moment: dt.datetime) -> dt.date:
    """The Monday (UTC) of the week a moment falls in."""
    day = moment.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


# A streak is worth showing from its second week: one week "in a row" is no row yet.
STREAK_SHOWN_FROM = 2


def streak_shown(streak: int) -> bool:
    """Whether a streak is long enough to show (everywhere one is shown)."""
    return streak >= STREAK_SHOWN_FROM


def streak_of(weeks: Collection[dt.date], now: dt.datetime) -> int:
    """Weeks in a row with at least one step done (`weeks`: their Mondays), counting back from this
    week (or from last week, while this one has none yet: a streak lasts until a whole week passes
    without a step)."""
    week = week_of(now)
    if week not in weeks:
        week -= WEEK
    streak = 0
    while week in weeks:
        streak, week = streak + 1, week - WEEK
    return streak


def weekly_streak(progresses: Sequence[Progress], now: dt.datetime) -> int:
    """The weekly streak of these roadmaps' marks (see `streak_of`)."""
    weeks = {week_of(mark.changed_at) for p in progresses for mark in p.marks.values() if mark.state is StepState.DONE}
    return streak_of(weeks, now)


def pace_from(recent: int, first_done: dt.datetime | None, left: int, now: dt.datetime) -> Pace | None:
    """The pace of `recent` steps done in the last four weeks, the first step done at `first_done`,
    with `left` steps still open: steps a week over the four weeks (or since the first step, if
    sooner, but at least a week), and the day the open steps would be done at that rate."""
    if not recent or not left or first_done is None:
        return None
    span = max(now - max(first_done, now - PACE_WINDOW), WEEK)
    per_week = recent / (span / WEEK)
    return Pace(per_week, (now + WEEK * (left / per_week)).date())


def pace_of(progress: Progress, roadmap: Roadmap, now: dt.datetime) -> Pace | None:
    """Steps done a week over the last four weeks (or since the first step, if sooner), and the
    day the steps still open would be done at that rate; None without a step done lately."""
    marks = [progress.mark_of(step) for step in roadmap.steps]
    done = [mark.changed_at for mark in marks if mark is not None and mark.state is StepState.DONE]
    recent = sum(moment > now - PACE_WINDOW for moment in done)
    left = sum(mark is None or mark.state in OPEN_STATES for mark in marks)
    return pace_from(recent, min(done, default=None), left, now)


def done_since(progresses: Iterable[Progress], since: dt.datetime) -> int:
    """How many steps of these roadmaps were marked done after `since`."""
    return sum(
        mark.state is StepState.DONE and mark.changed_at > since for p in progresses for mark in p.marks.values()
    )
