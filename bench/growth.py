"""growth: what a tap and a nudge cost as the database grows, from 10,000 progress rows (marks) to
10,000,000, on SQLite and PostgreSQL.

A database of each size, per engine, holds chats with realistic histories (tests/histories.py: one
to three roadmaps a chat, about ten marks, a note for one chat in five, a reminder each, the facts
and days seen the operator's numbers read), loaded by the database itself in one transaction, then
ANALYZE'd. Then 5 rounds, each measuring every size in turn (in another order each round), so that
the sizes meet the same minutes of a shared machine's load; the medians speak:

- taps through the whole bot, as `bench taps` drives them (python-telegram-bot's Application, the
  fake Bot API in process, 64 in flight): 4 taps each of 200 chats spread over the whole table;
  the time a tap takes is the round's seconds over its taps;
- a nudge pass of the real dispatcher (claim, the batch's reads, rendering, a fake Bot API,
  outcomes) with about 300 nudges due; the time a nudge takes is the pass's over its nudges.

It prints both at each size, the ratio of the largest size's to the smallest's (1 is flat), and the
database's size a chat. `--largest ROWS` (default 10,000,000) stops earlier; `--quick` is a tiny run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from bench.common import (
    POSTGRES_URL,
    backend_pids,
    cpu_seconds,
    median,
    postgres_reachable,
    scratch_dir,
    summary,
    with_application_name,
)
from bench.taps import TAPS, drive
from bot.application import build_bot
from bot.collector import tune_collector
from bot.limits import TelegramLimits
from bot.nudges import NudgeDispatcher
from roadmaps import Catalog, load_catalog
from storage import Storage, create_engine, upgrade
from tests.databases import schema_for_processes
from tests.fakebotapi import FakeBotAPI, FakeRequest
from tests.histories import FULL, HISTORY_WEEK, WEEK_SECONDS, load_postgresql, load_sqlite
from tests.support import settings_for_tests

APPLICATION = "roadmap-growth"
MARKS_A_CHAT = 10  # about: the sizes are in progress rows, the chats a tenth of them
TAP_CHATS, ROUNDS = 200, 5
NUDGES_A_PASS = 300


@dataclass(frozen=True)
class Cost:
    """What one operation cost: CPU seconds (this process's, and on PostgreSQL its backends' too)
    and wall-clock seconds."""

    cpu: float
    wall: float


class Meter:
    """The CPU and the time spent inside `async with`: this process's (the bot, and SQLite in its
    threads) and, on PostgreSQL, the backends of this process's connections (/proc)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.postgresql = storage.database.dialect == "postgresql"
        self.cpu = self.wall = 0.0
        self._backends: dict[int, float] = {}

    async def __aenter__(self) -> Meter:
        self._backends = await self._backend_cpu()
        self._process, self._started = time.process_time(), time.perf_counter()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._started
        self.cpu = time.process_time() - self._process
        for pid, seconds in (await self._backend_cpu()).items():
            self.cpu += seconds - self._backends.get(pid, 0.0)

    async def _backend_cpu(self) -> dict[int, float]:
        if not self.postgresql:
            return {}
        async with self.storage.engine.connect() as connection:
            return {pid: cpu_seconds(pid) for pid in await backend_pids(connection, APPLICATION)}

    def cost(self, operations: int) -> Cost:
        return Cost(self.cpu / operations, self.wall / operations)


