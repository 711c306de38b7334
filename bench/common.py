"""What the benchmarks share: bulk-loading a database, percentiles, the summary line."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import sqlite3
import statistics
import tempfile
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from telegram.request import RequestData

from bot.inprocess import InProcessRequest
from storage import Storage, create_engine, upgrade
from tests.databases import SEED, own_schema, reachable

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
STARTED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def summary(name: str, **figures: object) -> str:
    """The last line of a benchmark: `bench <name>: key=value ...`."""
    return f"bench {name}: " + " ".join(f"{key}={_shown(value)}" for key, value in figures.items())


def _shown(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The sample below which `fraction` of them lie (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="roadmap-bench-"))


@asynccontextmanager
async def fresh_storage(backend: str, directory: Path) -> AsyncIterator[Storage]:
    """A migrated, empty database: a SQLite file in `directory`, or a PostgreSQL schema of its own."""
    if backend == "sqlite":
        storage = Storage(create_engine(f"sqlite+aiosqlite:///{directory / 'bench.sqlite3'}"))
        await upgrade(storage.engine)
        try:
            yield storage
        finally:
            await storage.close()
        return
    async with own_schema(POSTGRES_URL, f"bench_{os.getpid()}") as options:
        storage = Storage(create_engine(POSTGRES_URL, **options))
        try:
            await upgrade(storage.engine)
            yield storage
        finally:
            await storage.close()


def postgres_reachable() -> bool:
    """Whether the benchmark PostgreSQL server answers."""
    return reachable(POSTGRES_URL)


def bulk_load_sqlite(
    path: Path,
    count: int,
    due: dt.datetime,
    spread: dt.timedelta,
    *,
    learners: int | None = None,
    created: dt.datetime = STARTED,
    slot: tuple[int, int] = (16, 9),  # Fridays (bit 4) at 09:00
) -> None:
    """Write `count` chats that came at `created`, the first `learners` of them (all, if None)
    having started the seed roadmap then, with reminders on `slot` (stored weekdays, hour) due from
    `due` over `spread`.

    Straight through the sqlite3 module in one transaction: a million chats take seconds.
    """
    connection = sqlite3.connect(path)
    came = created.strftime("%Y-%m-%d %H:%M:%S.%f")
    learning = range(1, (count if learners is None else learners) + 1)
    step = spread / count if count else spread
    try:
        with connection:
            connection.executemany(
                "INSERT INTO chats (id, created_at) VALUES (?, ?)", ((i, came) for i in range(1, count + 1))
            )
            connection.executemany(
                "INSERT INTO chat_roadmaps (chat_id, roadmap_id, started_at, last_activity_at) VALUES (?, ?, ?, ?)",
                ((i, SEED, came, came) for i in learning),
            )
            connection.executemany(
                "INSERT INTO reminders (chat_id, status, weekdays, hour, timezone, due_at, unanswered, failures)"
                " VALUES (?, 'active', ?, ?, 'UTC', ?, 0, 0)",
                ((i, *slot, (due + step * i).strftime("%Y-%m-%d %H:%M:%S.%f")) for i in learning),
            )
    finally:
        connection.close()


class CountingTransport(InProcessRequest):
    """The thinnest fake Bot API: counts sendMessage per chat and answers with a minimal message.

    For benchmarks of our own code: no HTML check, no message store, one small JSON answer.
    """

    def __init__(self) -> None:
        self.sent: Counter[int] = Counter()
        self._ids = itertools.count(1)

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        if endpoint == "getMe":
            result: Any = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif endpoint == "sendMessage":
            assert request_data is not None
            chat_id = int(request_data.parameters["chat_id"])  # type: ignore[arg-type]
            self.sent[chat_id] += 1
            result = {"message_id": next(self._ids), "date": 0, "chat": {"id": chat_id, "type": "private"}}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has spent, from /proc (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def context_switches(pid: int) -> tuple[int, int]:
    """A process's context switches so far, all its threads', (voluntary, involuntary), from /proc
    ((0, 0) once it is gone): a wait for I/O or a timer, and the scheduler taking the CPU back for
    another process."""
    voluntary = involuntary = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            counts = dict(line.split(":\t") for line in status.read_text().splitlines() if "ctxt_switches" in line)
        except OSError:
            continue  # a thread that ended meanwhile
        voluntary += int(counts["voluntary_ctxt_switches"])
        involuntary += int(counts["nonvoluntary_ctxt_switches"])
    return voluntary, involuntary


def with_application_name(url: str, name: str) -> str:
    """A URL of tests.databases.search_path_url (its dsn carries the search path) whose connections
    also carry an application_name, by which pg_stat_activity tells their backends."""
    return url + urllib.parse.quote(f"&application_name={name}", safe="")


async def backend_pids(connection: Any, name: str) -> list[int]:
    """The pids of the PostgreSQL backends of connections named `name`."""
    query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
    return [row[0] for row in await connection.execute(query, {"name": name})]
