"""Sharing: a roadmap's deep link for Telegram's share dialog, and the words around a progress
card (the picture's too). Pure functions, in the language being spoken."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from handlers.actions import SendCard, ShowCatalog
from handlers.catalog_views import catalog_buttons
from handlers.line_views import percent, progress_line, separated, weeks_in_a_row
from handlers.screens import Screen, button, keyboard, quoted
from i18n.catalogs import _, ngettext
from i18n.formats import count
from i18n.formats import percent as percent_shown
from i18n.shared_views import done_of_total
from progress import Progress, streak_shown
from roadmaps import Catalog, Roadmap


def card_sent() -> str:
    """The toast of 📊 My card."""
    # Translators: a toast (plain text, short) when the progress card's picture is on its way.
    return _("📊 Here is your card")


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
    completed: bool = False  # every step done: the card looks like an achievement


@functools.lru_cache(maxsize=1024)  # the same link on every view of a roadmap
def share_link(bot_username: str, roadmap_id: str, title: str) -> str:
    """Telegram's share dialog for a deep link that opens a roadmap (its id and title) in this bot."""
    deep_link = f"https://t.me/{bot_username}?start={roadmap_id}"
    return f"https://t.me/share/url?{urlencode({'url': deep_link, 'text': title})}"


def card_caption(roadmap: Roadmap, progress: Progress) -> str:
    """The caption under a progress card."""
    return "📊 " + separated(f"<b>{escape(roadmap.title)}</b>", progress_line(roadmap, progress))


def card_text(roadmap: Roadmap, progress: Progress, streak: int, footer: str) -> CardText:
    """What the progress card of a roadmap says: the share done, the count, the streak, the next step."""
    done, total = progress.done_count(roadmap), len(roadmap.steps)
    return CardText(
        share=done / total if total else 0.0,
        percent=percent_shown(percent(done, total)),
        # Translators: on the progress card's picture, under the percentage in its ring: one short word.
        done=_("done"),
        title=roadmap.title,
        count=done_of_total(done, total),
        streak=weeks_in_a_row(streak) if streak_shown(streak) else None,
        next=card_next(roadmap, progress),
        footer=footer,
        completed=progress.is_completed(roadmap),
    )


def card_next(roadmap: Roadmap, progress: Progress) -> str:
    """The card's last line: the next step, or how the roadmap ended (completed, or covered with
    some steps skipped)."""
    if (next_step := progress.next_step(roadmap)) is not None:
        # Translators: the next step of a roadmap; %(step)s is its title.
        return _("Next: %(step)s") % {"step": next_step.title}
    if progress.is_completed(roadmap):
        # Translators: on the progress card's picture of a roadmap whose every step is done.
        return _("Completed: every step done")
    # Translators: on the progress card's picture: every step done or skipped, %(skipped)s skipped.
    words = ngettext(
        "Every step covered: %(skipped)s skipped",
        "Every step covered: %(skipped)s skipped",
        progress.skipped_count(roadmap),
    )
    return words % {"skipped": count(progress.skipped_count(roadmap))}


def card_footer(bot_name: str, bot_username: str | None) -> str:
    """The line at the bottom of a progress card."""
    return f"{bot_name} · @{bot_username}" if bot_username else bot_name


def render_no_card(catalog: Catalog) -> Screen:
    """/card before any roadmap was started: nothing to draw yet, and where to begin."""
    # Translators: /card before any roadmap was started, above the buttons of every roadmap.
    text = _("No progress to show yet: a card shows a roadmap you have started. Pick one and mark a step:")
    return Screen(text, keyboard(catalog_buttons(catalog, {})))


def render_card_choices(wanted: str, started: Sequence[Roadmap]) -> Screen:
    """/card with a name no started roadmap has: the ones it could be."""
    # Translators: /card with a name; %(name)s is what was typed; the buttons of the started roadmaps follow.
    text = _("I have no started roadmap called “%(name)s”. Your cards:") % {"name": quoted(wanted)}
    rows = [[button(f"📊 {roadmap.title}", SendCard(roadmap.id))] for roadmap in started]
    # Translators: a button to the list of roadmaps; keep it short.
    return Screen(text, keyboard([*rows, [button(_("📚 All roadmaps"), ShowCatalog())]]))