async def per_tap(storage: Storage, catalog: Catalog, chats: int, tap_chats: int) -> Cost:
    """What a tap costs: 4 taps each of `tap_chats` chats spread over 1..chats, 64 in flight."""
    api = FakeBotAPI(check_html=False)
    app = build_bot(settings_for_tests(), catalog, storage, request=FakeRequest(api)).application
    spread = range(1, chats + 1, max(1, chats // tap_chats))
    async with app:
        await app.start()
        messages = {chat_id: api.seed_message(chat_id, "the roadmap").message_id for chat_id in spread}
        async with Meter(storage) as meter:
            await drive(app, api, messages)
        await app.stop()
    assert not api.open_queries, "every tap was answered"
    return meter.cost(len(messages) * len(TAPS))


async def per_nudge(storage: Storage, catalog: Catalog, chats: int, nudges: int, n: int) -> Cost:
    """What a nudge costs in a pass of about `nudges` due: the reminders are due over
    HISTORY_WEEK, and the n-th pass's `now` is n times as far into it as that many chats' reminders
    fill (the ones earlier passes nudged are due again only next week)."""
    api = FakeBotAPI(check_html=False)
    unpaced = TelegramLimits(messages_per_second=1e9)
    bot = build_bot(settings_for_tests(), catalog, storage, request=FakeRequest(api), limits=unpaced).application.bot
    await bot.initialize()
    try:
        now = HISTORY_WEEK + dt.timedelta(seconds=min(WEEK_SECONDS - 1, WEEK_SECONDS * nudges * n / chats))
        async with Meter(storage) as meter:
            report = await NudgeDispatcher(bot, catalog, storage).run_pass(now)
    finally:
        await bot.shutdown()
    done = sum(report.counts.values())
    assert done, f"nothing was due at {now}"
    return meter.cost(done)


async def size_of(storage: Storage, path: Path | None) -> int:
    """The database's bytes: the SQLite file (and its WAL), or the schema's tables and indexes."""
    if path is not None:
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    async with storage.engine.connect() as connection:
        query = (
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class AS c"
            " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
        )
        return int((await connection.execute(text(query))).scalar_one())


async def marks_in(storage: Storage) -> int:
    async with storage.engine.connect() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM step_states"))).scalar_one())


@dataclass
class Sized:
    """One database of the sizes: where it is, and what was measured on it."""

    chats: int
    url: str
    path: Path | None  # the SQLite file
    taps: list[Cost] = field(default_factory=list)
    nudges: list[Cost] = field(default_factory=list)


def measure(backend: str, sizes: list[int], catalog: Catalog, tap_chats: int, nudges: int) -> list[dict[str, float]]:
    """A database of each size, loaded; then ROUNDS rounds, each measuring every size in turn."""
    with ExitStack() as stack:
        databases = []
        for size in sizes:
            if backend == "sqlite":
                path = scratch_dir() / "growth.sqlite3"
                databases.append(Sized(size // MARKS_A_CHAT, f"sqlite+aiosqlite:///{path}", path))
            else:
                url = stack.enter_context(schema_for_processes(POSTGRES_URL, "growth"))
                databases.append(Sized(size // MARKS_A_CHAT, with_application_name(url, APPLICATION), None))
        return asyncio.run(_measure(databases, catalog, tap_chats, nudges))


async def _measure(databases: list[Sized], catalog: Catalog, tap_chats: int, nudges: int) -> list[dict[str, float]]:
    """Load every database, then measure them in turns (each round in another order), so that each
    round's sizes meet the same minutes of the machine's load."""
    for sized in databases:
        started = time.perf_counter()
        storage = Storage(create_engine(sized.url))
        await upgrade(storage.engine)
        await storage.close()
        if sized.path is not None:
            await asyncio.to_thread(load_sqlite, str(sized.path), catalog, 1, sized.chats, FULL)
        else:
            await load_postgresql(sized.url, catalog, 1, sized.chats, FULL)
        print(f"  {sized.chats:,} chats loaded in {time.perf_counter() - started:.0f} s", flush=True)
    for round_ in range(ROUNDS):
        order = databases[round_ % len(databases) :] + databases[: round_ % len(databases)]
        for sized in order:
            storage = Storage(create_engine(sized.url))
            try:
                sized.taps.append(await per_tap(storage, catalog, sized.chats, tap_chats))
                due = min(nudges, sized.chats // (ROUNDS + 1))
                sized.nudges.append(await per_nudge(storage, catalog, sized.chats, due, round_ + 1))
            finally:
                await storage.close()
        print(f"  round {round_ + 1} of {ROUNDS}; load average {_load()}", flush=True)
    figures = []
    for sized in databases:
        storage = Storage(create_engine(sized.url))
        try:
            marks, size_bytes = await marks_in(storage), await size_of(storage, sized.path)
        finally:
            await storage.close()
        figures.append({"chats": sized.chats, "marks": marks, "bytes": size_bytes})
        print(
            f"  {sized.chats:>9,} chats, {marks:>11,} marks, {size_bytes / sized.chats / 1024:.1f} KiB a chat: "
            f"a tap {_ms(sized.taps)}; a nudge {_ms(sized.nudges)}",
            flush=True,
        )
    smallest, largest = databases[0], databases[-1]
    for kind in ("taps", "nudges"):
        pairs = zip(getattr(largest, kind), getattr(smallest, kind), strict=True)
        ratios = [big.cpu / small.cpu for big, small in pairs]
        figures[-1][f"{kind}_ratio"] = median(ratios)
        print(f"  {kind}: CPU a {kind[:-1]}, largest over smallest, by round: {', '.join(f'{r:.2f}' for r in ratios)}")
    return figures


def _ms(costs: list[Cost]) -> str:
    """The median CPU and wall time of an operation, in ms, and each round's CPU."""
    cpu, wall = median([c.cpu for c in costs]) * 1000, median([c.wall for c in costs]) * 1000
    return f"{cpu:.2f} ms CPU ({', '.join(f'{c.cpu * 1000:.1f}' for c in costs)}), {wall:.2f} ms wall"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench growth")
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the benchmark still works")
    parser.add_argument("--largest", type=int, default=10_000_000, help="progress rows of the largest size")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the databases are dropped on the way out
    sizes = [10_000, 100_000, 1_000_000, 10_000_000]
    sizes = [2_000, 20_000] if args.quick else [s for s in sizes if s <= args.largest]
    tap_chats, nudges = (40, 30) if args.quick else (TAP_CHATS, NUDGES_A_PASS)
    catalog = load_catalog()
    tune_collector()
    backends = ["sqlite", *(["postgresql"] if postgres_reachable() and not args.sqlite_only else [])]
    ratios: dict[str, float] = {}
    per_chat = {}
    for backend in backends:
        print(f"{backend}: load average {_load()}", flush=True)
        figures = measure(backend, sizes, catalog, tap_chats, nudges)
        prefix = "" if backend == "sqlite" else "pg_"
        ratios[f"{prefix}tap_ratio"] = figures[-1]["taps_ratio"]
        ratios[f"{prefix}nudge_ratio"] = figures[-1]["nudges_ratio"]
        per_chat[f"{prefix}kib_a_chat"] = figures[-1]["bytes"] / figures[-1]["chats"] / 1024
        print(
            f"{backend}: largest over smallest ({figures[-1]['marks']:,} marks over {figures[0]['marks']:,}): "
            f"tap {ratios[prefix + 'tap_ratio']:.2f}, nudge {ratios[prefix + 'nudge_ratio']:.2f}",
            flush=True,
        )
    if "postgresql" not in backends:
        print("postgresql: skipped")
    return summary("growth", **ratios, **per_chat, largest=sizes[-1])
