"""The lines several views share: the signals, effort, the progress bar and line, the streak, the
pace, a state's icon, and the page's button. Pure functions."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, WebAppInfo

from handlers.screens import Links
from i18n.formats import day_of_month, day_of_month_and_year, number
from i18n.shared_views import SIGNALS_LEGEND, labelled_signals, tally_line
from i18n.shared_views import progress_line as progress_line  # the views import it from here
from progress import Pace, Progress, StepState
from progress import percent as percent
from roadmaps import Effort, Roadmap, Signals

BAR_CELLS = 10
STATE_ICON = {StepState.DONE: "✅", StepState.SKIPPED: "⏭", StepState.WORKING: "🟡", StepState.TODO: "⬜"}

# What the signals mean, as the ℹ️ button's pop-up says it (plain text, at most 200 characters).
SIGNALS_POP_UP = SIGNALS_LEGEND


def page_button(links: Links, roadmap: Roadmap) -> list[InlineKeyboardButton]:
    """🗺 Open as page: the roadmap on the Mini App, inside Telegram; nothing without a page."""
    if links.page_url is None:
        return []
    return [InlineKeyboardButton("🗺 Open as page", web_app=WebAppInfo(f"{links.page_url}?roadmap={roadmap.id}"))]


def signals_line(signals: Signals) -> str:
    """`Importance High · Market demand Medium · Automation risk Low`, as the seed page says it."""
    return " · ".join(f"{name} <b>{level}</b>" for name, level in labelled_signals(signals))


def effort_words(effort: Effort, *, left: bool = False) -> str:
    """An effort range as people say it: "About 10–20 hours", "About 40–80 hours left"."""
    hours = f"{effort.low}" if effort.low == effort.high else f"{effort.low}–{effort.high}"
    unit = "hour" if effort.high == 1 else "hours"
    return f"About {hours} {unit}{' left' if left else ''}"


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


def streak_line(streak: int) -> str | None:
    """`🔥 3 weeks in a row`, or nothing without a streak."""
    if not streak:
        return None
    return f"🔥 {streak} week{'s' if streak != 1 else ''} in a row"


def pace_line(pace: Pace, today: dt.date) -> str:
    """`⏱ At 1.5 steps a week you finish around 12 March` (the year too, when it is not this one)."""
    rate = number(pace.steps_per_week)
    unit = "step" if rate == "1" else "steps"
    day = day_of_month(pace.finish_on) if pace.finish_on.year == today.year else day_of_month_and_year(pace.finish_on)
    return f"⏱ At {rate} {unit} a week you finish around {day}"
