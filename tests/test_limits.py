"""Telegram's limits: new messages to a group are paced, answers to taps are not."""

from __future__ import annotations

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
