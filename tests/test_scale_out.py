"""Many processes at once: each due nudge is claimed and sent exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from telegram import Bot

from bot.nudges import NudgeDispatcher
from roadmaps import Catalog
from storage import Storage
from tests.conftest import StorageFactory
from tests.databases import bulk_load
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeRequest

# A Friday at 09:00 (the reminders are for Fridays at 9), far enough ahead that no bot process
# running on the real clock in a test ever finds these reminders due by itself.
DUE = dt.datetime(2099, 12, 4, 9, 0, tzinfo=dt.UTC)
CHATS = 2_000


async def load_due_reminders(storage: Storage, count: int) -> None:
    """Bulk-load chats that started the seed roadmap, each with a reminder due in the ten minutes up to DUE."""
    await bulk_load(storage, count, DUE - dt.timedelta(minutes=10), dt.timedelta(minutes=10))


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
    assert await make_storage().due_reminders(DUE, 10) == []
    for bot in bots:
        await bot.shutdown()
