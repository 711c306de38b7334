"""nudges: the scheduler over a million chats with reminders spread over a week.

Two figures: the median time of a pass with nothing due (what every idle minute costs), and
the rate at which 10,000 due nudges are claimed, rendered, handed to a fake transport (the
thinnest one, and no rate limiter: this measures our code and PTB's, not Telegram's limits)
and recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time

from bench.common import STARTED, CountingTransport, bulk_load_sqlite, median, scratch_dir, summary
from bot.application import build_bot
from bot.limits import TelegramLimits
from bot.nudges import NudgeDispatcher
from roadmaps import load_catalog
from storage import Storage, create_engine, upgrade
from tests.support import settings_for_tests

WEEK = dt.timedelta(days=7)
FIRST_DUE = STARTED + WEEK
BUSY_PASSES = 3  # the median of three passes of `due` nudges each


async def measure(chats: int, due: int, idle_passes: int) -> dict[str, float]:
    path = scratch_dir() / "nudges.sqlite3"
    storage = Storage(create_engine(f"sqlite+aiosqlite:///{path}"))
    await upgrade(storage.engine)
    started = time.perf_counter()
    await asyncio.to_thread(bulk_load_sqlite, path, chats, FIRST_DUE, WEEK)
    load_s = time.perf_counter() - started
    print(f"loaded {chats:,} chats with reminders spread over a week in {load_s:.1f} s")

    # The bot's own ExtBot (defaults, rate-limiter machinery), with pacing lifted: this measures
    # our code and the framework's, not Telegram's limits.
    transport = CountingTransport()
    unpaced = TelegramLimits(messages_per_second=1e9)
    bot = build_bot(settings_for_tests(), load_catalog(), storage, request=transport, limits=unpaced).application.bot
    await bot.initialize()
    dispatcher = NudgeDispatcher(bot, load_catalog(), storage)

    idle_at = FIRST_DUE  # the first reminder is due just after this
    idle = []
    for _ in range(idle_passes):
        started = time.perf_counter()
        report = await dispatcher.run_pass(idle_at)
        idle.append(time.perf_counter() - started)
        assert not report.counts, report
    print(f"a pass with nothing due: median {median(idle) * 1000:.2f} ms over {idle_passes} passes")

    # Reminders are due evenly over the week: each busy pass moves `now` on by `due` of them.
    rates, sent, left = [], 0, 0
    for window in range(1, BUSY_PASSES + 1):
        busy_at = FIRST_DUE + WEEK * (window * due / chats)
        started = time.perf_counter()
        report = await dispatcher.run_pass(busy_at)
        busy_s = time.perf_counter() - started
        rates.append(report.counts["sent"] / busy_s)
        sent += report.counts["sent"]
        left += await storage.nudges.count_due_reminders(busy_at)
        print(f"a pass with {due:,} due: {report} in {busy_s:.2f} s = {rates[-1]:,.0f} nudges/s")
    sends = transport.sent
    duplicates = sum(n > 1 for n in sends.values())
    await bot.shutdown()
    await storage.close()
    rate = median(rates)
    print(
        f"median of {BUSY_PASSES} passes: {rate:,.0f} nudges/s; {len(sends):,} chats got one, "
        f"{duplicates} got more, {left} left due"
    )
    return {
        "idle_tick_ms": median(idle) * 1000,
        "nudges_per_s": rate,
        "sent": sent,
        "duplicates": duplicates,
        "chats": chats,
    }


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench nudges")
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the benchmark still works")
    args = parser.parse_args(argv)
    chats, due, idle = (5_000, 500, 10) if args.quick else (1_000_000, 10_000, 100)
    return summary("nudges", **asyncio.run(measure(chats, due, idle)))
