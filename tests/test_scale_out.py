"""Many processes at once: each due nudge is claimed and sent exactly once; a chat's language
changed on one instance is the language every other instance speaks from its next update."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select, text
from telegram import Bot
from telegram.request import RequestData

from bot.nudges import NudgeDispatcher
from roadmaps import Catalog
from storage import Storage, languages
from storage.languages import UNKNOWN, ChatLanguage
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


NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
HEARD_WITHIN = 5.0  # seconds; a cached language is otherwise trusted for languages.AGE (60)


@asynccontextmanager
async def listening(storage: Storage) -> AsyncIterator[asyncio.Task[None]]:
    """The instance's languages listening, as a running bot's are, until the block ends."""
    task = asyncio.create_task(storage.languages.listen())
    try:
        await asyncio.wait_for(storage.languages.listening.wait(), HEARD_WITHIN)
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def until(storage: Storage, condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait for `condition` to hold, checked again at each change the instance's languages hear,
    up to HEARD_WITHIN seconds (then fail)."""
    async with asyncio.timeout(HEARD_WITHIN):
        while True:
            news = storage.languages.news  # taken first: news while the condition is checked is not missed
            if await condition():
                return
            await news.wait()


async def heard(storage: Storage, chat_id: int, expected: ChatLanguage) -> None:
    """Wait until the instance answers `expected` for the chat (from its cache, or read again)."""

    async def answers() -> bool:
        return await storage.languages.of(chat_id) == expected

    await until(storage, answers)


async def is_(wanted: bool, event: asyncio.Event) -> bool:
    return event.is_set() == wanted


def postgresql_only(storage: Storage) -> None:
    if storage.database.dialect != "postgresql":
        pytest.skip("instances hear each other through PostgreSQL's LISTEN; SQLite is one process")


@pytest.fixture
def instances(make_storage: StorageFactory) -> tuple[Storage, Storage]:
    """Two instances' storages on one PostgreSQL schema: the first changes, the second listens."""
    one, two = make_storage(), make_storage()
    postgresql_only(one)
    return one, two


async def test_a_language_chosen_on_one_instance_is_spoken_by_another_at_its_next_update(
    instances: tuple[Storage, Storage],
) -> None:
    one, two = instances
    await one.languages.choose(7, "en", NOW)
    await one.languages.choose(8, "en", NOW)
    await one.languages.follow_app(9, "en", NOW)
    async with listening(two):
        for chat_id in (7, 8, 9):  # now in two's cache
            assert (await two.languages.of(chat_id)).language == "en"
        await unannounced(one, 8, "uk")  # behind two's back: two says "en" while 8 stays cached

        await one.languages.choose(7, "ru", NOW)
        await heard(two, 7, ChatLanguage("ru", chosen=True))
        assert await two.languages.of(8) == ChatLanguage("en", chosen=True), "only the chat named is dropped"

        await one.languages.follow_app(7, "fa", NOW)  # back to the app's language
        await heard(two, 7, ChatLanguage("fa", chosen=False))

        one.languages.seen(8, "ru")  # chat 8 chose: its app's language changes nothing
        one.languages.seen(7, "de")
        one.languages.seen(9, "fa")
        await one.languages.write_seen()  # one notice for both chats it changed
        await heard(two, 7, ChatLanguage("de", chosen=False))
        await heard(two, 9, ChatLanguage("fa", chosen=False))
        assert await two.languages.of(8) == ChatLanguage("en", chosen=True), "only the chats named are dropped"

        assert await one.chat_data.forget_chat(7) is not None
        await heard(two, 7, UNKNOWN)


async def test_a_language_read_before_a_change_and_answered_after_it_was_heard_is_not_kept(
    instances: tuple[Storage, Storage],
) -> None:
    one, two = instances
    await one.languages.choose(7, "en", NOW)
    read, release = asyncio.Event(), asyncio.Event()
    reads = two.languages.of_chats

    async def held(chat_ids: Iterable[int]) -> dict[int, ChatLanguage]:
        found = await reads(chat_ids)
        read.set()
        await release.wait()
        return found

    async with listening(two):
        two.languages.of_chats = held  # type: ignore[method-assign]
        reading = asyncio.create_task(two.languages.of(7))
        await read.wait()
        news = two.languages.news
        await one.languages.choose(7, "ru", NOW)
        await asyncio.wait_for(news.wait(), HEARD_WITHIN)  # heard while two's read was on its way
        release.set()
        assert await reading == ChatLanguage("en", chosen=True), "read before the change"
        assert await two.languages.of(7) == ChatLanguage("ru", chosen=True), "not kept: read again"


