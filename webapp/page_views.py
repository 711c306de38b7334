"""The page's own words (its headings, buttons, labels and what it says when a call is refused), in
the language being spoken, for the page's script to show (`GET /app/api/words`); and the words the
page shows beside a step or a roadmap, made here as the chat's views make them. Pure functions."""

from __future__ import annotations

from html import unescape

from i18n.catalogs import _, is_right_to_left, language, ngettext
from i18n.formats import count, day
from i18n.shared_views import checks_count, effort_words, separated, state_line, step_count
from progress import OPEN_STATES, DoneElsewhere, Mark, StepState
from roadmaps import Effort


def page_words() -> dict[str, str]:
    """Every word the page's script and its HTML show of their own, by key."""
    return {
        "loading": _("Loading…"),
        "skip": _("Skip to content"),
        "catalog_title": _("Roadmaps"),
        # Translators: under the page's title, above the list of roadmaps.
        "catalog_lead": _("Pick a roadmap: every step on one page, with what it is, why it matters and your progress."),
        "back": _("← All roadmaps"),
        "progress_heading": _("Roadmap progress"),
        "signals_heading": _("How to read the signals"),
        "steps_heading": _("Steps"),
        # Translators: the page's four buttons for a step's state; keep them short.
        "state_done": _("Done"),
        "state_working": _("Working on it"),
        "state_skipped": _("Skipped"),
        "state_todo": _("Not started"),
        "resources": _("Resources"),
        # Translators: before a step's "why it matters" text on the page.
        "why": _("Why it matters:"),
        "done_when": _("Done when"),
        "practice": _("Practice task"),
        "your_note": _("📝 Your note"),
        "count_here": _("Count it here"),
        # Translators: read out by screen readers for a step's group of state buttons; keep {number} and {title}.
        "mark_step": _("Mark step {number}, {title}"),
        # Translators: read out by screen readers before a step's title; keep {number}.
        "step_number": _("Step {number}: "),
        "unreachable": _("The bot could not be reached. Check your connection and try again."),
        # Translators: an error of the page; keep {status}, the HTTP status (a number).
        "went_wrong": _("Something went wrong ({status})."),
        "expired": _(
            "This page has been open too long for the bot to be sure it is you. Reopen it from the chat to carry on."
        ),
        "unconfirmed": _("This page could not confirm who you are. Reopen it from the chat with the bot."),
        "back_to_chat": _("Back to the chat"),
        "roadmap_gone": _("That roadmap is not here any more; here are the ones there are."),
        "open_in_telegram": _("Open this page from the bot in Telegram: it needs Telegram to know who you are."),
    }


def page_language() -> dict[str, str]:
    """The language the page is in, and its direction, for the page's `<html lang dir>`."""
    spoken = language()
    return {"language": spoken.replace("_", "-"), "dir": "rtl" if is_right_to_left(spoken) else "ltr"}


def plain(html: str) -> str:
    """A line the chat writes in HTML, as the page shows it: as text."""
    return unescape(html.replace("<b>", "").replace("</b>", "").replace("<i>", "").replace("</i>", ""))


def step_words(mark: Mark | None, effort: Effort | None, ticked: int = 0, checks: int = 0) -> dict[str, str | None]:
    """What the page says beside a step: its state line (as the chat's card, with its checks ticked
    while it is open), its effort."""
    state = mark.state if mark else StepState.TODO
    line = state_line(state, mark.changed_at if mark else None)
    if ticked and state in OPEN_STATES:
        line = separated(line, checks_count(ticked, checks))
    return {
        "state_line": plain(line),
        "effort": "⏱ " + effort_words(effort) if effort else None,
    }


def elsewhere_line(elsewhere: DoneElsewhere, number: int) -> str:
    """A step's topic done in another roadmap: where, when, and as which step."""
    # Translators: on the page, on a step's card; %(roadmap)s is the other roadmap's title, %(day)s a
    # date, %(number)s and %(step)s the step there.
    words = _("✅ Done in %(roadmap)s on %(day)s (step %(number)s, %(step)s)")
    return words % {
        "roadmap": elsewhere.roadmap.title,
        "day": day(elsewhere.mark.changed_at),
        "number": count(number),
        "step": elsewhere.step.title,
    }


def countable_words(waiting: int) -> str | None:
    """How many steps of a roadmap wait to be counted from another, pointing at their cards; None for none."""
    if not waiting:
        return None
    # Translators: in the page's progress panel: steps whose topic was done in another roadmap.
    words = ngettext(
        "🔗 %(count)s step is done in another roadmap: its card below can count it here.",
        "🔗 %(count)s steps are done in another roadmap: their cards below can count them here.",
        waiting,
    )
    return words % {"count": count(waiting)}


def next_step_words(title: str | None) -> str | None:
    """The page's jump to the roadmap's next step, as the chat's roadmap view says it; None when none is left."""
    # Translators: a button to the roadmap's next step; %(step)s is its title.
    return _("👉 Next step: %(step)s") % {"step": title} if title else None


def effort_left_words(effort: Effort | None) -> str | None:
    """The effort a roadmap still needs, as the page's progress panel says it."""
    return "⏱ " + effort_words(effort, left=True) if effort else None


def roadmap_size(steps: int) -> str:
    """A roadmap's number of steps, in the page's list."""
    return step_count(steps)
