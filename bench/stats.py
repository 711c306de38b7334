"""stats: `roadmap-bot stats`' counts over 100,000 and then 1,000,000 chats (10 marks and 6 days
of visits each, a nudge for one in three), on SQLite and PostgreSQL: the time of one count and
its peak memory (Python's allocations, tracemalloc), and how the time grows with ten times the
chats (`growth`: the time at 1,000,000 over the time at 100,000, divided by 10; 1 is linear).

The rows are loaded in bulk: SQLite through the sqlite3 module in one transaction, PostgreSQL
with COPY; then each database's statistics are gathered (ANALYZE), as a running one's would be.
The facts land in the order of their times, as a running bot appends them (made a chat at a time,
they pass through a staging table first): a table whose rows follow the chats instead puts each
period's facts on every page of the file, which no real log does.
`--quick`: 10,000 and 100,000 chats.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sqlite3
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from bench.common import fresh_storage, postgres_reachable, scratch_dir, summary
from roadmaps import Catalog, load_catalog
from storage import Storage
from storage.stats_sql import Period

UNTIL = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
PERIOD = Period(UNTIL - dt.timedelta(weeks=8), UNTIL)
MARKS, VISITS = 10, 6  # a chat's step changes and days seen
STATES = ("working", "done", "done", "skipped")
FACT_COLUMNS = "chat_id, at, kind, roadmap_id, step_id, old_state, new_state, source"


def chat_rows(chats: int, catalog: Catalog, seed: int) -> Iterator[tuple[str, tuple[object, ...]]]:
    """Every row of `chats` chats' histories, as (table, values), in a repeatable order."""
    rng = random.Random(seed)
    pairs = [(roadmap.id, step.id) for roadmap in catalog for step in roadmap.steps]
    for chat_id in range(1, chats + 1):
        first = UNTIL - dt.timedelta(minutes=rng.randrange(16 * 7 * 24 * 60))
        days = sorted({(first + dt.timedelta(days=rng.randrange(0, 40))) for _ in range(VISITS)})
        for moment in [first, *days[1:]]:
            if moment < UNTIL:
                yield "chat_days", (chat_id, moment.date(), moment)
        start = rng.randrange(len(pairs) - MARKS)
        for n in range(MARKS):
            roadmap_id, step_id = pairs[start + n]
            at = first + dt.timedelta(hours=rng.randrange(1, 24 * 30))
            source = "page" if rng.random() < 0.2 else "chat"
            yield "facts", (chat_id, at, "step", roadmap_id, step_id, "todo", rng.choice(STATES), source)
        if chat_id % 3 == 0:
            yield "facts", (chat_id, first + dt.timedelta(days=7), "nudge", None, None, None, None, "weekly")


def load_sqlite(path: Path, chats: int, catalog: Catalog) -> None:
    """The histories, in one transaction through the sqlite3 module (executemany, a chunk at a
    time; the facts' indexes made again after, as a bulk load does)."""
    connection = sqlite3.connect(path)
    as_text = "%Y-%m-%d %H:%M:%S.%f"
    try:
        with connection:
            connection.execute("DROP INDEX ix_facts_at")
            connection.execute("DROP INDEX ix_facts_chat_id_at")
            connection.execute(f"CREATE TEMP TABLE staged AS SELECT {FACT_COLUMNS} FROM facts WHERE 0")
            days: list[tuple[object, ...]] = []
            facts: list[tuple[object, ...]] = []
            for table, values in chat_rows(chats, catalog, seed=chats):
                if table == "chat_days":
                    chat_id, day, first = values
                    days.append((chat_id, day.isoformat(), first.strftime(as_text)))  # type: ignore[attr-defined]
                else:
                    chat_id, at, *rest = values
                    facts.append((chat_id, at.strftime(as_text), *rest))  # type: ignore[attr-defined]
                if len(facts) >= 200_000:
                    _insert_sqlite(connection, days, facts)
            _insert_sqlite(connection, days, facts)
            connection.execute(f"INSERT INTO facts ({FACT_COLUMNS}) SELECT * FROM staged ORDER BY at")
            connection.execute("DROP TABLE staged")
            connection.execute("CREATE INDEX ix_facts_at ON facts (at)")
            connection.execute("CREATE INDEX ix_facts_chat_id_at ON facts (chat_id, at)")
        connection.execute("ANALYZE")
    finally:
        connection.close()


