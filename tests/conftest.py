"""Fixtures: a migrated database per test (SQLite and PostgreSQL), one for `roadmap-bot` processes,
the real Application on a fake Bot API, a clock."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from bot.application import RoadmapBot, build_bot
from handlers.callback_data import decode
from roadmaps import Catalog, load_catalog
from storage import Storage, create_engine, upgrade
from tests.databases import ProcessDatabase, own_schema, reachable, schema_for_processes
from tests.fakebotapi import FakeBotAPI, FakeRequest
from tests.support import AppFactory, ChatSession, Clock, StorageFactory, settings_for_tests

# Hypothesis: the same examples on every run (derandomized) unless asked to explore; a failure
# prints its example and how to reproduce it. Fixtures are function-scoped on purpose: the fuzz
# tests empty the database themselves at the start of every example.
_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "repeatable", derandomize=True, database=None, deadline=None, max_examples=60, suppress_health_check=_QUIET
)
settings.register_profile(
    "explore",
    derandomize=False,
    database=None,
    deadline=None,
    max_examples=2000,
    print_blob=True,
    phases=list(Phase),
    suppress_health_check=_QUIET,
)
settings.load_profile("repeatable")


def pytest_addoption(parser: pytest.Parser) -> None:
    """--update-screenshots: the one way a run writes into the repository, asked for by a person."""
    parser.addoption(
        "--update-screenshots",
        action="store_true",
        help="copy the Mini App pictures the browser test takes (in its temporary folder) to docs/ once it passes",
    )


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@functools.cache
def postgres_reachable() -> bool:
    """Whether the test PostgreSQL server answers; in CI it must."""
    return reachable(POSTGRES_URL)


def require_postgres() -> None:
    """Skip a test's PostgreSQL run without a server, except in CI (CI=true), where that is a failure."""
    if not postgres_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs PostgreSQL at {POSTGRES_URL}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}")


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
            require_postgres()
            url, options = POSTGRES_URL, await stack.enter_async_context(own_schema(POSTGRES_URL, "test"))

        def make() -> Storage:
            made.append(Storage(create_engine(url, **options)))
            return made[-1]

        await upgrade(make().engine)
        yield make
        for storage in made:  # before the schema goes
            await storage.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """A fresh test database no migration has touched, for tests of the migrations themselves: a
    SQLite file, or a PostgreSQL schema of its own; its URL and the engine options that reach it."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", {}
        return
    require_postgres()
    async with own_schema(POSTGRES_URL, "test") as options:
        yield POSTGRES_URL, options


@pytest.fixture(params=["sqlite", "postgresql"])
def process_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProcessDatabase]:
    """A database for real `roadmap-bot` processes, which migrate it themselves: a SQLite file in
    the test's directory, or a PostgreSQL schema of its own that the DATABASE_URL alone reaches.
    Without a PostgreSQL server the second run is skipped, except in CI (see `require_postgres`)."""
    if request.param == "sqlite":
        yield ProcessDatabase("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", tmp_path)
        return
    require_postgres()
    with schema_for_processes(POSTGRES_URL, "process") as url:
        yield ProcessDatabase("postgresql", url, tmp_path)


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


@pytest.fixture
async def make_app(api: FakeBotAPI, storage: Storage, clock: Clock) -> AsyncIterator[AppFactory]:
    """Build initialized bots over one fake API, database and clock (a content change is a new bot)."""
    built: list[RoadmapBot] = []

    async def build(catalog: Catalog) -> RoadmapBot:
        bot = build_bot(settings_for_tests(), catalog, storage, request=FakeRequest(api), clock=clock)
        await bot.application.initialize()
        built.append(bot)
        return bot

    yield build
    for bot in built:
        await bot.application.shutdown()
    assert not api.open_queries, f"callback queries left unanswered: {sorted(api.open_queries)}"


@pytest.fixture
async def app(make_app: AppFactory, catalog: Catalog) -> RoadmapBot:
    """The bot as `roadmap-bot run` builds it, on the fake Bot API, the test's database and clock."""
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


@pytest.fixture(autouse=True)
def fresh_callback_codec() -> None:
    """Every test decodes its buttons itself: the codec keeps its answers (functools.lru_cache), and
    answers kept from an earlier test must not stand in for the code under test (mutation testing
    swaps that code between tests, docs/testing.md)."""
    decode.cache_clear()


@pytest.fixture
def chat(app: RoadmapBot, api: FakeBotAPI) -> ChatSession:
    return ChatSession(app, api, chat_id=1001)
