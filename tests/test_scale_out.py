"""Many processes at once: each due nudge is claimed and sent exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

from telegram import Bot
from telegram.request import RequestData

from bot.nudges import NudgeDispatcher
from roadmaps import Catalog
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeRequest
from tests.support import DUE, StorageFactory, load_due_reminders

CHATS = 2_000
BATCH = 50


class HeldSends(FakeRequest):
    """Holds every sendMessage until `needed` of them have begun, across all the bots sharing it.

    A dispatcher has at most one batch in flight, so `needed` = 3 batches can only begin once
    all three dispatchers have claimed one: that they all take part is made certain, not hoped for.
    """

    def __init__(self, api: FakeBotAPI, needed: int, opened: asyncio.Event, begun: list[int]) -> None:
        super().__init__(api)
        self.needed, self.opened, self.begun = needed, opened, begun

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: object, **kwargs: object
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage") and not self.opened.is_set():
            self.begun.append(1)
            if len(self.begun) >= self.needed:
                self.opened.set()
            await self.opened.wait()
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_three_dispatchers_at_once_send_each_of_2000_due_nudges_exactly_once(
    make_storage: StorageFactory, catalog: Catalog
) -> None:
    api = FakeBotAPI()
    await load_due_reminders(make_storage(), CHATS)
    opened, begun = asyncio.Event(), list[int]()
    bots = [Bot(TOKEN, request=HeldSends(api, 3 * BATCH, opened, begun)) for _ in range(3)]
    for bot in bots:
        await bot.initialize()
    dispatchers = [NudgeDispatcher(bot, catalog, make_storage(), batch=BATCH) for bot in bots]

    reports = await asyncio.wait_for(asyncio.gather(*(d.run_pass(DUE) for d in dispatchers)), 60)

    sends = Counter(c.params["chat_id"] for c in api.calls_of("sendMessage") if c.ok)
    assert sum(sends.values()) == CHATS
    assert set(sends) == set(range(1, CHATS + 1))
    assert max(sends.values()) == 1, "no chat got two"
    assert sum(r.counts["sent"] for r in reports) == CHATS
    assert all(r.counts["sent"] > 0 for r in reports), "all three took part"
    assert await make_storage().nudges.due_reminders(DUE, 10) == []
    for bot in bots:
        await bot.shutdown()
