"""Many processes at once: each due nudge is claimed and sent exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

from telegram import Bot

from bot.nudges import NudgeDispatcher
from roadmaps import Catalog
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeRequest
from tests.support import DUE, StorageFactory, load_due_reminders

CHATS = 2_000


async def test_three_dispatchers_at_once_send_each_of_2000_due_nudges_exactly_once(
    make_storage: StorageFactory, catalog: Catalog
) -> None:
    api = FakeBotAPI()
    await load_due_reminders(make_storage(), CHATS)
    bots = [Bot(TOKEN, request=FakeRequest(api)) for _ in range(3)]
    for bot in bots:
        await bot.initialize()
    dispatchers = [NudgeDispatcher(bot, catalog, make_storage(), batch=50) for bot in bots]

    reports = await asyncio.gather(*(d.run_pass(DUE) for d in dispatchers))

    sends = Counter(c.params["chat_id"] for c in api.calls_of("sendMessage") if c.ok)
    assert sum(sends.values()) == CHATS
    assert set(sends) == set(range(1, CHATS + 1))
    assert max(sends.values()) == 1, "no chat got two"
    assert sum(r.counts["sent"] for r in reports) == CHATS
    assert all(r.counts["sent"] > 0 for r in reports), "all three took part"
    assert await make_storage().reminders.due_reminders(DUE, 10) == []
    for bot in bots:
        await bot.shutdown()
