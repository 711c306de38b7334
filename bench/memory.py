"""memory: peak RSS of the running bot (started, one nudge pass done) over a database of
1,000 chats with reminders and over one of 1,000,000: the bot keeps no per-chat state, so the
second should cost about what the first does."""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import subprocess
import time
from pathlib import Path

from bench.common import bulk_load_sqlite, scratch_dir, summary
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer
from tests.process import ROADMAP_BOT, environment, roadmap_bot

TICK_WAIT = 60.0  # seconds; the first pass runs ten seconds after start
DUE_NOW = 60  # nudges the first pass sends (two seconds at Telegram's pace)


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc")


def run_bot(database: Path, wait_for_pass: bool) -> tuple[int, float]:
    """Start `roadmap-bot run`, wait for its first nudge pass, read its peak RSS, stop it."""
    api = FakeBotAPI(check_html=False)
    log = database.with_suffix(".log")
    with FakeBotAPIServer(api) as server, log.open("wb") as log_file:
        env = environment(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=server.url,
            DATABASE_URL=f"sqlite+aiosqlite:///{database}",
            LOG_LEVEL="DEBUG",
        )
        started = time.perf_counter()
        process = subprocess.Popen([ROADMAP_BOT, "run"], cwd=database.parent, env=env, stderr=log_file)
        try:
            api.wait_for(lambda: api.calls_of("getUpdates"), timeout=60)
            ready = time.perf_counter() - started
            deadline = time.monotonic() + TICK_WAIT
            while wait_for_pass and b"nudge pass at" not in log.read_bytes():  # logged once the pass is done
                if time.monotonic() > deadline:
                    raise TimeoutError("the bot ran no nudge pass")
                time.sleep(0.2)
            return peak_rss_kib(process.pid), ready
        finally:
            process.terminate()
            process.wait(timeout=30)


def database_of(chats: int) -> Path:
    """Chats with reminders over the coming week, and the same DUE_NOW of them due already, so the
    pass the bot runs does the same work on either database."""
    path = scratch_dir() / f"memory-{chats}.sqlite3"
    result = roadmap_bot("db", "upgrade", cwd=path.parent, DATABASE_URL=f"sqlite+aiosqlite:///{path}")
    assert result.returncode == 0, result.stderr
    now = dt.datetime.now(dt.UTC)
    bulk_load_sqlite(path, chats, now + dt.timedelta(minutes=1), dt.timedelta(days=7))
    with sqlite3.connect(path) as connection:
        past = (now - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
        connection.execute("UPDATE reminders SET due_at = ? WHERE chat_id <= ?", (past, DUE_NOW))
    return path


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench memory")
    parser.add_argument("--quick", action="store_true", help="small databases, no wait for a nudge pass")
    args = parser.parse_args(argv)
    small, big = (100, 2_000) if args.quick else (1_000, 1_000_000)
    figures = {}
    for chats in (small, big):
        rss, ready = run_bot(database_of(chats), wait_for_pass=not args.quick)
        figures[chats] = rss
        print(f"{chats:>9,} chats: peak RSS {rss / 1024:.1f} MiB (polling after {ready:.2f} s)")
    ratio = figures[big] / figures[small]
    print(f"ratio {ratio:.3f} (goal <= 1.2)")
    return summary("memory", small_mib=figures[small] / 1024, big_mib=figures[big] / 1024, ratio=ratio, chats=big)
