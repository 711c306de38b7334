"""The lines several views share: the signals, effort, the progress bar and line, the streak, the
pace, a state's icon, and the page's button. Pure functions, in the language being spoken."""

from __future__ import annotations

import datetime as dt
import functools

from telegram import InlineKeyboardButton, WebAppInfo

from handlers.screens import Links
from i18n.catalogs import _, language, ngettext
from i18n.formats import count, day_of_month, day_of_month_and_year, number
from i18n.shared_views import checks_count as checks_count  # the views import it from here
from i18n.shared_views import effort_words as effort_words  # the views import it from here
from i18n.shared_views import labelled_signals, signals_legend, tally_line
from i18n.shared_views import progress_line as progress_line  # the views import it from here
from i18n.shared_views import separated as separated  # the views import it from here
from i18n.shared_views import step_count as step_count
from progress import Pace, Progress, StepState, streak_shown
from progress import percent as percent
from roadmaps import Roadmap, Signals

BAR_CELLS = 10
STATE_ICON = {StepState.DONE: "✅", StepState.SKIPPED: "⏭", StepState.WORKING: "🟡", StepState.TODO: "⬜"}


def signals_pop_up() -> str:
    """What the signals mean, as the ℹ️ button's pop-up says it (plain text, at most 200 characters)."""
    return signals_legend()


def page_button(links: Links, roadmap: Roadmap) -> list[InlineKeyboardButton]:
    """🗺 Open as page: the roadmap on the Mini App, inside Telegram; nothing without a page."""
    if links.page_url is None:
        return []
    # Translators: a button that opens the roadmap as a web page inside Telegram; keep it short.
    label = _("🗺 Open as page")
    return [InlineKeyboardButton(label, web_app=WebAppInfo(f"{links.page_url}?roadmap={roadmap.id}"))]


def signals_line(signals: Signals) -> str:
    """`Importance High · Market demand Medium · Automation risk Low`, as the seed page says it."""
    return _signals_line(signals, language())


@functools.lru_cache(maxsize=512)  # 27 combinations of levels in each language
def _signals_line(signals: Signals, spoken: str) -> str:
    """signals_line, in the language `spoken` (the one being spoken)."""
    # Translators: one signal and its level (`Importance <b>High</b>`); keep the <b> tags around the level.
    shown = _("%(signal)s <b>%(level)s</b>")
    return separated(*(shown % {"signal": name, "level": level} for name, level in labelled_signals(signals)))


def progress_bar(done: int, total: int) -> str:
    """Ten cells, filled in proportion to the steps done."""
    filled = done * BAR_CELLS // total if total else 0
    return "▰" * filled + "▱" * (BAR_CELLS - filled)


def percent_done(roadmap: Roadmap, progress: Progress) -> int:
    """Whole percent of a roadmap's steps done."""
    return percent(progress.done_count(roadmap), len(roadmap.steps))


def progress_block(roadmap: Roadmap, progress: Progress) -> str:
    """The bar, then the line: `▰▰▰▱▱▱▱▱▱▱ 30% · 3 of 10 steps done`."""
    tally, total = progress.tally(roadmap), len(roadmap.steps)
    return f"{progress_bar(tally[StepState.DONE], total)} {tally_line(tally, total)}"


def covered_line(done: int, total: int, skipped: int) -> str:
    """A roadmap with every step done or skipped: how many of each."""
    # Translators: %(done)s of the roadmap's %(total)s steps are done, %(skipped)s skipped.
    words = _("Every step is done or skipped: %(done)s of %(total)s done · %(skipped)s skipped.")
    return words % {"done": count(done), "total": count(total), "skipped": count(skipped)}


def revisit_skipped(skipped: int) -> str:
    """The button back to a covered roadmap's skipped steps: `⏭ Revisit the 2 skipped`."""
    # Translators: a button to the first of the roadmap's skipped steps; keep it short.
    return ngettext("⏭ Revisit the %(count)s skipped", "⏭ Revisit the %(count)s skipped", skipped) % {
        "count": count(skipped)
    }


def weeks_in_a_row(streak: int) -> str:
    """`3 weeks in a row`: a weekly streak, on the progress card and after 🔥."""
    # Translators: a streak: weeks in a row with at least one step done.
    return ngettext("%(count)s week in a row", "%(count)s weeks in a row", streak) % {"count": count(streak)}


def streak_line(streak: int) -> str | None:
    """`🔥 3 weeks in a row`, or nothing without a streak of two weeks at least."""
    if not streak_shown(streak):
        return None
    return f"🔥 {weeks_in_a_row(streak)}"


def plural_of(value: float) -> int:
    """The whole number whose plural form a number shown with decimals takes: itself when whole,
    else 2 (`1.5 steps`, `1,5 шага`: a fraction reads as a few)."""
    return int(value) if value == int(value) else 2


def pace_line(pace: Pace, today: dt.date) -> str:
    """`⏱ At 1.5 steps a week you finish around 12 March` (the year too, when it is not this one)."""
    rate = round(pace.steps_per_week, 1)
    day = day_of_month(pace.finish_on) if pace.finish_on.year == today.year else day_of_month_and_year(pace.finish_on)
    # Translators: %(rate)s steps a week (a number like 1.5), %(day)s a date like "12 March".
    words = ngettext(
        "⏱ At %(rate)s step a week you finish around %(day)s",
        "⏱ At %(rate)s steps a week you finish around %(day)s",
        plural_of(rate),
    )
    return words % {"rate": number(rate), "day": day}
