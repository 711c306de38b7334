"""Telegram's limits: new messages to a group are paced, answers to taps are not."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram.error import RetryAfter

from bot.limits import TelegramLimits


async def test_edits_in_a_group_skip_the_group_pacing_and_new_messages_do_not() -> None:
    limits = TelegramLimits(max_retries=1)
    calls: list[str] = []

    async def call(endpoint: str) -> bool:
        calls.append(endpoint)
        return True

    for endpoint in ("editMessageText", "answerCallbackQuery", "editMessageReplyMarkup"):
        await limits.process_request(call, (endpoint,), {}, endpoint, {"chat_id": -100123}, None)
    assert limits._group_limiters == {}  # no group was charged for answers to taps
    await limits.process_request(call, ("sendMessage",), {}, "sendMessage", {"chat_id": -100123}, None)
    assert list(limits._group_limiters) == [-100123]
    assert calls == ["editMessageText", "answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"]


async def test_an_answer_to_a_tap_waits_out_retry_after_and_tries_again() -> None:
    limits = TelegramLimits(max_retries=2)
    attempts: list[int] = []

    async def flooded() -> bool:
        attempts.append(1)
        if len(attempts) < 3:
            raise RetryAfter(dt.timedelta(0))
        return True

    assert await limits.process_request(flooded, (), {}, "editMessageText", {"chat_id": 5}, None) is True
    assert len(attempts) == 3
    attempts.clear()

    async def always_flooded() -> bool:
        attempts.append(1)
        raise RetryAfter(dt.timedelta(0))

    with pytest.raises(RetryAfter):
        await limits.process_request(always_flooded, (), {}, "answerCallbackQuery", {}, None)
    assert len(attempts) == 3, "the first try and two retries"
