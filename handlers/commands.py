"""Command and message handlers: /start, /roadmaps, /progress, /next, /help, and the rest."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.constants import ChatType

from handlers.reminder_views import (
    render_no_reminder,
    render_remind,
    render_timezones,
    render_unknown_timezone,
    with_new_reminder,
)
from handlers.replies import reply, show
from handlers.services import Context, services_of, write_presence
from handlers.views import (
    progress_line,
    render_catalog,
    render_help,
    render_hint,
    render_progress,
    render_roadmap,
    render_step,
    render_unknown_command,
    render_unknown_roadmap_note,
    render_welcome,
    started_roadmaps,
)
from storage import weekly_streak
from storage.schedule import canonical_timezone


async def start(update: Update, context: Context) -> None:
    """/start: the welcome and the catalog; /start <roadmap-id> (a deep link) opens that roadmap."""
    services, chat_id = services_of(context), _chat_id(update)
    note = None
    if context.args:
        roadmap = services.catalog.get(context.args[0])
        if roadmap is not None:
            opened = await services.storage.open_roadmap(chat_id, roadmap.id, services.clock())
            view = render_roadmap(roadmap, opened.progress, bot_username=context.bot.username)
            await show(update, with_new_reminder(view, opened.new_reminder))
            return
        note = render_unknown_roadmap_note(context.args[0])
    progresses = await services.storage.progress_of_chat(chat_id)
    await show(update, render_welcome(services.catalog, {p.roadmap_id: p for p in progresses}, note))


async def list_roadmaps(update: Update, context: Context) -> None:
    """/roadmaps: every roadmap, started ones with their percentage."""
    services = services_of(context)
    progresses = await services.storage.progress_of_chat(_chat_id(update))
    await show(update, render_catalog(services.catalog, {p.roadmap_id: p for p in progresses}))


async def show_progress(update: Update, context: Context) -> None:
    """/progress: every roadmap this chat started, with its progress line."""
    services = services_of(context)
    progresses = await services.storage.progress_of_chat(_chat_id(update))
    await show(update, render_progress(services.catalog, progresses, services.clock()))


async def show_next_step(update: Update, context: Context) -> None:
    """/next: the card of the next unfinished step of the roadmap used last."""
    services = services_of(context)
    progresses = await services.storage.progress_of_chat(_chat_id(update), with_notes=True)
    started = started_roadmaps(services.catalog, progresses)  # roadmaps taken out of the catalog are passed over
    if not started:
        await show(update, render_catalog(services.catalog, {}, note="You have not started a roadmap yet. Pick one:"))
        return
    roadmap, progress = started[0]
    step = progress.next_step(roadmap)
    view = render_roadmap(roadmap, progress, bot_username=context.bot.username)
    await show(update, render_step(roadmap, step, progress) if step else view)


async def remind(update: Update, context: Context) -> None:
    """/remind: the weekly reminder's schedule, with buttons to change or pause it."""
    services, chat_id = services_of(context), _chat_id(update)
    await write_presence(services, chat_id)
    reminder = await services.storage.reminder_of(chat_id)
    await show(update, render_remind(reminder) if reminder else render_no_reminder())


async def set_timezone(update: Update, context: Context) -> None:
    """/timezone <IANA name>: reminders follow that zone; without a name, the offset buttons."""
    services, chat_id = services_of(context), _chat_id(update)
    await write_presence(services, chat_id)
    reminder = await services.storage.reminder_of(chat_id)
    if reminder is None:
        await show(update, render_no_reminder())
        return
    if not context.args:
        await show(update, render_timezones(reminder))
        return
    name = " ".join(context.args)
    zone = canonical_timezone(name)
    if zone is None:
        await reply(update, render_unknown_timezone(name))
        return
    reminder = await services.storage.change_reminder(chat_id, services.clock(), timezone=zone)
    await show(update, render_remind(reminder) if reminder else render_no_reminder())


async def progress_card(update: Update, context: Context) -> None:
    """/card [roadmap-id]: a picture of a roadmap's progress (the one used last by default)."""
    chat = update.effective_chat
    assert chat is not None
    services = services_of(context)
    progresses = await services.storage.progress_of_chat(chat.id)
    wanted = context.args[0] if context.args else None
    for roadmap, progress in started_roadmaps(services.catalog, progresses):
        if wanted in (None, roadmap.id):
            streak = weekly_streak(progresses, services.clock())
            footer = f"Roadmap bot · @{context.bot.username}"
            from handlers.card_view import render_progress_card  # Pillow loads on the first /card, not at start

            png = render_progress_card(roadmap, progress, streak, footer)
            caption = f"📊 <b>{escape(roadmap.title)}</b> · {progress_line(roadmap, progress)}"
            await chat.send_photo(png, caption=caption, filename="progress.png")
            return
    await reply(update, "No progress to show yet: open a roadmap first (/roadmaps).")


async def show_help(update: Update, context: Context) -> None:
    """/help: what the bot does and its commands."""
    await show(update, render_help())


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have: a one-line pointer to /help (in groups, only if addressed to us)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    command = message.text.split(maxsplit=1)[0]
    name, _, addressee = command.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # another bot's command
    if chat.type != ChatType.PRIVATE and not addressee:
        return  # in a group, an unaddressed command may be for another bot
    await reply(update, render_unknown_command(name))


async def plain_text(update: Update, context: Context) -> None:
    """Anything but a command in a private chat (text, a sticker, a photo): a one-line hint."""
    await reply(update, render_hint())


def _chat_id(update: Update) -> int:
    """The chat an update belongs to; progress is the chat's, never the sender's."""
    assert update.effective_chat is not None  # command handlers only see chat messages
    return update.effective_chat.id
