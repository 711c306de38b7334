"""announce: 1,000,000 recipients queued in one statement (time and peak memory), then a measured
window of sending through the real HTTP stack to a local Bot API stub that takes LIMIT messages a
second and answers 429 beyond that, the pacer's limit raised to LIMIT as `bench pacing` does. The
send rate against the limit, duplicates and recipients lost (recorded as sent but never received,
or received but not recorded), and how long the nudges that fall due in the middle of it take."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import resource
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select, update

from bench.common import bulk_load_sqlite, scratch_dir, summary
from bot.application import build_bot, utc_now
from progress.announcements import EVERYONE, RecipientState
from roadmaps import load_catalog
from storage import Storage, create_engine, upgrade
from storage.tables import announcement_recipients, reminders
from tests.fakebotapi import FakeBotAPI, FakeBotAPIServer
from tests.support import settings_for_tests

LIMIT = 30  # messages a second the stub takes (Telegram's overall limit); the pacer keeps to 29
NUDGES = 100  # reminders that fall due during the window
NUDGE_AT = 3.0  # seconds into the window they fall due


def peak_mib() -> float:
    """This process's peak resident memory so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_chats(path: Path, count: int, nudges_due: dt.datetime) -> None:
    """`count` chats (the first NUDGES with a reminder every day at noon, due when the window starts)."""
    bulk_load_sqlite(path, count, nudges_due, dt.timedelta(0), learners=NUDGES, created=nudges_due, slot=(127, 12))


def noon_clock() -> tuple[dt.datetime, object]:
    """A clock that runs at the real pace from today's noon UTC: nobody's night holds a recipient back."""
    now = utc_now()
    offset = now.replace(hour=12, minute=0, second=0, microsecond=0) - now
    return now + offset, lambda: utc_now() + offset


async def measure(recipients: int, window: float) -> dict[str, float]:
    directory = scratch_dir()
    started, clock = noon_clock()
    nudges_due = started + dt.timedelta(seconds=NUDGE_AT)
    path = directory / "bench.sqlite3"
    storage = Storage(create_engine(f"sqlite+aiosqlite:///{path}"))
    await upgrade(storage.engine)
    load_chats(path, recipients, nudges_due)
    memory_before = peak_mib()
    began = time.perf_counter()
    draft = await storage.announcements.draft("<b>News</b> for everyone", EVERYONE, started)
    queued = await storage.announcements.queue(draft.id, started)
    queue_s = time.perf_counter() - began
    print(
        f"queued {queued:,} recipients in {queue_s:.1f} s; peak memory {peak_mib():.0f} MiB "
        f"(+{peak_mib() - memory_before:.0f} MiB while queueing)"
    )
    api = FakeBotAPI(check_html=False, flood_limit=LIMIT)
    with FakeBotAPIServer(api) as server:
        settings = settings_for_tests(telegram_api_url=server.url)
        bot = build_bot(settings, load_catalog(), storage, clock=clock)  # type: ignore[arg-type]
        async with bot.application:
            nudges_due = clock() + dt.timedelta(seconds=NUDGE_AT)  # type: ignore[operator]
            async with storage.engine.begin() as connection:
                await connection.execute(update(reminders).values(due_at=nudges_due))
            deadline = time.perf_counter() + window
            nudge_seconds = asyncio.create_task(nudges_when_due(bot, clock, nudges_due))  # type: ignore[arg-type]
            began = time.perf_counter()
            await bot.announcements.run_pass(keep_going=lambda: time.perf_counter() < deadline)
            seconds = time.perf_counter() - began
            nudge_s = await nudge_seconds
    received = Counter(c.params["chat_id"] for c in api.calls_of("sendMessage") if c.ok and "News" in c.params["text"])
    nudged = sum(1 for c in api.calls_of("sendMessage") if c.ok and "News" not in c.params["text"])
    async with storage.engine.connect() as connection:
        recorded = (
            await connection.execute(
                select(func.count()).where(
                    announcement_recipients.c.announcement_id == draft.id,
                    announcement_recipients.c.state == RecipientState.SENT.value,
                )
            )
        ).scalar_one()
    await storage.close()
    rate = (sum(received.values()) + nudged) / seconds  # the pacer's messages: announcements and nudges
    figures = {
        "ratio": rate / LIMIT,
        "duplicates": sum(n - 1 for n in received.values() if n > 1),
        "lost": abs(recorded - len(received)),
        "queue_s": queue_s,
        "queue_peak_mib": peak_mib(),
        "nudges_s": nudge_s,
    }
    print(
        f"sent {sum(received.values()):,} announcements and {nudged} nudges in {seconds:.1f} s: "
        f"{rate:.1f} a second against {LIMIT} "
        f"(ratio {figures['ratio']:.2f}); recorded sent {recorded:,}; duplicates {figures['duplicates']}, "
        f"lost {figures['lost']}; 429 answers {api.flooded}; the {NUDGES} nudges due {NUDGE_AT:.0f} s in "
        f"were all sent {nudge_s:.1f} s after they fell due"
    )
    return figures


async def nudges_when_due(bot: object, clock: object, due: dt.datetime) -> float:
    """When the nudges fall due, a nudge pass as the bot's job runs it; seconds from due to all sent."""
    wait = (due - clock()).total_seconds()  # type: ignore[operator]
    await asyncio.sleep(max(0.0, wait))
    began = time.perf_counter()
    report = await bot.nudges.run_pass(clock())  # type: ignore[attr-defined, operator]
    print(f"nudge pass while announcing: {report}")
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench announce")
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the benchmark still works")
    args = parser.parse_args(argv)
    recipients, window = (10_000, 6.0) if args.quick else (1_000_000, 30.0)
    return summary("announce", **asyncio.run(measure(recipients, window)))
