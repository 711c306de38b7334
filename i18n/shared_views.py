"""The sentences both the chat and the page say, said here once: the progress line, the signals'
names, levels and legend, and what ✅ Count it here says when there is nothing to count. Every word
in the language being spoken (i18n.catalogs), every number in its digits (i18n.formats)."""

from __future__ import annotations

from collections import Counter

from i18n.catalogs import N_, _, ngettext, pgettext
from i18n.formats import count
from i18n.formats import percent as percent_shown
from progress import Progress, StepState, percent
from roadmaps import Level, Roadmap, Signals

# The three signals' names in the seed page's order; translated where they are shown.
SIGNAL_NAMES = (
    # Translators: a signal's name: how central a step or a roadmap is to the job.
    N_("Importance"),
    # Translators: a signal's name: how often employers ask for it.
    N_("Market demand"),
    # Translators: a signal's name: how much of it AI tools already do.
    N_("Automation risk"),
)


def signals_legend() -> str:
    """What the three signals mean, in the words every view of a roadmap shows under them (and the
    ℹ️ Signals pop-up: plain text, at most 200 characters)."""
    # Translators: under a roadmap's signals and in a pop-up; plain text, at most 200 characters.
    # The three names are the signals' names translated above.
    return _(
        "Importance: how central it is to the job. Market demand: how often employers ask for it. "
        "Automation risk: how much of it AI tools already do."
    )


def nothing_to_count() -> str:
    """What a learner is told when ✅ Count it here finds nothing to count, in the chat and on the page."""
    # Translators: a pop-up after the "✅ Count it here" button (plain text, at most 200 characters).
    return _("Nothing to count: that topic is not done in another roadmap, or this step is done here already.")


def level_words() -> tuple[dict[Level, str], ...]:
    """Each signal's level words, in the seed page's order: a level agrees with its signal's name
    (Russian: "Важность высокая", "Риск автоматизации низкий")."""
    # Translators: the level after "Importance" (`Importance High`); one short word agreeing with it.
    importance = {Level.LOW: pgettext("importance", "Low"), Level.MEDIUM: pgettext("importance", "Medium")}
    importance[Level.HIGH] = pgettext("importance", "High")
    # Translators: the level after "Market demand" (`Market demand High`); one short word agreeing with it.
    demand = {Level.LOW: pgettext("market demand", "Low"), Level.MEDIUM: pgettext("market demand", "Medium")}
    demand[Level.HIGH] = pgettext("market demand", "High")
    # Translators: the level after "Automation risk" (`Automation risk Low`); one short word agreeing with it.
    risk = {Level.LOW: pgettext("automation risk", "Low"), Level.MEDIUM: pgettext("automation risk", "Medium")}
    risk[Level.HIGH] = pgettext("automation risk", "High")
    return importance, demand, risk


def labelled_signals(signals: Signals) -> tuple[tuple[str, str], ...]:
    """Pairs of (signal name, level word) in the seed page's order."""
    levels = (signals.importance, signals.market_demand, signals.automation_risk)
    words = level_words()
    return tuple((_(name), words[n][level]) for n, (name, level) in enumerate(zip(SIGNAL_NAMES, levels, strict=True)))


def progress_line(roadmap: Roadmap, progress: Progress) -> str:
    """`30% · 3 of 10 steps done`, the seed page's words, plus steps in progress or skipped if any."""
    return tally_line(progress.tally(roadmap), len(roadmap.steps))


def done_of_total(done: int, total: int) -> str:
    """`3 of 10 steps done`: the progress line's count, and the progress card's."""
    # Translators: %(done)s of a roadmap's %(total)s steps are done; the plural form follows
    # %(total)s (English says "steps" even for one).
    words = ngettext("%(done)s of %(total)s steps done", "%(done)s of %(total)s steps done", total)
    return words % {"done": count(done), "total": count(total)}


def extra_count(state: StepState, number: int) -> str:
    """`2 in progress`, `1 skipped`: steps counted after the done ones in a progress line."""
    if state is StepState.WORKING:
        # Translators: in a progress line, after "3 of 10 steps done": how many steps are being worked on.
        words = ngettext("%(count)s in progress", "%(count)s in progress", number)
    else:
        # Translators: in a progress line, after "3 of 10 steps done": how many steps were skipped.
        words = ngettext("%(count)s skipped", "%(count)s skipped", number)
    return words % {"count": count(number)}


# Steps counted after the done ones in a progress line, in this order.
EXTRA_COUNTS = (StepState.WORKING, StepState.SKIPPED)


def tally_line(tally: Counter[StepState], total: int) -> str:
    """The progress line from a roadmap's tally of states and its number of steps."""
    done = tally[StepState.DONE]
    extras = [extra_count(state, tally[state]) for state in EXTRA_COUNTS if tally[state]]
    return " · ".join([percent_shown(percent(done, total)), done_of_total(done, total), *extras])
