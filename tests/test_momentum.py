"""Streak and pace, from the times steps were done."""

from __future__ import annotations

import datetime as dt

from progress import Progress, StepState, pace_of, weekly_streak
from progress.model import Mark
from progress.momentum import done_since
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


def marks(**days_ago: tuple[StepState, float]) -> Progress:
    """Marks by step id: (state, days ago)."""
    return Progress("demo", {step: Mark(state, NOW - dt.timedelta(days=d)) for step, (state, d) in days_ago.items()})


def test_the_pace_s_window_is_four_weeks_to_the_second() -> None:
    window = 28
    assert pace_of(done_at(window), ROADMAP, NOW) is None, "exactly four weeks ago is outside"
    pace = pace_of(done_at(window - 1 / 86400), ROADMAP, NOW)  # a second inside
    assert pace is not None and round(pace.steps_per_week, 3) == 0.25, "one step over (almost) four weeks"


def test_the_pace_counts_since_the_first_step_when_that_is_sooner_but_at_least_a_week() -> None:
    pace = pace_of(done_at(14, 0), ROADMAP, NOW)  # the first step two weeks ago: two over two weeks
    assert pace is not None and pace.steps_per_week == 1.0
    assert pace.finish_on == (NOW + dt.timedelta(weeks=18)).date(), "18 steps left at one a week"
    pace = pace_of(done_at(3.5), ROADMAP, NOW)  # half a week ago: counted as a week
    assert pace is not None and pace.steps_per_week == 1.0


def test_the_steps_left_are_those_to_do_or_in_progress() -> None:
    progress = marks(
        s0=(StepState.DONE, 1),
        s1=(StepState.SKIPPED, 1),
        s2=(StepState.WORKING, 1),
        s3=(StepState.DONE, 2),
    )
    pace = pace_of(progress, ROADMAP, NOW)  # two done in a first week: two a week; 17 left (16 untouched, 1 working)
    assert pace is not None and pace.steps_per_week == 2.0
    assert pace.finish_on == (NOW + dt.timedelta(weeks=17 / 2)).date()
    everything = marks(**{f"s{n}": (StepState.DONE if n < 10 else StepState.SKIPPED, 1) for n in range(20)})
    assert pace_of(everything, ROADMAP, NOW) is None, "nothing left: no finishing day"


def test_steps_done_since_a_moment_are_those_after_it() -> None:
    progress = marks(s0=(StepState.DONE, 2), s1=(StepState.DONE, 1), s2=(StepState.SKIPPED, 0.5))
    assert done_since([progress], NOW - dt.timedelta(days=2)) == 1, "the one done at that moment is not after it"
    assert done_since([progress, marks(s5=(StepState.DONE, 0))], NOW - dt.timedelta(days=3)) == 3
