"""The plans of the hot paths' statements, on tables of 100,000 chats' histories: no statement a tap,
a nudge pass or the page makes reads a big table whole.

The statements are the ones the code really sends: each hot path is driven through the real
storage API (and the real nudge dispatcher) over the big database, every statement is recorded as
it goes to the driver (SQLAlchemy's `before_cursor_execute`), and the database is asked for the
plan of each, with the parameters it was sent with. PostgreSQL is asked twice: the plan for those
values (what it runs for a statement's first executions) and the generic plan (what a prepared
statement may settle on after five; `plan_cache_mode` only forces that choice, no kind of scan is
switched off). SQLite is asked with EXPLAIN QUERY PLAN. A sequential scan of a big table fails, and
so does a walk of a whole index of one (an index scan with no condition on the index).

The histories are built once per run and per database (tests/histories.py, LIGHT: about four
marks a chat), then ANALYZE'd.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

from bot.application import build_bot
from bot.limits import TelegramLimits
from bot.nudges import NudgeDispatcher
from progress import StepState
from progress.announcements import Audience, AudienceKind, RecipientState
from progress.model import Marking, Source
from roadmaps import Catalog, load_catalog
from storage import Storage, create_engine, upgrade
from tests.conftest import POSTGRES_URL, require_postgres
from tests.databases import schema_for_processes
from tests.fakebotapi import FakeBotAPI, FakeRequest
from tests.histories import HISTORY_WEEK, LIGHT, load_postgresql, load_sqlite
from tests.support import settings_for_tests

CHATS = 100_000
# Building the tables takes 15 to 35 s on a busy 2-core machine, charged to the first test of each database.
pytestmark = pytest.mark.timeout(300)
BIG_TABLES = frozenset({"chats", "chat_roadmaps", "step_states", "step_notes", "reminders", "facts", "chat_days"})
# A moment of the reminders' week: about a hundred chats are due (one every six seconds).
NOW = HISTORY_WEEK + dt.timedelta(minutes=10)
NOON = NOW + dt.timedelta(hours=12)  # outside every chat's quiet hours, in UTC, for announcements


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def big_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a migrated database holding CHATS chats' histories, built once per run."""
    catalog = load_catalog()
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("plans") / "big.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        asyncio.run(_migrate(url))
        load_sqlite(str(path), catalog, 1, CHATS, LIGHT)
        yield url
        return
    require_postgres()
    with schema_for_processes(POSTGRES_URL, "plans") as url:
        asyncio.run(_migrate(url))
        asyncio.run(load_postgresql(url, catalog, 1, CHATS, LIGHT))
        yield url


async def _migrate(url: str) -> None:
    storage = Storage(create_engine(url))
    try:
        await upgrade(storage.engine)
    finally:
        await storage.close()


@pytest.fixture
async def big_storage(big_database: str) -> AsyncIterator[Storage]:
    storage = Storage(create_engine(big_database))
    yield storage
    await storage.close()


@dataclass(frozen=True)
class Sent:
    """A statement as it went to the driver, with its (first row of) parameters."""

    statement: str
    parameters: Any


@dataclass
class Recorder:
    """Every data statement an engine sends while it listens."""

    sent: list[Sent] = field(default_factory=list)

    def __call__(self, conn: Connection, cursor: Any, statement: str, parameters: Any, *context_and_many: Any) -> None:
        """SQLAlchemy's before_cursor_execute: (conn, cursor, statement, parameters, context, executemany)."""
        if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", statement, re.IGNORECASE):
            self.sent.append(Sent(statement, parameters[0] if context_and_many[-1] else parameters))


# --- the hot paths, driven through the code ------------------------------------------------------

CHAT = 4242  # a chat with a history (every chat 1..CHATS has one)
NEW_CHAT = CHATS + 7  # a chat the database has never seen


async def a_tap(storage: Storage, catalog: Catalog) -> None:
    """What a tap asks of storage: the chat's language, the card opened, a step marked (by a chat
    with a history and by a new one: its first reminder), what the card reads, presence and the
    app's language."""
    roadmap = catalog.roadmaps[CHAT % len(catalog.roadmaps)]
    step = roadmap.steps[3]
    await storage.languages.of(CHAT)
    await storage.progress.open_step(CHAT, roadmap.id, step, NOW)
    await storage.progress.set_step_state(CHAT, roadmap.id, step, StepState.DONE, NOW)
    await storage.progress.set_step_state(NEW_CHAT, roadmap.id, step, StepState.DONE, NOW)
    progress = await storage.progress.progress_of(CHAT, roadmap.id)
    await storage.progress.other_roadmaps(CHAT, catalog, progress, roadmap.steps)
    await storage.progress.progress_of_chat(CHAT)
    await storage.progress.place_of(CHAT, catalog)
    await storage.chats.note_presence({CHAT: NOW, NEW_CHAT: NOW})
    storage.languages.seen(CHAT, "es")  # the app's language, written with presence
    await storage.languages.write_seen()
    await storage.chats.record_nudge_taps([(CHAT, NOW, "done")])


