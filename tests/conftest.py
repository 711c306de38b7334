"""Fixtures: a migrated SQLite file per test, the real Application on a fake Bot API, a clock."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.application import build_application, flush_presence
from bot.settings import Settings
from roadmaps import Catalog, load_catalog
from storage import Storage, create_engine, upgrade
from tests.databases import own_schema, reachable
from tests.fakebotapi import TOKEN, BotMessage, Call, FakeBotAPI, FakeRequest


class Clock:
    """A clock tests move by hand; nothing sleeps."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class ChatSession:
    """One chat talking to the real Application: send text, tap buttons, read what came back."""

    def __init__(self, app: Application, api: FakeBotAPI, chat_id: int, user_id: int | None = None) -> None:  # type: ignore[type-arg]
        self.app, self.api, self.chat_id, self.user_id = app, api, chat_id, user_id

    async def send(self, text: str, reply_to: BotMessage | None = None) -> list[Call]:
        """Send a message (or a reply to a bot message) as this chat's person; return the bot's calls."""
        return await self.process(self.api.message_update(self.chat_id, text, user_id=self.user_id, reply_to=reply_to))

    async def tap(self, label: str, message_id: int | None = None) -> list[Call]:
        """Tap the button whose label contains `label` on the chat's latest bot message."""
        message = self.api.messages[(self.chat_id, message_id)] if message_id else self.last
        return await self.press(find_button(message, label)["callback_data"], message.message_id)

    async def press(self, data: str, message_id: int | None = None) -> list[Call]:
        """Send a callback query with any data, forged or not."""
        return await self.process(
            self.api.callback_update(self.chat_id, data, message_id=message_id, user_id=self.user_id)
        )

    async def process(self, update: dict[str, Any]) -> list[Call]:
        """Handle one update, then write presence down as the bot's job does every few seconds."""
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        await flush_presence(self.app)
        return self.api.calls[before:]

    @property
    def last(self) -> BotMessage:
        """The newest message the bot sent to this chat (edits applied)."""
        return self.api.last_message(self.chat_id)

    def sent(self) -> list[BotMessage]:
        """Every message the bot sent to this chat, oldest first."""
        return sorted(
            (m for (chat, _), m in self.api.messages.items() if chat == self.chat_id), key=lambda m: m.message_id
        )


def find_button(message: BotMessage, label: str) -> dict[str, Any]:
    """The one button whose text equals `label`, or else contains it."""
    buttons = [b for row in message.buttons for b in row]
    exact = [b for b in buttons if b["text"] == label]
    partial = [b for b in buttons if label in b["text"]]
    found = exact or partial
    if len(found) != 1:
        raise AssertionError(f"{len(found)} buttons match {label!r}; buttons: {[b['text'] for b in buttons]}")
    return found[0]


def answers(calls: list[Call]) -> list[str | None]:
    """The texts of the callback-query answers among some calls."""
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
StorageFactory = Callable[[], Storage]


@functools.cache
def postgres_reachable() -> bool:
    """Whether the test PostgreSQL server answers; in CI it must."""
    return reachable(POSTGRES_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
async def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StorageFactory]:
    """Storages on one fresh, migrated test database: a SQLite file, or a PostgreSQL schema of its own.

    Every test that touches storage runs on both. Without a PostgreSQL server the second run
    is skipped, except in CI (CI=true), where that is a failure.
    """
    made: list[Storage] = []
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            url, options = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", {}
        else:
            if not postgres_reachable():
                if os.environ.get("CI") == "true":
                    pytest.fail(f"CI needs PostgreSQL at {POSTGRES_URL}")
                pytest.skip(f"no PostgreSQL at {POSTGRES_URL}")
            url, options = POSTGRES_URL, await stack.enter_async_context(own_schema(POSTGRES_URL, "test"))

        def make() -> Storage:
            made.append(Storage(create_engine(url, **options)))
            return made[-1]

        await upgrade(make().engine)
        yield make
        for storage in made:  # before the schema goes
            await storage.close()


@pytest.fixture
def storage(make_storage: StorageFactory) -> Storage:
    """The test's storage (the first one made, already migrated)."""
    return make_storage()


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC))


@pytest.fixture
def api() -> FakeBotAPI:
    return FakeBotAPI()


AppFactory = Callable[[Catalog], Awaitable[Application]]  # type: ignore[type-arg]


@pytest.fixture
async def make_app(api: FakeBotAPI, storage: Storage, clock: Clock) -> AsyncIterator[AppFactory]:
    """Build initialized Applications over one fake API, database and clock (a content change is a new app)."""
    built: list[Application] = []  # type: ignore[type-arg]

    async def build(catalog: Catalog) -> Application:  # type: ignore[type-arg]
        settings = Settings(_env_file=None, telegram_bot_token=TOKEN)  # type: ignore[call-arg]
        application = build_application(settings, catalog, storage, request=FakeRequest(api), clock=clock)
        await application.initialize()
        built.append(application)
        return application

    yield build
    for application in built:
        await application.shutdown()
    assert not api.open_queries, f"callback queries left unanswered: {sorted(api.open_queries)}"


@pytest.fixture
async def app(make_app: AppFactory, catalog: Catalog) -> Application:  # type: ignore[type-arg]
    return await make_app(catalog)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root logger back as pytest had it (for tests that run the bot's logging setup)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


@pytest.fixture(autouse=True)
def no_unexpected_errors(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test whose run logged an error, unless it is marked `logs_errors`."""
    yield
    if request.node.get_closest_marker("logs_errors") is None:
        errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
        assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
def chat(app: Application, api: FakeBotAPI) -> ChatSession:  # type: ignore[type-arg]
    return ChatSession(app, api, chat_id=1001)
