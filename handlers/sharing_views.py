"""Sharing: a roadmap's deep link for Telegram's share dialog, and the words around a progress
card. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import urlencode

from handlers.actions import SendCard, ShowCatalog
from handlers.catalog_views import catalog_buttons
from handlers.screens import Screen, button, keyboard, progress_line, quoted
from progress import Progress
from roadmaps import Catalog, Roadmap

CARD_SENT = "📊 Here is your card"


def share_link(bot_username: str, roadmap: Roadmap) -> str:
    """Telegram's share dialog for a deep link that opens this roadmap in this bot."""
    deep_link = f"https://t.me/{bot_username}?start={roadmap.id}"
    return f"https://t.me/share/url?{urlencode({'url': deep_link, 'text': roadmap.title})}"


def card_caption(roadmap: Roadmap, progress: Progress) -> str:
    """The caption under a progress card."""
    return f"📊 <b>{escape(roadmap.title)}</b> · {progress_line(roadmap, progress)}"


def card_footer(bot_username: str | None) -> str:
    """The line at the bottom of a progress card."""
    return f"Roadmap bot · @{bot_username}"


def render_no_card(catalog: Catalog) -> Screen:
    """/card before any roadmap was started: nothing to draw yet, and where to begin."""
    text = "No progress to show yet: a card shows a roadmap you have started. Pick one and mark a step:"
    return Screen(text, keyboard(catalog_buttons(catalog, {})))


def render_card_choices(wanted: str, started: Sequence[Roadmap]) -> Screen:
    """/card with a name no started roadmap has: the ones it could be."""
    text = f"I have no started roadmap called “{quoted(wanted)}”. Your cards:"
    rows = [[button(f"📊 {roadmap.title}", SendCard(roadmap.id))] for roadmap in started]
    return Screen(text, keyboard([*rows, [button("📚 All roadmaps", ShowCatalog())]]))
