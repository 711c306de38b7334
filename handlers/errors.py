"""The error handler: log the update and traceback, tell the person, keep the bot running."""

from __future__ import annotations

import json
import logging

from telegram import Update
from telegram.error import TelegramError

from handlers.replies import answer, reply
from handlers.services import Context

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again."


async def on_error(update: object, context: Context) -> None:
    """Log what failed; answer the tap or the message so the person is not left waiting."""
    described = json.dumps(update.to_dict(), ensure_ascii=False) if isinstance(update, Update) else repr(update)
    log.error("error while handling update %s", described, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await answer(update.callback_query, SORRY)
        elif update.effective_message is not None:
            await reply(update, SORRY)
    except TelegramError as error:
        log.warning("could not tell the chat about the error: %s", error)
