"""The error handler: log what failed, tell the person in words that are true, keep the bot running.

What a person is told depends on what failed: a database error rolled its transaction back, so
nothing was changed. Telegram's own failures (network, 5xx, flood waits, a chat that blocked the
bot or went away) are weather: logged as warnings in one line, and not followed by an apology
Telegram would not deliver either; the change itself is saved, and the next tap shows it.
Anything else is a bug, logged as an error with its traceback, and the person hears "sorry".

What is logged about an update is what identifies it (its id, its chat's id, its kind, the
handler), never what people wrote or who they are: no names, usernames, texts, notes or file
names. The operator's chat (ERROR_CHAT_ID) gets the same facts, at most once a minute.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from handlers.context import BotContext
from handlers.error_views import not_saved, sorry
from handlers.observe import failure_of
from handlers.replies import answer, reply
from handlers.telegram_errors import is_weather
from storage import DatabaseError

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log what failed; answer the tap or the message so the person is not left waiting."""
    error, failure = context.error, failure_of(update, context.error)
    if is_weather(error):
        # Telegram could not take an answer (after its retries) or will not: telling the person
        # would fail the same way, or hold the chat's next update up for nothing.
        log.warning(
            "Telegram failed while handling update %s (%s, %s) in chat %s: %r",
            failure.update_id, failure.kind, failure.handler, failure.chat_id, error,
        )  # fmt: skip
        return
    log.error(
        "%s in %s while handling update %s (%s) in chat %s",
        failure.error, failure.handler, failure.update_id, failure.kind, failure.chat_id,
        exc_info=error,
    )  # fmt: skip
    if context.services.alerts is not None:
        await context.services.alerts.tell(context.bot, failure)
    if isinstance(update, Update):
        await apologise(update, not_saved() if isinstance(error, DatabaseError) else sorry())


async def apologise(update: Update, words: str) -> None:
    """Say what happened where the person is looking: on the tapped button, or in the chat."""
    try:
        if update.callback_query is not None:
            await answer(update.callback_query, words)
        elif update.effective_message is not None:
            await reply(update, words)
    except TelegramError as failure:
        chat = update.effective_chat.id if update.effective_chat else None
        log.warning("could not tell chat %s about the error: %r", chat, failure)
