"""Telegram's flood limits, applied by python-telegram-bot's AIORateLimiter."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

from bot.settings import MESSAGES_PER_SECOND

# Calls that send no new message, and are safe to repeat: answers to a tap change a message the
# person is looking at; asking whether the sender is a group's admin (before a reset or a forget)
# sends nothing at all.
_NOT_MESSAGES = ("editMessageText", "editMessageReplyMarkup", "answerCallbackQuery", "getChatMember")


class TelegramLimits(AIORateLimiter):
    """AIORateLimiter (about 30 messages a second overall, 20 a minute per group, RetryAfter
    waited out and retried), with messages spaced evenly and answers to taps not paced.

    AIORateLimiter's default bucket lets 30 messages out at once and then 30 a second, which
    is 60 in the first second: against a strict 30 a second that costs a 429 and a pause for
    every message in flight. One message every 1/29 s never bursts.

    Telegram's 20-a-minute group limit is on new messages; held to it, a group walking through
    steps would see every card after the twentieth in a minute arrive three seconds late.
    Answers to taps still wait out a RetryAfter and retry, as everything else does, retry
    network failures as well, and skip the limiter's machinery, which cost as much as a
    database write per tap.
    """

    # Seconds before an answer to a tap is sent again after a network failure.
    RETRY_PAUSE = 0.25

    def __init__(
        self,
        messages_per_second: float = MESSAGES_PER_SECOND,
        max_retries: int = 3,
        group_messages_per_minute: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
    ) -> None:
        """Pacing as Telegram asks; a group limit of 0 turns the per-group pacing off."""
        super().__init__(
            overall_max_rate=1,
            overall_time_period=1 / messages_per_second,
            group_max_rate=group_messages_per_minute,
            max_retries=max_retries,
        )

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in _NOT_MESSAGES:
            return await self._retrying(callback, args, kwargs, rate_limit_args or self._max_retries)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

    async def _retrying(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        retries: int,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Call at once; on RetryAfter wait as told and call again, `retries` times at most.

        A network failure (a timeout, a refused connection, a 5xx) is retried too, after a short
        pause: these calls are safe to repeat. An edit Telegram already made comes back as "not
        modified", an answer it already took as "query is too old", and both are handled as done.
        """
        for _ in range(retries):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                # As AIORateLimiter does: the public retry_after warns while PTB moves to timedelta.
                await asyncio.sleep(error._retry_after.total_seconds() + 0.1)
            except NetworkError as error:
                if isinstance(error, BadRequest):
                    raise
                await asyncio.sleep(self.RETRY_PAUSE)
        return await callback(*args, **kwargs)  # the last try: whatever it raises is the caller's
