"""The error handler: log what failed, tell the person in words that are true, keep the bot running.

What a person is told depends on what failed: a database error rolled its transaction back, so
nothing was changed. Telegram's own failures (network, 5xx, flood waits, a chat that blocked the
bot or went away) are weather: logged as warnings in one line, and not followed by an apology
Telegram would not deliver either; the change itself is saved, and the next tap shows it.
Anything else is a bug, logged as an error with its traceback, and the person hears "sorry".
"""

from __future__ import annotations

import json
import logging

from telegram import Update
from telegram.error import TelegramError

from handlers.context import BotContext
from handlers.error_views import NOT_SAVED, SORRY
from handlers.replies import answer, reply
from handlers.telegram_errors import is_weather
from storage import DatabaseError

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log what failed; answer the tap or the message so the person is not left waiting."""
    error = context.error
    chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    if is_weather(error):
        # Telegram could not take an answer (after its retries) or will not: telling the person
        # would fail the same way, or hold the chat's next update up for nothing.
        update_id = update.update_id if isinstance(update, Update) else None
        log.warning("Telegram failed while handling update %s in chat %s: %r", update_id, chat, error)
        return
    described = json.dumps(update.to_dict(), ensure_ascii=False) if isinstance(update, Update) else repr(update)
    log.error("error while handling update %s", described, exc_info=error)
    if not isinstance(update, Update):
        return
    words = NOT_SAVED if isinstance(error, DatabaseError) else SORRY
    try:
        if update.callback_query is not None:
            await answer(update.callback_query, words)
        elif update.effective_message is not None:
            await reply(update, words)
    except TelegramError as failure:
        log.warning("could not tell chat %s about the error: %r", chat, failure)