async def taps_together(storage: Storage, catalog: Catalog) -> None:
    """Taps of many chats at once: their reads and writes in batches (multi-row statements)."""
    roadmap = catalog.roadmaps[0]
    chats = range(1000, 1000 + 40 * 997, 997)  # chats spread over the table

    async def tap(chat_id: int) -> None:
        await storage.progress.open_step(chat_id, roadmap.id, roadmap.steps[1], NOW)
        await storage.progress.set_step_state(chat_id, roadmap.id, roadmap.steps[1], StepState.DONE, NOW)
        await storage.progress.progress_of_chat(chat_id)

    await asyncio.gather(*(tap(chat_id) for chat_id in chats))


async def a_nudge_pass(storage: Storage, catalog: Catalog) -> None:
    """A pass of the real dispatcher: the backlog counted, the claim, the batch's reads (progress,
    momentum, languages), the nudges sent to a fake Bot API, the outcomes recorded."""
    api = FakeBotAPI(check_html=False)
    unpaced = TelegramLimits(messages_per_second=1e9)
    bot = build_bot(settings_for_tests(), catalog, storage, request=FakeRequest(api), limits=unpaced).application.bot
    await bot.initialize()
    try:
        report = await NudgeDispatcher(bot, catalog, storage).run_pass(NOW)
        assert report.counts["sent"] > 10, report  # the pass had nudges to send
        await storage.nudges.count_due_reminders(NOW)
    finally:
        await bot.shutdown()


async def a_page_read(storage: Storage, catalog: Catalog) -> None:
    """What the page asks: the chat's roadmaps, one roadmap, the others beside it, a mark."""
    roadmap = catalog.roadmaps[(CHAT + 1) % len(catalog.roadmaps)]
    await storage.progress.progress_of_chat(CHAT)
    progress = await storage.progress.progress_of(CHAT, roadmap.id)
    await storage.progress.other_roadmaps(CHAT, catalog, progress, roadmap.steps)
    await storage.progress.set_step_state(
        CHAT, roadmap.id, roadmap.steps[2], StepState.WORKING, NOW, by=Marking(Source.PAGE)
    )


async def an_announcement_batch(storage: Storage, catalog: Catalog) -> None:
    """What the announcements' scheduler does for each batch of an announcement to every chat: the
    shared budget taken, a lease claimed, its outcomes recorded, the figures counted. Queuing it (one
    INSERT ... SELECT over the audience, once per announcement) is set up through another engine,
    unrecorded: it reads the chats whole, as it must."""
    setup = Storage(create_engine(storage.engine.url.render_as_string(hide_password=False)))
    try:
        draft = await setup.announcements.draft("A new roadmap is out.", Audience(AudienceKind.EVERYONE), NOON)
        assert (await setup.announcements.queue(draft.id, NOON) or 0) >= CHATS
    finally:
        await setup.close()
    announcements = storage.announcements
    await announcements.sending(NOON)
    await announcements.take_budget(draft.id, 100, 30.0, NOON)
    claimed = await announcements.claim(draft.id, NOON, 100)
    assert len(claimed) > 10, claimed  # the lease had recipients awake now
    outcomes = [(r.chat_id, RecipientState.SENT, None) for r in claimed]
    await announcements.record(draft.id, NOON, outcomes, NOON)
    await announcements.tally(draft.id)
    await announcements.finish_if_done(draft.id, NOON)
    await announcements.cancel(draft.id, NOON)  # the next path's run starts from a quiet table


# Each hot path by name.
HOT_PATHS: dict[str, Callable[[Storage, Catalog], Awaitable[None]]] = {
    "a tap": a_tap,
    "taps together": taps_together,
    "a nudge pass": a_nudge_pass,
    "a page read": a_page_read,
    "an announcement batch": an_announcement_batch,
}


# --- the plans -------------------------------------------------------------------------------------


