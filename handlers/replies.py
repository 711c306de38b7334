"""Putting a screen in front of the chat: edit in place for buttons, reply for commands."""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from handlers.screens import Screen
from handlers.telegram_errors import Failure, classify

log = logging.getLogger(__name__)


async def show(update: Update, screen: Screen) -> None:
    """Edit the message a tapped button sits on, or send the screen as a new message."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message) and screen.edits_in_place:
        try:
            await query.message.edit_text(screen.text, reply_markup=screen.keyboard)  # type: ignore[arg-type]
            return
        except BadRequest as error:
            failure = classify(error)
            if failure is Failure.NOT_MODIFIED:
                return
            if failure is not Failure.CANNOT_EDIT:
                raise
            log.info("cannot edit message %s, sending a new one: %s", query.message.message_id, error.message)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(screen.text, reply_markup=screen.keyboard)


async def edit(message: Message, screen: Screen) -> None:
    """Change one of our messages in place; an unchanged or uneditable one is left as it is."""
    assert screen.edits_in_place, "a keyboard under the input field comes with a new message"
    try:
        await message.edit_text(screen.text, reply_markup=screen.keyboard)  # type: ignore[arg-type]
    except BadRequest as error:
        if classify(error) not in (Failure.NOT_MODIFIED, Failure.CANNOT_EDIT):
            raise


async def edit_buttons(update: Update, markup: InlineKeyboardMarkup) -> None:
    """Change only the buttons of the message a tapped button sits on (its text stays as sent)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_reply_markup(markup)
    except BadRequest as error:
        if classify(error) not in (Failure.NOT_MODIFIED, Failure.CANNOT_EDIT):
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


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a callback query (stops the button's spinner; `alert`: the text as a pop-up to
    dismiss); a too-old query is not an error."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        if classify(error) is not Failure.QUERY_TOO_OLD:
            raise
        log.info("callback query %s could not be answered: %s", query.id, error.message)


async def answer_tap(update: Update, screen: Screen | None, note: str | None) -> None:
    """Finish a tap: show its screen in place (if it has one) and answer it with the note."""
    query = update.callback_query
    assert query is not None, "only taps are answered"
    if screen is None:
        await answer(query, note)
    else:
        await answer_and_show(update, query, note, screen)
