"""The sentences both the chat and the page say, said here once: the progress line, the signals'
names, levels and legend, and what ✅ Count it here says when there is nothing to count."""

from __future__ import annotations

from collections import Counter

from progress import Progress, StepState, percent
from roadmaps import Level, Roadmap, Signals

LEVEL_WORDS = {Level.LOW: "Low", Level.MEDIUM: "Medium", Level.HIGH: "High"}
SIGNAL_NAMES = ("Importance", "Market demand", "Automation risk")
# What the three signals mean, in the words every view of a roadmap shows under them.
SIGNALS_LEGEND = (
    "Importance: how central it is to the job. Market demand: how often employers ask for it. "
    "Automation risk: how much of it AI tools already do."
)
# What a learner is told when ✅ Count it here finds nothing to count, in the chat and on the page.
NOTHING_TO_COUNT = "Nothing to count: that topic is not done in another roadmap, or this step is done here already."
# Steps counted after the done ones in a progress line, in this order.
EXTRA_COUNTS = ((StepState.WORKING, "in progress"), (StepState.SKIPPED, "skipped"))


def labelled_signals(signals: Signals) -> tuple[tuple[str, str], ...]:
    """Pairs of (signal name, level word) in the seed page's order."""
    levels = (signals.importance, signals.market_demand, signals.automation_risk)
    return tuple((name, LEVEL_WORDS[level]) for name, level in zip(SIGNAL_NAMES, levels, strict=True))


def progress_line(roadmap: Roadmap, progress: Progress) -> str:
    """`30% · 3 of 10 steps done`, the seed page's words, plus steps in progress or skipped if any."""
    return tally_line(progress.tally(roadmap), len(roadmap.steps))


def tally_line(tally: Counter[StepState], total: int) -> str:
    """The progress line from a roadmap's tally of states and its number of steps."""
    done = tally[StepState.DONE]
    extras = [f"{tally[state]} {word}" for state, word in EXTRA_COUNTS if tally[state]]
    return " · ".join([f"{percent(done, total)}% · {done} of {total} steps done", *extras])
