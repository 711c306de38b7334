"""The guide: /help, and the answers to what the bot does not understand (text, commands, stale buttons)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from handlers.context import BotContext
from handlers.guide_views import only_in_its_chat, out_of_date, render_help, render_hint, render_unknown_command
from handlers.replies import answer, reply, show


async def show_help(update: Update, context: BotContext) -> None:
    """/help: what the bot does and its commands."""
    await show(update, render_help(context.services.bot_name))


async def unknown_command(update: Update, context: BotContext) -> None:
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


async def plain_text(update: Update, context: BotContext) -> None:
    """Anything but a command in a private chat (text, a sticker, a photo): a one-line hint."""
    await reply(update, render_hint())


async def on_stale_button(update: Update, context: BotContext) -> None:
    """A button no feature answers (forged, or from an older version): a polite answer, nothing changed."""
    assert update.callback_query is not None
    text = out_of_date() if update.effective_chat is not None else only_in_its_chat()
    await answer(update.callback_query, text)
