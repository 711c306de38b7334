"""The update processor on its own (bot/updates.py): a chat waiting its turn holds no slot, one
chat's updates run in order, nothing is kept once a chat's updates are done (however they end),
an update cancelled before its turn is closed unrun, and each update handled is logged with its
ids, its handler and its time, and counted."""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import time
from collections.abc import Awaitable
from typing import Any

import pytest
from prometheus_client import REGISTRY
from telegram import Bot, Update

from bot.application import RoadmapBot
from bot.logs import UpdateContext
from bot.updates import PerChatUpdateProcessor
from tests.fakebotapi import TOKEN, FakeBotAPI
from tests.support import ChatSession, find_button, handle

SEED = "backend-engineer-ai-era"


def tap(api: FakeBotAPI, chat_id: int) -> Update:
    """A button tap in a chat, as python-telegram-bot hands it to the processor."""
    message = api.seed_message(chat_id, "the roadmap")
    return Update.de_json(api.callback_update(chat_id, f"r:{SEED}:1", message_id=message.message_id), Bot(TOKEN))


class Gate:
    """An update's work that starts, notes that it has, and waits to be let through."""

    def __init__(self, name: str, started: list[str]) -> None:
        self.name, self.started, self.open = name, started, asyncio.Event()
        self.running = asyncio.Event()

    async def work(self) -> None:
        self.started.append(self.name)
        self.running.set()
        await self.open.wait()


async def test_a_chat_waiting_its_turn_holds_no_slot_and_its_updates_run_in_order(api: FakeBotAPI) -> None:
    processor, started = PerChatUpdateProcessor(2), []
    first, second, third, other = (Gate(name, started) for name in ("1a", "1b", "1c", "2a"))
    runs = [
        asyncio.create_task(processor.process_update(tap(api, chat_id), gate.work()))
        for chat_id, gate in ((1, first), (1, second), (1, third), (2, other))
    ]
    await asyncio.wait_for(other.running.wait(), 5)  # two slots: chat 1's first and chat 2's
    assert started == ["1a", "2a"], "chat 1's later updates wait their turn without taking a slot"
    assert processor.current_concurrent_updates == 2
    first.open.set()
    await asyncio.wait_for(second.running.wait(), 5)
    assert started == ["1a", "2a", "1b"]
    for gate in (second, third, other):
        gate.open.set()
    await asyncio.wait_for(asyncio.gather(*runs), 5)
    assert started == ["1a", "2a", "1b", "1c"]
    assert processor._locks == {} and processor._in_flight == {}, "nothing kept once every update is done"


async def test_nothing_is_kept_of_a_chat_whose_updates_failed_or_were_cancelled(api: FakeBotAPI) -> None:
    processor, started = PerChatUpdateProcessor(1), []
    blocker = Gate("blocker", started)

    async def fails() -> None:
        raise ValueError("a handler's bug")

    running = asyncio.create_task(processor.process_update(tap(api, 3), blocker.work()))
    await asyncio.wait_for(blocker.running.wait(), 5)
    waiting_for_a_slot = Gate("never", started).work()
    waiting_for_its_chat = Gate("never either", started).work()
    cancelled = [
        asyncio.create_task(processor.process_update(tap(api, 4), waiting_for_a_slot)),
        asyncio.create_task(processor.process_update(tap(api, 3), waiting_for_its_chat)),
    ]
    await asyncio.sleep(0)  # both reach their wait: a slot for chat 4, chat 3's turn
    assert set(processor._in_flight) == {3, 4} and processor._in_flight[3] == 2
    for task in cancelled:
        task.cancel()
    for task in cancelled:
        with pytest.raises(asyncio.CancelledError):
            await task
    for coroutine in (waiting_for_a_slot, waiting_for_its_chat):
        assert inspect.getcoroutinestate(coroutine) == inspect.CORO_CLOSED, "closed unrun, not left to warn"
    blocker.open.set()
    await asyncio.wait_for(running, 5)
    with pytest.raises(ValueError, match="a handler's bug"):
        await processor.process_update(tap(api, 3), fails())
    assert started == ["blocker"]
    assert processor._locks == {} and processor._in_flight == {}


async def test_an_update_that_is_not_a_telegram_update_runs_without_a_chat() -> None:
    processor, ran = PerChatUpdateProcessor(2), []

    async def work() -> None:
        ran.append("custom")

    await processor.process_update({"a": "custom update"}, work())
    assert ran == ["custom"] and processor._locks == {}


async def test_an_update_of_an_id_outside_telegrams_range_is_turned_away_unrun(
    api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    processor, ran = PerChatUpdateProcessor(2), []

    async def work() -> None:
        ran.append("ran")

    for chat_id in (2**53, -(2**53)):  # one past the range, each side
        coroutine: Awaitable[Any] = work()
        update = tap(api, chat_id)
        with caplog.at_level(logging.WARNING, logger="bot.updates"):
            await processor.process_update(update, coroutine)
        assert inspect.getcoroutinestate(coroutine) == inspect.CORO_CLOSED  # type: ignore[arg-type]
        assert f"turned away update {update.update_id}: its chat or user id is outside Telegram's range" in caplog.text
    await processor.process_update(tap(api, 2**53 - 1), work())  # the range's own ends are Telegram's
    await processor.process_update(tap(api, -(2**53 - 1)), work())
    assert ran == ["ran", "ran"]


async def test_each_update_handled_is_logged_with_its_ids_handler_and_time_and_counted(
    app: RoadmapBot, api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    chat = ChatSession(app, api, 61)
    await chat.send(f"/start {SEED}")
    handled = REGISTRY.get_sample_value("roadmap_bot_updates_total", {"type": "callback_query"}) or 0.0
    timed = REGISTRY.get_sample_value("roadmap_bot_handler_seconds_count", {"handler": "on_roadmap_button"}) or 0.0
    caplog.handler.addFilter(UpdateContext())
    update = api.callback_update(61, find_button(chat.last, "1.")["callback_data"])
    with caplog.at_level(logging.INFO, logger="bot.updates"):
        began = time.perf_counter()
        await handle(app, update)
        elapsed_ms = (time.perf_counter() - began) * 1000
    (record,) = [r for r in caplog.records if r.name == "bot.updates"]
    update_id = update["update_id"]
    said = re.fullmatch(r"callback_query handled by on_roadmap_button in (\d+\.\d) ms", record.getMessage())
    assert said is not None, record.getMessage()
    assert record.handler == "on_roadmap_button"  # type: ignore[attr-defined]
    assert (record.update_id, record.chat_id) == (update_id, 61)  # type: ignore[attr-defined]
    assert 0 < record.latency_ms <= elapsed_ms  # type: ignore[attr-defined]
    assert float(said.group(1)) == pytest.approx(record.latency_ms, abs=0.051)  # type: ignore[attr-defined]
    assert REGISTRY.get_sample_value("roadmap_bot_updates_total", {"type": "callback_query"}) == handled + 1
    assert REGISTRY.get_sample_value("roadmap_bot_handler_seconds_count", {"handler": "on_roadmap_button"}) == timed + 1
