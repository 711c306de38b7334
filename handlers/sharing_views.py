"""Sharing: a roadmap's deep link for Telegram's share dialog, and the words around /card. Pure functions."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from handlers.screens import progress_line
from roadmaps import Roadmap
from storage import Progress


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


def render_no_card() -> str:
    """/card before any roadmap was started."""
    return "No progress to show yet: open a roadmap first (/roadmaps)."
