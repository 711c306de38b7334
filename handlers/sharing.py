"""Sharing: /card, a picture of a roadmap's progress (the share link sits on the roadmap view)."""

from __future__ import annotations

from telegram import Update

from handlers.context import BotContext, chat_id_of
from handlers.replies import reply
from handlers.sharing_views import card_caption, card_footer, render_no_card
from storage import started_roadmaps, weekly_streak


async def progress_card(update: Update, context: BotContext) -> None:
    """/card [roadmap-id]: a picture of a roadmap's progress (the one used last by default)."""
    services = context.services
    progresses = await services.storage.progress.progress_of_chat(chat_id_of(update))
    wanted = context.args[0] if context.args else None
    for roadmap, progress in started_roadmaps(services.catalog, progresses):
        if wanted in (None, roadmap.id):
            from handlers.card_picture import render_progress_card  # Pillow loads on the first /card, not at start

            streak = weekly_streak(progresses, services.clock())
            png = render_progress_card(roadmap, progress, streak, card_footer(context.bot.username))
            assert update.effective_chat is not None
            await update.effective_chat.send_photo(
                png, caption=card_caption(roadmap, progress), filename="progress.png"
            )
            return
    await reply(update, render_no_card())
