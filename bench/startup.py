"""startup: wall time from `roadmap-bot run` to its first getUpdates against a local stub,
beside the time Python takes just to import python-telegram-bot and SQLAlchemy."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from bench.common import median, scratch_dir, summary
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer
from tests.process import ROADMAP_BOT, environment


def time_to_first_poll(runs: int) -> list[float]:
    """Start the bot `runs` times on a fresh database each; seconds until it first polls."""
    return [first_poll() for _ in range(runs)]


def first_poll() -> float:
    """Start the bot once on a fresh database; seconds until it first polls."""
    directory = scratch_dir()
    api = FakeBotAPI()
    with FakeBotAPIServer(api) as server:
        env = environment(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=server.url,
            DATABASE_URL=f"sqlite+aiosqlite:///{directory / 'bot.sqlite3'}",
        )
        started = time.perf_counter()
        process = subprocess.Popen([ROADMAP_BOT, "run"], cwd=directory, env=env, stderr=subprocess.DEVNULL)
        try:
            api.wait_for(lambda: api.calls_of("getUpdates"), timeout=60)
            return time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=30)


def time_to_import(runs: int) -> list[float]:
    """Seconds for `python -c "import telegram.ext, sqlalchemy"`, `runs` times."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import telegram.ext, sqlalchemy"], check=True, env=environment())
        times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench startup")
    parser.add_argument("--quick", action="store_true", help="one run of each")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else 5
    bot, imports = median(time_to_first_poll(runs)), median(time_to_import(runs))
    print(
        f"roadmap-bot run to its first getUpdates: median {bot:.2f} s of {runs}, with migrations on a new database; "
        f"import telegram.ext, sqlalchemy: {imports:.2f} s"
    )
    return summary("startup", first_poll_s=bot, import_s=imports, ratio=bot / imports, runs=runs)
