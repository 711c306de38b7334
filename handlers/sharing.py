"""Sharing: /card and 📊 My card, a picture of a started roadmap's progress (the share link sits on
the roadmap view)."""

from __future__ import annotations

from telegram import Update

from handlers.actions import SendCard
from handlers.callback_data import decode
from handlers.context import BotContext, Services, chat_id_of
from handlers.replies import CAPTION_AS_HTML, answer, show
from handlers.sharing_views import (
    card_caption,
    card_footer,
    card_sent,
    card_text,
    render_card_choices,
    render_no_card,
)
from i18n.catalogs import is_right_to_left, language
from progress import Progress, started_roadmaps, weekly_streak
from roadmaps import Roadmap

# The buttons this feature answers.
BUTTONS = (SendCard,)


async def progress_card(update: Update, context: BotContext) -> None:
    """/card [roadmap-id]: a picture of a started roadmap's progress (the one in focus by default);
    a name that matches none gets the choices."""
    services = context.services
    progresses = await services.storage.progress.progress_of_chat(chat_id_of(update))
    started = started_roadmaps(services.catalog, progresses)
    if not started:
        await show(update, render_no_card(services.catalog))
        return
    wanted = " ".join(context.args or []).strip().lower()
    found = [(r, p) for r, p in started if not wanted or wanted in (r.id, r.title.lower())]
    if not found:
        await show(update, render_card_choices(wanted, [roadmap for roadmap, _ in started]))
        return
    await send_card(update, context, services, *found[0], progresses)


async def on_share_button(update: Update, context: BotContext) -> None:
    """📊 My card: the picture of that roadmap, if it is started."""
    assert update.callback_query is not None
    action = decode(update.callback_query.data)
    assert isinstance(action, SendCard)
    services = context.services
    progresses = await services.storage.progress.progress_of_chat(chat_id_of(update))
    started = {roadmap.id: (roadmap, progress) for roadmap, progress in started_roadmaps(services.catalog, progresses)}
    if action.roadmap_id not in started:
        await answer(update.callback_query)
        await show(update, render_no_card(services.catalog))
        return
    await answer(update.callback_query, card_sent())
    await send_card(update, context, services, *started[action.roadmap_id], progresses)


async def send_card(
    update: Update,
    context: BotContext,
    services: Services,
    roadmap: Roadmap,
    progress: Progress,
    all_of: list[Progress],
) -> None:
    """Draw the card and send it as a new message."""
    from handlers.card_picture import render_progress_card  # Pillow loads on the first card, not at start

    streak = weekly_streak(all_of, services.clock())
    footer = card_footer(services.bot_name, context.bot.username)
    accent = services.content.branding.accent_rgb
    png = render_progress_card(card_text(roadmap, progress, streak, footer), is_right_to_left(language()), accent)
    assert update.effective_chat is not None
    await update.effective_chat.send_photo(
        png, caption=card_caption(roadmap, progress), filename="progress.png", **CAPTION_AS_HTML
    )
