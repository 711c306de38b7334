"""The operator's error alerts: a short summary of each failed update for ERROR_CHAT_ID, at most
one a minute, with what identifies it and nothing a person wrote. Operator text, in English."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from telegram import Bot
from telegram.error import TelegramError

from handlers.observe import FailedUpdate
from handlers.replies import AS_HTML

log = logging.getLogger(__name__)


def render_alert(failure: FailedUpdate, held_back: int) -> str:
    """The operator's summary of a failure: what identifies it, nothing a person wrote."""
    more = f"\n(and {held_back} more since the last one)" if held_back else ""
    return (
        f"⚠️ <b>{escape(failure.error)}</b> in {escape(failure.handler)}\n"
        f"update {failure.update_id} ({escape(failure.kind)}) in chat {failure.chat_id}{more}"
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

    async def tell(self, bot: Bot, failure: FailedUpdate) -> None:
        """Send a summary of a failure, unless one went out less than a `gap` ago."""
        now = self.clock()
        if self._last is not None and now - self._last < self.gap:
            self._held_back += 1
            return
        self._last, held_back, self._held_back = now, self._held_back, 0
        try:
            await bot.send_message(self.chat_id, render_alert(failure, held_back), **AS_HTML)
        except TelegramError as error:
            log.warning("could not tell the operator's chat about an error: %r", error)
