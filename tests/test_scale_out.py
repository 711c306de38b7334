"""Many processes at once: each due nudge is claimed and sent exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from sqlalchemy import insert
from telegram import Bot

from bot.nudges import NudgeDispatcher
from roadmaps import Catalog
from storage import Storage
from storage.tables import chat_roadmaps, chats, reminders
from tests.conftest import StorageFactory
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeRequest

# A Friday at 09:00 (the reminders are for Fridays at 9), far enough ahead that no bot process
# running on the real clock in a test ever finds these reminders due by itself.
DUE = dt.datetime(2099, 12, 4, 9, 0, tzinfo=dt.UTC)
CHATS = 2_000


async def load_due_reminders(storage: Storage, count: int) -> None:
    """Bulk-load chats that started the seed roadmap, each with a reminder due by DUE."""
    started = DUE - dt.timedelta(days=7)
    ids = range(1, count + 1)
    async with storage.engine.begin() as connection:
        await connection.execute(insert(chats), [{"id": i, "created_at": started} for i in ids])
        await connection.execute(
            insert(chat_roadmaps),
            [
                {
                    "chat_id": i,
                    "roadmap_id": "backend-engineer-ai-era",
                    "started_at": started,
                    "last_activity_at": started,
                }
                for i in ids
            ],
        )
        await connection.execute(
            insert(reminders),
            [
                {
                    "chat_id": i,
                    "status": "active",
                    "weekday": 4,
                    "hour": 9,
                    "timezone": "UTC",
                    "due_at": DUE - dt.timedelta(seconds=i % 600),
                    "unanswered": 0,
                    "failures": 0,
                }
                for i in ids
            ],
        )


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
