"""pacing: 1,000 due nudges through the real HTTP stack to a local Bot API stub that takes 30
messages a second and answers 429 (retry_after) beyond that. The sustained rate against the
limit shows the rate limiter keeps the bot at Telegram's pace without losing or repeating any."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from collections import Counter

from bench.common import STARTED, fresh_storage, postgres_reachable, scratch_dir, summary
from bot.application import build_bot
from roadmaps import load_catalog
from tests.databases import bulk_load
from tests.fakebotapi import FakeBotAPI, FakeBotAPIServer
from tests.support import settings_for_tests

LIMIT = 30  # messages a second, Telegram's overall broadcast limit


async def measure(backend: str, nudges: int) -> dict[str, float]:
    api = FakeBotAPI(check_html=False, flood_limit=LIMIT)
    due_at = STARTED + dt.timedelta(days=7)
    with FakeBotAPIServer(api) as server:
        async with fresh_storage(backend, scratch_dir()) as storage:
            await bulk_load(storage, nudges, due_at - dt.timedelta(hours=1), dt.timedelta(minutes=30))
            bot = build_bot(settings_for_tests(telegram_api_url=server.url), load_catalog(), storage)
            async with bot.application:
                started = time.perf_counter()
                report = await bot.nudges.run_pass(due_at)
                seconds = time.perf_counter() - started
    sends = Counter(c.params["chat_id"] for c in api.calls_of("sendMessage") if c.ok)
    rate = sum(sends.values()) / seconds
    figures = {
        "rate_per_s": rate,
        "ratio": rate / LIMIT,
        "lost": nudges - len(sends),
        "duplicates": sum(n - 1 for n in sends.values() if n > 1),
        "answered_429": api.flooded,
    }
    print(
        f"{backend}: {report} in {seconds:.1f} s: {rate:.1f} messages/s against a limit of {LIMIT} "
        f"(ratio {figures['ratio']:.2f}); 429 answers {api.flooded}, lost {figures['lost']}, "
        f"duplicates {figures['duplicates']}"
    )
    return figures


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench pacing")
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the benchmark still works")
    args = parser.parse_args(argv)
    nudges = 60 if args.quick else 1_000
    line = asyncio.run(measure("sqlite", nudges))
    if postgres_reachable():
        pg = asyncio.run(measure("postgresql", nudges))
        line |= {f"pg_{key}": value for key, value in pg.items() if key in ("ratio", "lost", "duplicates")}
    else:
        print("postgresql: not reachable, skipped")
    return summary("pacing", **line)
