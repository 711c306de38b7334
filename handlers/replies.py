"""Putting a screen in front of the chat: edit in place for buttons, reply for commands."""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from handlers.views import Screen

log = logging.getLogger(__name__)

# Telegram's words for edits that cannot happen, where a fresh message is the answer.
_CANNOT_EDIT = ("message can't be edited", "message to edit not found", "message_id_invalid")


async def show(update: Update, screen: Screen) -> None:
    """Edit the message a tapped button sits on, or send the screen as a new message."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            await query.message.edit_text(screen.text, reply_markup=screen.keyboard)
            return
        except BadRequest as error:
            reason = error.message.lower()
            if "message is not modified" in reason:
                return
            if not any(words in reason for words in _CANNOT_EDIT):
                raise
            log.info("cannot edit message %s, sending a new one: %s", query.message.message_id, error.message)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(screen.text, reply_markup=screen.keyboard)


async def edit(message: Message, screen: Screen) -> None:
    """Change one of our messages in place; an unchanged or uneditable one is left as it is."""
    try:
        await message.edit_text(screen.text, reply_markup=screen.keyboard)
    except BadRequest as error:
        reason = error.message.lower()
        if "message is not modified" not in reason and not any(words in reason for words in _CANNOT_EDIT):
            raise


async def reply(update: Update, text: str) -> None:
    """Answer a message with one line of text."""
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text)


async def answer_and_show(update: Update, query: CallbackQuery, note: str | None, screen: Screen) -> None:
    """Answer a tap and show its screen at once. Both finish before this returns, and only then
    is a failure of either raised: an edit still retrying after the answer failed would otherwise
    land after the chat's next update and leave the card disagreeing with the database."""
    results = await asyncio.gather(answer(query, note), show(update, screen), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def answer(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a callback query (stops the button's spinner); a too-old query is not an error."""
    try:
        await query.answer(text)
    except BadRequest as error:
        if "query is too old" not in error.message.lower() and "query id is invalid" not in error.message.lower():
            raise
        log.info("callback query %s could not be answered: %s", query.id, error.message)
