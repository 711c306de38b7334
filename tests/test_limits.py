"""Telegram's limits: messages paced one at a time, 29 a second; new messages to a group are paced, answers
to taps are not, and are retried after a flood wait or a network failure (not after a refusal)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.limits import TelegramLimits
from bot.settings import MESSAGES_PER_SECOND


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


async def test_messages_go_one_at_a_time_29_a_second_never_in_a_burst() -> None:
    limiter = TelegramLimits()._base_limiter  # aiolimiter's leaky bucket, as AIORateLimiter keeps it
    assert limiter.max_rate == 1, "a bucket of one: no burst"
    assert limiter.max_rate / limiter.time_period == pytest.approx(MESSAGES_PER_SECOND)


async def test_a_group_limit_of_zero_turns_the_group_pacing_off() -> None:
    limits = TelegramLimits(group_messages_per_minute=0)

    async def call() -> bool:
        return True

    await limits.process_request(call, (), {}, "sendMessage", {"chat_id": -100123}, None)
    assert limits._group_limiters == {}


@pytest.mark.logs_errors
async def test_the_default_retries_and_a_request_s_own_are_kept(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[str] = []

    async def flooded(endpoint: str) -> bool:
        attempts.append(endpoint)
        raise RetryAfter(dt.timedelta(0))

    with pytest.raises(RetryAfter):
        await TelegramLimits().process_request(flooded, ("answer",), {}, "answerCallbackQuery", {}, None)
    assert len(attempts) == 4, "the first try and three retries by default"
    attempts.clear()
    with pytest.raises(RetryAfter):
        await TelegramLimits().process_request(flooded, ("send",), {}, "sendMessage", {"chat_id": 5}, 1)
    assert attempts == ["send", "send"], "a request's own count of retries: one"
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "Rate limit hit after maximum of 1 retries"
    ]


async def test_an_answer_waits_out_retry_after_a_tenth_of_a_second_more() -> None:
    loop = asyncio.get_running_loop()
    moments: list[float] = []

    async def flooded(text: str) -> bool:
        moments.append(loop.time())
        if len(moments) < 3:
            raise RetryAfter(dt.timedelta(0))
        return text == "hello"

    limits = TelegramLimits(max_retries=2)
    assert await limits.process_request(flooded, (), {"text": "hello"}, "editMessageText", {}, None) is True
    waits = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert all(wait >= 0.1 for wait in waits), waits
    assert sum(waits) < 0.2 + 1.5, "a tenth of a second each, give or take a loaded machine"


async def test_an_answer_is_retried_after_a_network_failure_and_a_bad_request_is_not() -> None:
    attempts: list[int] = []

    async def flaky() -> bool:
        attempts.append(1)
        if len(attempts) < 3:
            raise NetworkError("connection reset")
        return True

    assert await TelegramLimits(max_retries=2).process_request(flaky, (), {}, "editMessageText", {}, None) is True
    assert len(attempts) == 3
    attempts.clear()

    async def refused() -> bool:
        attempts.append(1)
        raise BadRequest("Message to edit not found")

    with pytest.raises(BadRequest):
        await TelegramLimits(max_retries=2).process_request(refused, (), {}, "editMessageText", {}, None)
    assert len(attempts) == 1, "a refusal is not tried again"
    attempts.clear()

    async def down() -> bool:
        attempts.append(1)
        raise NetworkError("connection refused")

    with pytest.raises(NetworkError):
        await TelegramLimits(max_retries=1).process_request(down, (), {}, "answerCallbackQuery", {}, None)
    assert len(attempts) == 2, "the first try and one retry, then the failure is the caller's"