async def test_an_instance_that_loses_its_listening_connection_forgets_its_cache_and_listens_again(
    instances: tuple[Storage, Storage], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    one, two = instances
    monkeypatch.setattr(languages, "RELISTEN", 0.05)
    await one.languages.choose(7, "en", NOW)
    async with listening(two):
        assert await two.languages.of(7) == ChatLanguage("en", chosen=True)
        async with one.engine.connect() as connection:
            listens = await connection.scalar(
                text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": two.languages.listener_pid}
            )
            assert listens.startswith(f'LISTEN "{languages.CHANNEL}:')
            ended = await connection.scalar(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": two.languages.listener_pid}
            )  # as the server ends a connection (a restart, a failover): only this instance's
        assert ended is True
        await until(two, lambda: is_(False, two.languages.listening))
        assert "not hearing other instances' language changes: ConnectionError" in caplog.messages
        # Down, it heard nothing: what it had cached may be out of date, so it is gone.
        await unannounced(one, 7, "ru")
        assert await two.languages.of(7) == ChatLanguage("ru", chosen=True)

        await until(two, lambda: is_(True, two.languages.listening))
        await one.languages.choose(7, "fa", NOW)
        await heard(two, 7, ChatLanguage("fa", chosen=True))


async def unannounced(storage: Storage, chat_id: int, language: str) -> None:
    """Change a chat's language behind the instances' backs (no NOTIFY), as only a person at psql would."""
    async with storage.engine.begin() as connection:
        await connection.execute(text("UPDATE chats SET language = :l WHERE id = :c"), {"l": language, "c": chat_id})


async def test_a_listening_connection_that_stops_answering_is_replaced(
    instances: tuple[Storage, Storage], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A link gone silent (a stopped server, a dropped route) closes nothing; the listener asks the
    connection to answer now and then, and listens anew on another when it does not."""
    one, two = instances
    if os.geteuid() != 0:
        pytest.skip("stopping a PostgreSQL backend takes root (CI runs as root)")
    monkeypatch.setattr(languages, "ALIVE_EVERY", 0.1)
    monkeypatch.setattr(languages, "ALIVE_WITHIN", 0.3)
    monkeypatch.setattr(languages, "RELISTEN", 0.05)
    await one.languages.choose(7, "en", NOW)
    async with listening(two):
        assert await two.languages.of(7) == ChatLanguage("en", chosen=True)
        silent = two.languages.listener_pid
        assert silent is not None
        os.kill(silent, signal.SIGSTOP)
        try:
            await until(two, lambda: is_(False, two.languages.listening))
            assert "not hearing other instances' language changes: TimeoutError" in caplog.messages
            await unannounced(one, 7, "ru")  # unheard by anyone: the cache was emptied
            assert await two.languages.of(7) == ChatLanguage("ru", chosen=True)
            await until(two, lambda: is_(True, two.languages.listening))
            assert two.languages.listener_pid not in (None, silent)
            await one.languages.choose(7, "fa", NOW)
            await heard(two, 7, ChatLanguage("fa", chosen=True))
        finally:
            os.kill(silent, signal.SIGCONT)


async def test_a_listener_that_stops_leaves_no_listening_connection_in_the_pool(
    make_storage: StorageFactory,
) -> None:
    storage = make_storage()
    postgresql_only(storage)
    async with listening(storage):
        pass
    for _ in range(6):  # whichever of the pool's connections comes back
        async with storage.engine.connect() as connection:
            assert (await connection.execute(text("SELECT pg_listening_channels()"))).all() == []


async def test_a_notice_that_names_no_chat_empties_the_cache(
    instances: tuple[Storage, Storage], caplog: pytest.LogCaptureFixture
) -> None:
    one, two = instances
    await one.languages.choose(7, "en", NOW)
    async with listening(two):
        assert await two.languages.of(7) == ChatLanguage("en", chosen=True)
        await unannounced(one, 7, "ru")
        news = two.languages.news
        async with one.engine.begin() as connection:  # another program on the channel
            await connection.execute(select(func.pg_notify(languages.CHANNEL_HERE, "hello")))
        await asyncio.wait_for(news.wait(), HEARD_WITHIN)
        assert await two.languages.of(7) == ChatLanguage("ru", chosen=True)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_without_postgresql_there_is_nothing_to_listen_to(make_storage: StorageFactory) -> None:
    storage = make_storage()
    if storage.database.dialect != "sqlite":
        pytest.skip("SQLite's case")
    await asyncio.wait_for(storage.languages.listen(), HEARD_WITHIN)  # returns at once
    assert not storage.languages.listening.is_set()