def _insert_sqlite(
    connection: sqlite3.Connection, days: list[tuple[object, ...]], facts: list[tuple[object, ...]]
) -> None:
    """Insert what was gathered, and forget it."""
    connection.executemany("INSERT OR IGNORE INTO chat_days VALUES (?, ?, ?)", days)
    connection.executemany("INSERT INTO staged VALUES (?, ?, ?, ?, ?, ?, ?, ?)", facts)
    days.clear()
    facts.clear()


async def load_postgresql(storage: Storage, chats: int, catalog: Catalog) -> None:
    """The histories with COPY (the facts into a staging table, then in the order of their times),
    in one transaction, then ANALYZE."""
    days: list[tuple[object, ...]] = []
    facts: list[tuple[object, ...]] = []
    async with storage.engine.begin() as connection:
        await connection.execute(text(f"CREATE TEMP TABLE staged AS SELECT {FACT_COLUMNS} FROM facts WITH NO DATA"))
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        for table, values in chat_rows(chats, catalog, seed=chats):
            (days if table == "chat_days" else facts).append(values)
            if len(days) + len(facts) >= 500_000:
                await _copy(raw, days, facts)
        await _copy(raw, days, facts)
        await connection.execute(text(f"INSERT INTO facts ({FACT_COLUMNS}) SELECT * FROM staged ORDER BY at"))
    async with storage.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("ANALYZE chat_days"))
        await connection.execute(text("ANALYZE facts"))


async def _copy(raw: object, days: list[tuple[object, ...]], facts: list[tuple[object, ...]]) -> None:
    """COPY what was gathered, and forget it."""
    unique = list({(row[0], row[1]): row for row in days}.values())
    await raw.copy_records_to_table("chat_days", records=unique, columns=["chat_id", "day", "first_at"])  # type: ignore[attr-defined]
    await raw.copy_records_to_table("staged", records=facts, columns=FACT_COLUMNS.split(", "))  # type: ignore[attr-defined]
    days.clear()
    facts.clear()


async def time_count(backend: str, chats: int, catalog: Catalog) -> tuple[float, float, float]:
    """Load `chats` histories, then count them once: (load seconds, count seconds, peak MiB)."""
    directory = scratch_dir()
    async with fresh_storage(backend, directory) as storage:
        started = time.perf_counter()
        if backend == "sqlite":
            await asyncio.to_thread(load_sqlite, directory / "bench.sqlite3", chats, catalog)
        else:
            await load_postgresql(storage, chats, catalog)
        loaded = time.perf_counter() - started
        tracemalloc.start()
        started = time.perf_counter()
        counts = await storage.stats.count(catalog, PERIOD)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert counts.monthly_active > 0 and counts.marks > 0, "the histories were counted"
    return loaded, seconds, peak


def main(argv: list[str]) -> str:
    catalog = load_catalog()
    small, large = (10_000, 100_000) if "--quick" in argv else (100_000, 1_000_000)
    results: dict[str, dict[int, float]] = {}
    peaks = []
    backends = ["sqlite", *(["postgresql"] if postgres_reachable() else [])]
    for backend in backends:
        for chats in (small, large):
            loaded, seconds, peak = asyncio.run(time_count(backend, chats, catalog))
            results.setdefault(backend, {})[chats] = seconds
            peaks.append(peak)
            print(
                f"{backend}: {chats:,} chats, {chats * MARKS:,} marks: loaded in {loaded:.0f} s, "
                f"counted in {seconds:.2f} s, peak {peak:.1f} MiB",
                flush=True,
            )
    sqlite, pg = results["sqlite"], results.get("postgresql", {})
    growth = max(times[large] / times[small] / 10 for times in results.values())
    return summary(
        "stats",
        seconds=sqlite[large],
        pg_seconds=pg.get(large, float("nan")),
        peak_mib=max(peaks),
        growth=growth,
        chats=large,
    )
