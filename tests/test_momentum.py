"""Streak and pace, from the times steps were done."""

from __future__ import annotations

import datetime as dt

from progress import Progress, StepState, pace_of, weekly_streak
from progress.model import Mark
from roadmaps import Level, Roadmap, Signals, Step

SIGNALS = Signals(Level.HIGH, Level.HIGH, Level.LOW)
ROADMAP = Roadmap(
    "demo", "Demo", "A demo.", SIGNALS, tuple(Step(f"s{n}", f"S{n}", "Text.", SIGNALS) for n in range(20))
)
NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)  # a Friday


def done_at(*days_ago: float, state: StepState = StepState.DONE) -> Progress:
    return Progress("demo", {f"s{n}": Mark(state, NOW - dt.timedelta(days=d)) for n, d in enumerate(days_ago)})


def test_a_streak_counts_weeks_in_a_row_with_a_step_done() -> None:
    assert weekly_streak([done_at()], NOW) == 0
    assert weekly_streak([done_at(0)], NOW) == 1
    assert weekly_streak([done_at(0, 7, 14)], NOW) == 3
    assert weekly_streak([done_at(0, 14)], NOW) == 1, "a week without a step breaks it"
    assert weekly_streak([done_at(7, 14)], NOW) == 2, "this week is not over yet: the streak holds"
    assert weekly_streak([done_at(14, 21)], NOW) == 0
    assert weekly_streak([done_at(0, 7, state=StepState.SKIPPED)], NOW) == 0, "skipping is not doing"
    assert weekly_streak([done_at(0), done_at(7)], NOW) == 2, "across roadmaps"


def test_pace_is_steps_a_week_lately_and_the_day_the_rest_would_be_done() -> None:
    assert pace_of(done_at(), ROADMAP, NOW) is None
    assert pace_of(done_at(40, 50), ROADMAP, NOW) is None, "nothing done in the last four weeks"
    pace = pace_of(done_at(1, 3, 8, 10, 15, 22, 30), ROADMAP, NOW)  # six steps in the last four weeks
    assert pace is not None and pace.steps_per_week == 1.5
    assert pace.finish_on == (NOW + dt.timedelta(weeks=13 / 1.5)).date()  # 13 steps left
    fresh = pace_of(done_at(0, 1, 2), ROADMAP, NOW)
    assert fresh is not None and fresh.steps_per_week == 3.0, "a first week counts as a whole week"
