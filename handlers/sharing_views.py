"""Sharing: a roadmap's deep link for Telegram's share dialog, and the words around a progress
card. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from handlers.actions import SendCard, ShowCatalog
from handlers.catalog_views import catalog_buttons
from handlers.line_views import percent, progress_line
from handlers.screens import Screen, button, keyboard, quoted
from progress import Progress
from roadmaps import Catalog, Roadmap

CARD_SENT = "📊 Here is your card"


@dataclass(frozen=True, slots=True)
class CardText:
    """What a progress card says, line by line, and the share of its ring filled."""

    share: float  # 0 to 1
    percent: str  # `30%`, in the ring
    done: str  # under it
    title: str
    count: str  # `3 of 10 steps done`
    streak: str | None
    next: str
    footer: str


def share_link(bot_username: str, roadmap: Roadmap) -> str:
    """Telegram's share dialog for a deep link that opens this roadmap in this bot."""
    deep_link = f"https://t.me/{bot_username}?start={roadmap.id}"
    return f"https://t.me/share/url?{urlencode({'url': deep_link, 'text': roadmap.title})}"


def card_caption(roadmap: Roadmap, progress: Progress) -> str:
    """The caption under a progress card."""
    return f"📊 <b>{escape(roadmap.title)}</b> · {progress_line(roadmap, progress)}"


def card_text(roadmap: Roadmap, progress: Progress, streak: int, footer: str) -> CardText:
    """What the progress card of a roadmap says: the share done, the count, the streak, the next step."""
    done, total = progress.done_count(roadmap), len(roadmap.steps)
    next_step = progress.next_step(roadmap)
    return CardText(
        share=done / total if total else 0.0,
        percent=f"{percent(done, total)}%",
        done="done",
        title=roadmap.title,
        count=f"{done} of {total} steps done",
        streak=f"{streak} week{'s' if streak != 1 else ''} in a row" if streak else None,
        next=f"Next: {next_step.title}" if next_step else "Finished: every step done or skipped",
        footer=footer,
    )


def card_footer(bot_name: str, bot_username: str | None) -> str:
    """The line at the bottom of a progress card."""
    return f"{bot_name} · @{bot_username}" if bot_username else bot_name


def render_no_card(catalog: Catalog) -> Screen:
    """/card before any roadmap was started: nothing to draw yet, and where to begin."""
    text = "No progress to show yet: a card shows a roadmap you have started. Pick one and mark a step:"
    return Screen(text, keyboard(catalog_buttons(catalog, {})))


def render_card_choices(wanted: str, started: Sequence[Roadmap]) -> Screen:
    """/card with a name no started roadmap has: the ones it could be."""
    text = f"I have no started roadmap called “{quoted(wanted)}”. Your cards:"
    rows = [[button(f"📊 {roadmap.title}", SendCard(roadmap.id))] for roadmap in started]
    return Screen(text, keyboard([*rows, [button("📚 All roadmaps", ShowCatalog())]]))
