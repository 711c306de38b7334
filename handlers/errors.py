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

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Bot, Update
from telegram.error import TelegramError

from handlers.context import BotContext
from handlers.error_views import NOT_SAVED, SORRY, render_alert
from handlers.observe import HANDLED_BY, update_kind
from handlers.replies import answer, reply
from handlers.telegram_errors import is_weather
from storage import DatabaseError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Failure:
    """What identifies a failed update, and nothing that a person wrote."""

    update_id: int | None
    chat_id: int | None
    kind: str
    handler: str
    error: str  # the exception's type, not its message (which may carry values)


def failure_of(update: object, error: BaseException | None) -> Failure:
    """The facts of a failed update."""
    handled_by = HANDLED_BY.get()
    return Failure(
        update_id=update.update_id if isinstance(update, Update) else None,
        chat_id=update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None,
        kind=update_kind(update),
        handler=handled_by[-1] if handled_by else "none",
        error=type(error).__name__,
    )


@dataclass
class OperatorAlerts:
    """Short error summaries for the operator's chat, at most one a `gap`; the rest are counted
    and said with the next."""

    chat_id: int
    clock: Callable[[], dt.datetime]
    gap: dt.timedelta = dt.timedelta(minutes=1)
    _last: dt.datetime | None = None
    _held_back: int = field(default=0)

    async def tell(self, bot: Bot, failure: Failure) -> None:
        """Send a summary of a failure, unless one went out less than a `gap` ago."""
        now = self.clock()
        if self._last is not None and now - self._last < self.gap:
            self._held_back += 1
            return
        self._last, held_back, self._held_back = now, self._held_back, 0
        try:
            await bot.send_message(self.chat_id, render_alert(failure, held_back))
        except TelegramError as error:
            log.warning("could not tell the operator's chat about an error: %r", error)


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
        await apologise(update, NOT_SAVED if isinstance(error, DatabaseError) else SORRY)


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
