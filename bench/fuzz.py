"""fuzz: 10,000 generated updates through the real Application (tests/fuzzing.py), on SQLite.

Every update is checked as in the test suite: no error reaches the error handler, every tap
is answered, no other chat's rows change. Prints the updates tried by kind, the failures
(hypothesis stops at the first and shows it, shrunk), and the time an update took by kind.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings

from bench.common import median, scratch_dir, summary
from roadmaps import load_catalog
from storage import Storage, create_engine, upgrade
from tests.fakebotapi import FakeBotAPI
from tests.fuzzing import FuzzRun, Updates, fuzz_application, kind_of

UPDATES = 10_000


def main(argv: list[str]) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench fuzz")
    parser.add_argument("--quick", action="store_true", help="200 updates, to see that it runs")
    parser.add_argument("--updates", type=int, default=UPDATES)
    args = parser.parse_args(argv)
    total = 200 if args.quick else args.updates
    with asyncio.Runner() as runner:
        api = FakeBotAPI()
        storage = Storage(create_engine(f"sqlite+aiosqlite:///{scratch_dir() / 'fuzz.sqlite3'}"))
        runner.run(upgrade(storage.engine))
        app = runner.run(fuzz_application(api, storage))
        run = FuzzRun(app, api, storage)
        runner.run(run.prepare())
        updates = Updates(api, load_catalog())
        took: dict[str, list[float]] = defaultdict(list)
        failure = "none"

        @settings(
            max_examples=total,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(update=updates.any())
        def one(update: dict[str, Any]) -> None:
            started = time.perf_counter()
            runner.run(run.feed(update))
            took[kind_of(update)].append(time.perf_counter() - started)

        started = time.perf_counter()
        try:
            one()
        except Exception as error:  # hypothesis re-raises the shrunk failing case
            failure = type(error).__name__
            print(f"FAILED: {error}")
        elapsed = time.perf_counter() - started
        runner.run(app.application.shutdown())
        runner.run(storage.close())
    tried = sum(len(times) for times in took.values())
    for kind, times in sorted(took.items(), key=lambda item: -len(item[1])):
        slowest = max(times) * 1000
        print(f"{kind:>22}: {len(times):6,} updates, median {median(times) * 1000:6.2f} ms, max {slowest:7.1f} ms")
    return summary(
        "fuzz",
        updates=tried,
        kinds=len(took),
        failures=0 if failure == "none" else 1,
        first_failure=failure,
        seconds=round(elapsed),
    )
