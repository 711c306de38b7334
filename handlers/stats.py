"""The operator's numbers in the chat: /stats for the chats of OPERATOR_CHAT_IDS (the week's summary
and the chart as a picture, drawn off the event loop), the weekly digest's button and its
sending; anyone else gets the answer to a command the bot does not have."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Bot, Update

from handlers import guide
from handlers.actions import ToggleDigest
from handlers.context import BotContext, Services
from handlers.replies import AS_HTML, answer_tap, show
from handlers.stats_chart import render_chart
from handlers.stats_views import (
    busiest_roadmap,
    chart_words,
    digest_toggled,
    render_stats_screen,
    state_name,
)
from progress.stats import ChatState, StatsCounts, next_digest
from storage.stats_sql import Period

# The buttons this feature answers (operators only).
BUTTONS = (ToggleDigest,)
LOOK_BACK = dt.timedelta(weeks=8)  # the period /stats and the digest count over


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats: for an operator's chat, the week's summary and the chart; for anyone else, nothing new."""
    chat, services = update.effective_chat, context.services
    if chat is None or chat.id not in services.operators:
        await guide.unknown_command(update, context)
        return
    counts = await count_now(services)
    digest = await services.storage.digests.wants_digest(chat.id)
    await show(update, render_stats_screen(counts, services.catalog, digest))
    await chat.send_photo(await chart_of(counts, services), filename="stats.png")


async def on_stats_button(update: Update, context: BotContext) -> None:
    """The weekly digest's button: on, or off."""
    chat, services = update.effective_chat, context.services
    if chat is None or chat.id not in services.operators:
        await guide.on_stale_button(update, context)
        return
    now = services.clock()
    wanted = not await services.storage.digests.wants_digest(chat.id)
    await services.storage.digests.ask_digest(chat.id, wanted, next_digest(now))
    counts = await count_now(services)
    await answer_tap(update, render_stats_screen(counts, services.catalog, wanted), digest_toggled(wanted))


async def count_now(services: Services) -> StatsCounts:
    """The counts of the eight weeks up to now, the operators' chats left out."""
    now = services.clock()
    return await services.storage.stats.count(services.content, Period(now - LOOK_BACK, now), services.operators)


async def chart_of(counts: StatsCounts, services: Services) -> bytes:
    """The chart as PNG, drawn in a thread: a tap elsewhere does not wait for it."""
    roadmap = busiest_roadmap(counts, services.catalog)
    names = {state: state_name(state) for state in ChatState}
    return await asyncio.to_thread(render_chart, counts, roadmap, chart_words(roadmap), names)


async def send_due_digests(bot: Bot, services: Services) -> int:
    """Send the weekly digest to every operator's chat it is due in (claimed first, so once); how many."""
    now = services.clock()
    due = await services.storage.digests.claim_due_digests(now, next_digest(now))
    due = [chat_id for chat_id in due if chat_id in services.operators]
    if not due:
        return 0
    counts = await count_now(services)
    chart = await chart_of(counts, services)
    for chat_id in due:
        screen = render_stats_screen(counts, services.catalog, True)
        await bot.send_message(chat_id, screen.text, reply_markup=screen.keyboard, **AS_HTML)
        await bot.send_photo(chat_id, chart, filename="stats.png")
    return len(due)
