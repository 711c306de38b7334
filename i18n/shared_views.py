"""The sentences both the chat and the page say, said here once: the progress line, the signals'
names, levels and legend, and what ✅ Count it here says when there is nothing to count. Every word
in the language being spoken (i18n.catalogs), every number in its digits (i18n.formats)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter

from i18n.catalogs import N_, _, language, ngettext, pgettext
from i18n.formats import count, day, number
from i18n.formats import percent as percent_shown
from progress import DoneElsewhere, Progress, StepState, percent
from roadmaps import Effort, Level, Roadmap, Signals

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
    return _level_words(language())


@functools.lru_cache(maxsize=16)  # one set of words a language
def _level_words(spoken: str) -> tuple[dict[Level, str], ...]:
    """level_words, in the language `spoken` (the one being spoken: the words come from its catalog)."""
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
    return _labelled_signals(signals, language())


@functools.lru_cache(maxsize=512)  # 27 combinations of levels in each language
def _labelled_signals(signals: Signals, spoken: str) -> tuple[tuple[str, str], ...]:
    """labelled_signals, in the language `spoken` (the one being spoken)."""
    levels = (signals.importance, signals.market_demand, signals.automation_risk)
    words = level_words()
    return tuple((_(name), words[n][level]) for n, (name, level) in enumerate(zip(SIGNAL_NAMES, levels, strict=True)))


def progress_line(roadmap: Roadmap, progress: Progress) -> str:
    """`30% · 3 of 10 steps done`, the seed page's words, plus steps in progress or skipped if any."""
    return tally_line(progress.tally(roadmap), len(roadmap.steps))


def done_of_total(done: int, total: int) -> str:
    """`3 of 10 steps done`: the progress line's count, and the progress card's."""
    # Translators: %(done)s of a roadmap's %(total)s steps are done; the plural form follows
    # %(total)s.
    words = ngettext("%(done)s of %(total)s step done", "%(done)s of %(total)s steps done", total)
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
_COUNTED = (StepState.DONE, *EXTRA_COUNTS)  # the counts a progress line shows, done first


def checks_count(ticked: int, total: int) -> str:
    """`☑️ 2 of 3 checks`: how many of a step's (or steps') "done when" checks are ticked."""
    # Translators: %(ticked)s of a step's %(total)s "done when" checks are ticked; the plural form
    # follows %(total)s.
    words = ngettext("☑️ %(ticked)s of %(total)s check", "☑️ %(ticked)s of %(total)s checks", total)
    return words % {"ticked": count(ticked), "total": count(total)}


def separated(*parts: str) -> str:
    """Parts of one line between the language's separator: `30% · 3 of 10 steps done`."""
    # Translators: what stands between the parts of one line ("30% · 3 of 10 steps done",
    # "Importance High · Market demand Medium"), spaces included; in Persian, where "·" reads like
    # the digit zero, "، ".
    return pgettext("separator", " · ").join(parts)


def tally_line(tally: Counter[StepState], total: int) -> str:
    """The progress line from a roadmap's tally of states and its number of steps."""
    return _tally_line(tuple(map(tally.__getitem__, _COUNTED)), total, language())


@functools.lru_cache(maxsize=4096)  # the same few lines, card after card
def _tally_line(counts: tuple[int, ...], total: int, spoken: str) -> str:
    """tally_line from the counts of done steps and of EXTRA_COUNTS' states, in the language `spoken`."""
    done, *others = counts
    extras = [extra_count(state, number) for state, number in zip(EXTRA_COUNTS, others, strict=True) if number]
    return separated(percent_shown(percent(done, total)), done_of_total(done, total), *extras)


def effort_words(effort: Effort, *, left: bool = False) -> str:
    """An effort range as people say it: "About 10–20 hours", "About 40–80 hours left"."""
    low, high = number(effort.low, decimals=0), number(effort.high, decimals=0)  # `1200`, as ever: no grouping
    hours = low if effort.low == effort.high else f"{low}–{high}"
    if left:
        # Translators: the effort a roadmap still needs; %(hours)s is a number or a range (`40–80`).
        words = ngettext("About %(hours)s hour left", "About %(hours)s hours left", effort.high)
    else:
        # Translators: the effort a step needs; %(hours)s is a number or a range (`10–20`).
        words = ngettext("About %(hours)s hour", "About %(hours)s hours", effort.high)
    return words % {"hours": hours}


def step_count(steps: int) -> str:
    """`10 steps`: a roadmap's size, in the catalog."""
    # Translators: a roadmap's number of steps, in the list of roadmaps.
    return ngettext("%(count)s step", "%(count)s steps", steps) % {"count": count(steps)}


def state_line(state: StepState, changed_at: dt.datetime | None) -> str:
    """The card's state line, with the date of the change."""
    if state is StepState.TODO:
        # Translators: a step's state on its card: not started.
        return _("State: ⬜ Not yet")
    if changed_at is None:
        return state_words(state)
    if state is StepState.DONE:
        # Translators: a step's state on its card, and when; %(day)s is a date like "3 Nov 2026".
        words = _("State: ✅ Done on %(day)s")
    elif state is StepState.SKIPPED:
        # Translators: a step's state on its card, and when; %(day)s is a date like "3 Nov 2026".
        words = _("State: ⏭ Skipped on %(day)s")
    else:
        # Translators: a step's state on its card, and since when; %(day)s is a date like "3 Nov 2026".
        words = _("State: 🟡 Working on it since %(day)s")
    return words % {"day": day(changed_at)}


def state_words(state: StepState) -> str:
    """A step's state on its card when it has no date of change."""
    if state is StepState.DONE:
        return _("State: ✅ Done")
    if state is StepState.SKIPPED:
        return _("State: ⏭ Skipped")
    return _("State: 🟡 Working on it")


def counted_here(elsewhere: DoneElsewhere) -> str:
    """What ✅ Count it here says once it counted (the chat's toast, the page's announcement):
    where the topic was done, and when."""
    # Translators: a toast (plain text, short); %(roadmap)s: the other roadmap's title, %(day)s: a date.
    words = _("✅ Counted here: done in %(roadmap)s on %(day)s")
    return words % {"roadmap": elsewhere.roadmap.title, "day": day(elsewhere.mark.changed_at)}
