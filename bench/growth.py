"""growth: what a tap and a nudge cost as the database grows, from 10,000 progress rows (marks) to
10,000,000, on SQLite and PostgreSQL.

One database per engine grows by ranges of chats with realistic histories (tests/histories.py:
one to three roadmaps a chat, about ten marks, a note for one chat in five, a reminder each, the
facts and days seen the operator's numbers read), loaded by the database itself in one transaction
per range, then ANALYZE'd. At each size:

- taps through the whole bot, as `bench taps` drives them (python-telegram-bot's Application, the
  fake Bot API in process, 64 in flight): 4 taps each of 400 chats spread over the whole table;
  the median of 3 rounds of the time a tap takes (the round's seconds over its taps);
- nudge passes of the real dispatcher (claim, the batch's reads, rendering, a fake Bot API,
  outcomes): 3 passes of about 300 due nudges each; the median time a nudge takes.

It prints both at each size, the ratio of the largest size's to the smallest's (1 is flat), and the
database's size a chat. `--largest ROWS` (default 10,000,000) stops earlier; `--quick` is a tiny run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import time
from pathlib import Path

from sqlalchemy import text

from bench.common import POSTGRES_URL, median, postgres_reachable, scratch_dir, summary
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

MARKS_A_CHAT = 10  # about: the sizes are in progress rows, the chats a tenth of them
TAP_CHATS, ROUNDS = 400, 3
NUDGES_A_PASS, PASSES = 300, 3


async def per_tap(storage: Storage, catalog: Catalog, chats: int, tap_chats: int) -> list[float]:
    """Seconds a tap takes, in each of ROUNDS rounds of taps of `tap_chats` chats spread over 1..chats."""
    api = FakeBotAPI(check_html=False)
    app = build_bot(settings_for_tests(), catalog, storage, request=FakeRequest(api)).application
    spread = range(1, chats + 1, max(1, chats // tap_chats))
    async with app:
        await app.start()
        messages = {chat_id: api.seed_message(chat_id, "the roadmap").message_id for chat_id in spread}
        rounds = []
        for _ in range(ROUNDS):
            seconds, _ = await drive(app, api, messages)
            rounds.append(seconds / (len(messages) * len(TAPS)))
        await app.stop()
    assert not api.open_queries, "every tap was answered"
    return rounds


async def per_nudge(storage: Storage, catalog: Catalog, chats: int, nudges: int) -> list[float]:
    """Seconds a nudge takes, in each of PASSES passes of about `nudges` due (the reminders are due
    over HISTORY_WEEK, so `now` moves on by the share of the week that many chats' reminders fill;
    the chats an earlier size's passes nudged are due again only next week)."""
    api = FakeBotAPI(check_html=False)
    unpaced = TelegramLimits(messages_per_second=1e9)
    bot = build_bot(settings_for_tests(), catalog, storage, request=FakeRequest(api), limits=unpaced).application.bot
    await bot.initialize()
    dispatcher = NudgeDispatcher(bot, catalog, storage)
    passes = []
    try:
        for n in range(1, PASSES + 1):
            now = HISTORY_WEEK + dt.timedelta(seconds=min(WEEK_SECONDS - 1, WEEK_SECONDS * nudges * n / chats))
            started = time.perf_counter()
            report = await dispatcher.run_pass(now)
            seconds = time.perf_counter() - started
            done = sum(report.counts.values())
            assert done, f"nothing was due at {now}"
            passes.append(seconds / done)
    finally:
        await bot.shutdown()
    return passes


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


def grow(backend: str, sizes: list[int], catalog: Catalog, tap_chats: int, nudges: int) -> list[dict[str, float]]:
    """Grow one database through `sizes` (progress rows), measuring at each."""
    if backend == "sqlite":
        path = scratch_dir() / "growth.sqlite3"
        return asyncio.run(_grow(f"sqlite+aiosqlite:///{path}", path, sizes, catalog, tap_chats, nudges))
    with schema_for_processes(POSTGRES_URL, "growth") as url:
        return asyncio.run(_grow(url, None, sizes, catalog, tap_chats, nudges))


async def _grow(
    url: str, path: Path | None, sizes: list[int], catalog: Catalog, tap_chats: int, nudges: int
) -> list[dict[str, float]]:
    """The sizes one after the other on the database at `url` (a SQLite file at `path`)."""
    storage = Storage(create_engine(url))
    await upgrade(storage.engine)
    await storage.close()
    figures, loaded = [], 0
    for size in sizes:
        chats = size // MARKS_A_CHAT
        started = time.perf_counter()
        if path is not None:
            await asyncio.to_thread(load_sqlite, str(path), catalog, loaded + 1, chats, FULL)
        else:
            await load_postgresql(url, catalog, loaded + 1, chats, FULL)
        load_s, loaded = time.perf_counter() - started, chats
        storage = Storage(create_engine(url))
        try:
            tap = median(await per_tap(storage, catalog, chats, tap_chats))
            nudge = median(await per_nudge(storage, catalog, chats, min(nudges, chats // (PASSES + 1))))
            marks, size_bytes = await marks_in(storage), await size_of(storage, path)
        finally:
            await storage.close()
        figures.append({"chats": chats, "marks": marks, "tap": tap, "nudge": nudge, "bytes": size_bytes})
        print(
            f"  {chats:>9,} chats, {marks:>11,} marks (loaded in {load_s:.0f} s): a tap {tap * 1000:.2f} ms, "
            f"a nudge {nudge * 1000:.2f} ms, {size_bytes / chats / 1024:.1f} KiB a chat; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
    return figures


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench growth")
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the benchmark still works")
    parser.add_argument("--largest", type=int, default=10_000_000, help="progress rows of the largest size")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    sizes = [10_000, 100_000, 1_000_000, 10_000_000]
    sizes = [2_000, 20_000] if args.quick else [s for s in sizes if s <= args.largest]
    tap_chats, nudges = (40, 30) if args.quick else (TAP_CHATS, NUDGES_A_PASS)
    catalog = load_catalog()
    tune_collector()
    backends = ["sqlite", *(["postgresql"] if postgres_reachable() and not args.sqlite_only else [])]
    ratios: dict[str, float] = {}
    per_chat = {}
    for backend in backends:
        print(f"{backend}: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        figures = grow(backend, sizes, catalog, tap_chats, nudges)
        prefix = "" if backend == "sqlite" else "pg_"
        ratios[f"{prefix}tap_ratio"] = figures[-1]["tap"] / figures[0]["tap"]
        ratios[f"{prefix}nudge_ratio"] = figures[-1]["nudge"] / figures[0]["nudge"]
        per_chat[f"{prefix}kib_a_chat"] = figures[-1]["bytes"] / figures[-1]["chats"] / 1024
        print(
            f"{backend}: largest over smallest ({figures[-1]['marks']:,} marks over {figures[0]['marks']:,}): "
            f"tap {ratios[prefix + 'tap_ratio']:.2f}, nudge {ratios[prefix + 'nudge_ratio']:.2f}",
            flush=True,
        )
    if "postgresql" not in backends:
        print("postgresql: skipped")
    return summary("growth", **ratios, **per_chat, largest=sizes[-1])