async def statements_of(storage: Storage, catalog: Catalog, path: str) -> list[Sent]:
    """The statements a hot path sends, each spelling once."""
    recorder = Recorder()
    event.listen(storage.engine.sync_engine, "before_cursor_execute", recorder)
    try:
        await HOT_PATHS[path](storage, catalog)
    finally:
        event.remove(storage.engine.sync_engine, "before_cursor_execute", recorder)
    return list({sent.statement: sent for sent in recorder.sent}.values())


def postgresql_scans(plan: dict[str, Any]) -> list[str]:
    """The big tables a PostgreSQL plan (EXPLAIN's JSON) reads whole: a sequential scan, or an
    index scan with no condition on the index."""
    found = []
    relation = plan.get("Relation Name")
    whole_index = plan["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan
    if relation in BIG_TABLES and (plan["Node Type"] == "Seq Scan" or whole_index):
        found.append(f"{plan['Node Type']} on {relation}")
    for child in plan.get("Plans", []):
        found += postgresql_scans(child)
    return found


def sqlite_scans(statement: str, rows: list[tuple[Any, ...]]) -> list[str]:
    """The big tables SQLite's EXPLAIN QUERY PLAN says it reads whole (SCAN, with or without an
    index; SEARCH is a lookup)."""
    aliases = {alias.lower(): table.lower() for table, alias in re.findall(r"\b(\w+) AS (\w+)", statement)}
    found = []
    for *_, detail in rows:
        scanned = re.match(r"SCAN (\w+)", detail)
        if scanned and aliases.get(scanned[1].lower(), scanned[1].lower()) in BIG_TABLES:
            found.append(detail)
    return found


async def scans_of(storage: Storage, sent: Sent) -> list[str]:
    """What reads a big table whole in the plans of one statement."""
    async with storage.engine.connect() as connection:
        if storage.database.dialect == "sqlite":
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sent.statement}", sent.parameters)
            return sqlite_scans(sent.statement, [tuple(row) for row in plan])
        custom = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sent.statement}", sent.parameters)
        found = postgresql_scans(_json(custom.scalar_one())[0]["Plan"])
        await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        await connection.exec_driver_sql(f"PREPARE plan_check AS {sent.statement}")
        try:
            count = max((int(n) for n in re.findall(r"\$(\d+)", sent.statement)), default=0)
            arguments = f"({', '.join(['NULL'] * count)})" if count else ""
            generic = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) EXECUTE plan_check{arguments}")
            found += [f"{scan} (generic plan)" for scan in postgresql_scans(_json(generic.scalar_one())[0]["Plan"])]
        finally:
            await connection.exec_driver_sql("DEALLOCATE plan_check")  # a session's, not the transaction's
            await connection.rollback()
        return found


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@pytest.mark.parametrize("path", HOT_PATHS)
async def test_no_hot_statement_reads_a_big_table_whole(big_storage: Storage, catalog: Catalog, path: str) -> None:
    sent = await statements_of(big_storage, catalog, path)
    assert len(sent) >= 2, sent  # the path did reach the database
    scans = {_short(s.statement): found for s in sent if (found := await scans_of(big_storage, s))}
    assert scans == {}


def _short(statement: str) -> str:
    """A statement on one line, its long lists of parameters cut."""
    return re.sub(r"(\(\?, \?\), |\$\d+, |\?, ){3,}", "..., ", " ".join(statement.split()))


async def test_a_seq_scan_of_a_big_table_is_caught(big_storage: Storage) -> None:
    """The check fails where it should: a read by a column no index has."""
    unindexed = "SELECT chat_id FROM reminders WHERE hour = 9 AND timezone = 'Asia/Tehran'"
    if big_storage.database.dialect == "postgresql":
        assert await scans_of(big_storage, Sent(unindexed, ())) == [
            "Seq Scan on reminders",
            "Seq Scan on reminders (generic plan)",
        ]
    else:
        assert await scans_of(big_storage, Sent(unindexed, ())) == ["SCAN reminders"]


def test_the_big_database_is_big(big_database: str, tmp_path: Path) -> None:
    """The tables hold what the plans were asked about: 100,000 chats with histories."""

    async def count() -> dict[str, int]:
        storage = Storage(create_engine(big_database))
        try:
            async with storage.engine.connect() as connection:
                return {
                    table: (await connection.exec_driver_sql(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in ("chats", "chat_roadmaps", "step_states", "reminders", "facts")
                }
        finally:
            await storage.close()

    counts = asyncio.run(count())
    assert counts["chats"] >= CHATS and counts["reminders"] >= CHATS
    assert counts["chat_roadmaps"] >= 1.9 * CHATS and counts["step_states"] >= 3 * CHATS, counts
