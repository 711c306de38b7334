"""The roadmap view: summary, signals, progress, and a page of its steps as buttons. Pure functions."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton

from handlers.callback_data import Noop, ShowCatalog, ShowRoadmap, ShowStep
from handlers.screens import STATE_ICON, Screen, button, keyboard, progress_bar, progress_line, signals_line
from handlers.sharing_views import share_link
from roadmaps import SIGNALS_LEGEND, Roadmap, Step
from storage import Progress

STEPS_PER_PAGE = 8
ROADMAP_GONE = "That roadmap is no longer available. Here are the ones I have."


def page_of(roadmap: Roadmap, step: Step) -> int:
    """The page of the roadmap view that lists a step."""
    return (roadmap.number_of(step) - 1) // STEPS_PER_PAGE


def page_count(roadmap: Roadmap) -> int:
    """How many pages the roadmap view has."""
    return -(-len(roadmap.steps) // STEPS_PER_PAGE)


def render_roadmap(
    roadmap: Roadmap, progress: Progress, page: int | None = None, *, bot_username: str | None = None
) -> Screen:
    """A roadmap: summary, signals, progress, a page of steps as buttons, and a share button."""
    next_step = progress.next_step(roadmap)
    pages = page_count(roadmap)
    if page is None:
        page = page_of(roadmap, next_step) if next_step else 0
    page = min(max(page, 0), pages - 1)
    shown = roadmap.steps[page * STEPS_PER_PAGE : (page + 1) * STEPS_PER_PAGE]
    lines = [
        f"🗺 <b>{escape(roadmap.title)}</b>",
        escape(roadmap.summary),
        "",
        "<b>How to read the signals</b>",
        signals_line(roadmap.signals),
        f"<i>{SIGNALS_LEGEND}</i>",
        "",
        "<b>Roadmap progress</b>",
        progress_bar(progress.done_count(roadmap), len(roadmap.steps)),
        progress_line(roadmap, progress),
    ]
    if next_step is None:
        lines += ["", "🎉 <b>Finished!</b> Every step is done or skipped."]
    if pages > 1:
        first = page * STEPS_PER_PAGE + 1
        sections = list(dict.fromkeys(step.section for step in shown if step.section))
        where = f" · {escape(' · '.join(sections))}" if sections else ""
        lines += ["", f"<i>Steps {first}–{first + len(shown) - 1} of {len(roadmap.steps)}{where}</i>"]
    step_rows = [
        [
            button(
                f"{STATE_ICON[progress.state_of(step)]} {roadmap.number_of(step)}. {step.title}",
                ShowStep(roadmap.id, step.id),
            )
        ]
        for step in shown
    ]
    next_row = [button(f"👉 Next step: {next_step.title}", ShowStep(roadmap.id, next_step.id))] if next_step else []
    last_row = [button("📚 All roadmaps", ShowCatalog())]
    if bot_username:
        last_row.append(InlineKeyboardButton("📤 Share", url=share_link(bot_username, roadmap)))
    rows = [*step_rows, paging_row(roadmap, page, pages), next_row, last_row]
    return Screen("\n".join(lines), keyboard(rows))


def paging_row(roadmap: Roadmap, page: int, pages: int) -> list[InlineKeyboardButton]:
    """◀ 1/3 ▶ under a roadmap of several pages; nothing under one of one page."""
    if pages <= 1:
        return []
    return [
        button("◀", ShowRoadmap(roadmap.id, (page - 1) % pages)),
        button(f"{page + 1}/{pages}", Noop()),
        button("▶", ShowRoadmap(roadmap.id, (page + 1) % pages)),
    ]
