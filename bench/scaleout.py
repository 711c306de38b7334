"""scaleout: one `roadmap-bot run` in webhook mode, then two, on one PostgreSQL database, with taps
sent as signed webhook updates over loopback.

The database holds 20,000 chats' histories (tests/histories.py), their reminders due after the run.
A load generator in this process keeps 32 updates in flight per instance, each chat's taps one after
another (open a step, mark it done, undo, the roadmap's page 2), every request to the next instance
in turn, each of its 32 workers on connections of its own as Telegram's are; the webhook answers
once the update is handled (answered and the card edited, on bench/thinapi.py's fake Bot API, a
process of its own, not counted).
Both instances start, then each round has four phases: one instance tapped (the other idle, its CPU
not counted) and both, first flat out (each worker's next tap as soon as its last is answered),
then paced (taps sent at a fixed rate, the same for both phases: by default PACED_SHARE of what one
instance did flat out in the first round; with two instances each serves half of it, so its
batches are smaller and its fixed work is shared by fewer taps, which is part of what a second
instance costs). One instance goes first in odd rounds and last in even ones. For each phase:
taps a second, and the CPU seconds the tapped bot processes and the bots' PostgreSQL backends
spent (/proc; the backends are told by their application_name), so a round's efficiency is two
instances' taps per CPU-second over one's: 1 means the second instance costs nothing extra per
tap, whatever the machine's cores allow in throughput.
`efficiency` is the median of the paced rounds': the same taps a second through one instance and
through two, so both serve the same load and the comparison is of what a tap costs. Flat out, two
bots, PostgreSQL, the load generator and the fake Bot API want more than a small machine's cores,
so the scheduler takes the bots off their cores several times a tap and the CPU a tap costs grows
with that sharing, which is the machine's more than the bot's: the flat-out rounds give each
setup's taps a second (`one_taps_per_s`, `two_taps_per_s`), and their efficiency is printed beside.
The phases alternate so that the machine's speed, which drifts within minutes on a shared 2-core
machine, moves both sides of a round alike. The bots' context switches a tap, waiting (for I/O) and
taken (by the scheduler, for another process), show how much the phase made them share the
machine's cores.
pg_stat_activity is sampled every 50 ms for the bots' backends waiting on a lock.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.common import (
    POSTGRES_URL,
    backend_pids,
    context_switches,
    cpu_seconds,
    median,
    postgres_reachable,
    scratch_dir,
    summary,
    with_application_name,
)
from bench.taps import TAPS
from roadmaps import load_catalog
from storage import Storage, create_engine, upgrade
from tests.databases import schema_for_processes
from tests.fakebotapi import TOKEN
from tests.histories import FULL, HISTORY_WEEK, LANGUAGES, load_postgresql
from tests.process import ROADMAP_BOT, environment
from tests.serving import free_ports

# The application_name of this run's connections, not another's: the instances' are APPLICATION-1
# and APPLICATION-2; the benchmark's own (the sampler's, the counting's) are named apart, not counted.
APPLICATION = f"roadmap-scaleout-{os.getpid()}"
SECRET = "scaleout-secret_0123456789"
IN_FLIGHT = 32  # updates in flight per instance
ROUNDS = 3
# The paced phases' rate, as a share of one instance's flat out: one bot busy most of the time but
# not all of it, so neither phase has more work than the machine's cores.
PACED_SHARE = 0.6
MISSED = 0.95  # a paced phase below this share of its rate was flat out after all


@dataclass
class Instance:
    """A running `roadmap-bot run` and its webhook."""

    process: subprocess.Popen[bytes]
    url: str
    name: str  # its connections' application_name


@dataclass
class Phase:
    """What one phase measured."""

    taps: int = 0
    seconds: float = 0.0
    bot_cpu: float = 0.0
    pg_cpu: float = 0.0
    generator_cpu: float = 0.0  # this process's (the load generator's and the sampler's): not counted
    switches: tuple[int, int] = (0, 0)  # the tapped bots' context switches, voluntary and involuntary
    samples: int = 0
    lock_waits: int = 0  # samples in which a backend of the bots waited on a lock
    waits: dict[str, int] = field(default_factory=dict)  # every wait event seen, by kind, summed over samples

    @property
    def per_cpu_second(self) -> float:
        return self.taps / (self.bot_cpu + self.pg_cpu)


@contextmanager
def thin_api(directory: Path) -> Iterator[str]:
    """bench/thinapi.py on a free port, in a process of its own; its URL."""
    (port,) = free_ports(1)
    with (directory / "thinapi.log").open("ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "bench.thinapi", str(port)], env=environment(), stdout=log)
    try:
        deadline = time.monotonic() + 60
        while "listening" not in (directory / "thinapi.log").read_text():
            assert process.poll() is None and time.monotonic() < deadline, "the fake Bot API did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()


@contextmanager
def running(api_url: str, schema_url: str, name: str, directory: Path) -> Iterator[Instance]:
    """`roadmap-bot run` in webhook mode on a port of its own, its connections named `name`, once it
    answers /healthz."""
    (port,) = free_ports(1)
    env = environment(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        DATABASE_URL=with_application_name(schema_url, name),
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=SECRET,
        PORT=str(port),
        LOG_LEVEL=os.environ.get("SCALEOUT_LOG_LEVEL", "WARNING"),
    )
    with (directory / f"bot-{port}.log").open("ab") as log:
        process = subprocess.Popen([ROADMAP_BOT, "run"], cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"the bot ended: see {directory}"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the bot did not answer /healthz within 120 s"
            time.sleep(0.2)
        yield Instance(process, f"http://127.0.0.1:{port}/telegram", name)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def backends(connection: object, instances: list[Instance]) -> list[int]:
    """The pids of the instances' PostgreSQL backends."""
    return [pid for instance in instances for pid in await backend_pids(connection, instance.name)]


async def sample_waits(storage: Storage, phase: Phase, stop: asyncio.Event) -> None:
    """Every 50 ms until `stop`: which wait events the bots' backends (both instances', tapped or
    not) are in, and for a lock, the statement that waits and the one its blocker last ran."""
    query = text(
        "SELECT a.wait_event_type, a.wait_event, left(a.query, 70),"
        " (SELECT left(b.query, 70) FROM pg_stat_activity AS b WHERE b.pid = (pg_blocking_pids(a.pid))[1])"
        " FROM pg_stat_activity AS a"
        " WHERE a.application_name LIKE :names AND a.state = 'active' AND a.wait_event_type IS NOT NULL"
    )
    async with storage.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        while not stop.is_set():
            rows = (await connection.execute(query, {"names": f"{APPLICATION}-_"})).all()
            phase.samples += 1
            phase.lock_waits += any(kind == "Lock" for kind, *_ in rows)
            for kind, event, waiting, blocker in rows:
                key = f"{kind}:{event}" if kind != "Lock" else f"Lock:{event} [{waiting} ... behind: {blocker}]"
                phase.waits[key] = phase.waits.get(key, 0) + 1
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)


_update_ids = itertools.count(1)


def tap(chat_id: int, data: str) -> str:
    """A webhook update: a tap on a button of the chat's message 1."""
    n = next(_update_ids)
    # The person's app speaks the chat's language, as it did when the chat's history was made.
    app_language = LANGUAGES[chat_id % len(LANGUAGES)].replace("_", "-").lower()
    person = {"id": chat_id, "is_bot": False, "first_name": "Ada", "language_code": app_language}
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"}, "text": "-"}
    query = {"id": str(n), "from": person, "chat_instance": f"i{chat_id}", "data": data, "message": message}
    return json.dumps({"update_id": n, "callback_query": query})


async def post(client: httpx.AsyncClient, url: str, body: str, headers: dict[str, str]) -> httpx.Response:
    """POST an update; sent again on a connection the server had closed (its keep-alive clock ran out
    while the request went out on it), as Telegram does when a webhook's connection fails."""
    for _ in range(3):
        try:
            return await client.post(url, content=body, headers=headers)
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
            continue
    return await client.post(url, content=body, headers=headers)


async def send_taps(
    instances: list[Instance], chats: list[int], started: asyncio.Event | None = None, rate: float = 0.0
) -> int:
    """Every chat's taps, one after another per chat, IN_FLIGHT per instance at once, each request
    to the next instance in turn; the number of taps answered 200. With a `rate`, taps go out at
    that many a second (as people's taps reach Telegram, whatever the bot's speed), at most
    IN_FLIGHT per instance waiting for an answer; without, each as soon as a worker is free.
    `started` is set once the clients are made and the first request goes out.

    Each worker has a client of its own, with a connection to each instance: one client shared by
    all would keep every connection in one httpcore pool, which walks all of its connections for
    each request (twice over for the idle ones), so the generator's CPU per tap would grow with the
    connections, more than triple in the second phase, and take the bots' share of the machine."""
    turn, done = 0, 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for chat_id in chats:
        queue.put_nowait(chat_id)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=len(instances), max_keepalive_connections=len(instances))
    tls = ssl.create_default_context()  # unused over http://, but each client would load its own
    loop, slots, begin = asyncio.get_running_loop(), itertools.count(), 0.0

    async def paced() -> None:
        """At `rate`, the next tap's turn: the n-th tap goes out n / rate seconds after the first."""
        if rate:
            await asyncio.sleep(begin + next(slots) / rate - loop.time())

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal turn, done
        async with client:
            while not queue.empty():
                chat_id = queue.get_nowait()
                for data in TAPS:
                    await paced()
                    instance, turn = instances[turn % len(instances)], turn + 1
                    answer = await post(client, instance.url, tap(chat_id, data), headers)
                    assert answer.status_code == 200, answer.text
                    done += 1

    clients = [httpx.AsyncClient(limits=limits, timeout=60, verify=tls) for _ in range(IN_FLIGHT * len(instances))]
    begin = loop.time()
    if started is not None:
        started.set()
    await asyncio.gather(*(worker(client) for client in clients))
    return done


async def measure(schema_url: str, instances: list[Instance], chats: list[int], rate: float = 0.0) -> Phase:
    """One phase: the chats' taps, timed, with the CPU that the tapped instances and their
    PostgreSQL backends spent on them and the waits seen."""
    storage = Storage(create_engine(with_application_name(schema_url, f"{APPLICATION}-bench")))
    phase, stop, started = Phase(), asyncio.Event(), asyncio.Event()
    try:
        async with storage.engine.connect() as connection:
            pids = await backends(connection, instances)
        sending = asyncio.create_task(send_taps(instances, chats, started, rate))
        await asyncio.wait([sending, asyncio.ensure_future(started.wait())], return_when=asyncio.FIRST_COMPLETED)
        if sending.done():
            sending.result()  # it failed before its first request: its error
        bots_before = sum(cpu_seconds(i.process.pid) for i in instances)
        switches_before = [context_switches(i.process.pid) for i in instances]
        pg_before = {pid: cpu_seconds(pid) for pid in pids}
        generator_before, began = time.process_time(), time.perf_counter()
        sampler = asyncio.create_task(sample_waits(storage, phase, stop))
        phase.taps = await sending
        phase.seconds = time.perf_counter() - began
        phase.generator_cpu = time.process_time() - generator_before
        stop.set()
        await sampler
        phase.bot_cpu = sum(cpu_seconds(i.process.pid) for i in instances) - bots_before
        switched = [context_switches(i.process.pid) for i in instances]
        phase.switches = (
            sum(after[0] - before[0] for after, before in zip(switched, switches_before, strict=True)),
            sum(after[1] - before[1] for after, before in zip(switched, switches_before, strict=True)),
        )
        async with storage.engine.connect() as connection:
            pids = await backends(connection, instances)
        phase.pg_cpu = sum(cpu_seconds(pid) - pg_before.get(pid, 0.0) for pid in pids)
    finally:
        await storage.close()
    return phase


def report(name: str, phase: Phase) -> None:
    waits = "\n  ".join(f"{v:>5} {k}" for k, v in sorted(phase.waits.items(), key=lambda kv: -kv[1])[:8]) or "none"
    print(
        f"{name}: {phase.taps} taps in {phase.seconds:.1f} s = {phase.taps / phase.seconds:.0f} taps/s; CPU: bots "
        f"{phase.bot_cpu:.1f} s, PostgreSQL backends {phase.pg_cpu:.1f} s = {phase.per_cpu_second:.0f} taps per "
        f"CPU-second (the load generator {phase.generator_cpu:.1f} s, not counted); the bots' context switches a "
        f"tap {phase.switches[0] / phase.taps:.1f} waiting, {phase.switches[1] / phase.taps:.2f} taken; lock waits in "
        f"{phase.lock_waits} of {phase.samples} samples; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; the bots' backends seen waiting (samples):\n  {waits}",
        flush=True,
    )


async def prepare(url: str, chats: int) -> None:
    """The schema migrated and the chats' histories loaded, their reminders moved by whole weeks to
    fall after the run. Left in tests/histories.py's week, those due by today's clock would be sent
    during the phases: the bots' CPU would go to nudges (bench nudges measures those), twice as
    fast with two instances, and the figures would depend on the day the benchmark runs."""
    storage = Storage(create_engine(url))
    try:
        await upgrade(storage.engine)
        await load_postgresql(url, load_catalog(), 1, chats, FULL)
        after_run = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        weeks = dt.timedelta(weeks=max(0, (after_run - HISTORY_WEEK) // dt.timedelta(weeks=1) + 1))
        async with storage.engine.begin() as connection:
            await connection.execute(text("UPDATE reminders SET due_at = due_at + :weeks"), {"weeks": weeks})
            due = await connection.scalar(text("SELECT count(*) FROM reminders WHERE due_at < :t"), {"t": after_run})
        assert due == 0, f"{due} reminders would be due during the run"
    finally:
        await storage.close()


def main(argv: list[str] | None = None) -> str:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the schema is dropped on the way out
    parser = argparse.ArgumentParser(prog="python -m bench scaleout")
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the benchmark still works")
    parser.add_argument("--chats", type=int, default=20_000, help="chats in the database")
    parser.add_argument("--tapping", type=int, default=400, help="chats that tap, 4 taps each, per phase")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help=f"taps a second in the paced phases (default: {PACED_SHARE} of one instance's in the first round)",
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of the four phases, one after the other")
    args = parser.parse_args(argv)
    if not postgres_reachable():
        print("postgresql: not reachable, skipped")
        return summary("scaleout", efficiency=float("nan"), one_taps_per_s=0, two_taps_per_s=0)
    chats, tapping, rounds = (500, 20, 1) if args.quick else (args.chats, args.tapping, args.rounds)
    if rounds < 1 or tapping < 1 or (4 * rounds + 1) * tapping > chats or args.rate < 0:
        parser.error(f"each phase and the warm-up tap chats of their own: {(4 * rounds + 1) * tapping} over {chats}")
    directory = scratch_dir()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with schema_for_processes(POSTGRES_URL, "scaleout") as schema_url, thin_api(directory) as api_url:
        asyncio.run(prepare(with_application_name(schema_url, f"{APPLICATION}-bench"), chats))
        # Chats spread over the database, a slice for each phase and one to warm the instances with.
        spread = list(range(1, chats + 1, max(1, chats // ((4 * rounds + 1) * tapping))))
        slices = iter(spread[i * tapping : (i + 1) * tapping] for i in range(4 * rounds + 1))
        flat_out, paced, rate = [], [], args.rate
        with (
            running(api_url, schema_url, f"{APPLICATION}-1", directory) as one,
            running(api_url, schema_url, f"{APPLICATION}-2", directory) as two,
        ):
            asyncio.run(send_taps([one, two], next(slices)))  # the pools and caches filled

            def round_of(n: int, label: str, rate: float) -> tuple[Phase, Phase]:
                """One instance tapped and both, the one first in odd rounds and last in even ones:
                whatever drifts within a round (the machine, the database's own work after the
                writes) falls on each side in turn."""
                done: dict[int, Phase] = {}
                for tapped in ([one], [one, two]) if n % 2 else ([one, two], [one]):
                    done[len(tapped)] = asyncio.run(measure(schema_url, tapped, next(slices), rate))
                    report(
                        f"round {n}, {label}, {'one instance' if len(tapped) == 1 else 'two instances'}",
                        done[len(tapped)],
                    )
                return done[1], done[2]

            for n in range(1, rounds + 1):
                flat_out.append(round_of(n, "flat out", 0.0))
                alone = flat_out[0][0]
                rate = rate or max(1, round(PACED_SHARE * alone.taps / alone.seconds))
                paced.append(round_of(n, f"{rate:.0f} taps/s", rate))
                print(
                    f"round {n}: efficiency (taps per CPU-second, two over one) {efficiency(paced[-1]):.3f} at "
                    f"{rate:.0f} taps/s, {efficiency(flat_out[-1]):.3f} flat out",
                    flush=True,
                )
    shown = ", ".join(f"{efficiency(pair):.3f}" for pair in paced)
    print(f"efficiency at {rate:.0f} taps/s, the median of {rounds} rounds: {median_efficiency(paced):.3f} ({shown})")
    shown = ", ".join(f"{efficiency(pair):.3f}" for pair in flat_out)
    print(f"efficiency flat out, the median of {rounds} rounds: {median_efficiency(flat_out):.3f} ({shown})")
    missed = [p for pair in paced for p in pair if p.taps / p.seconds < MISSED * rate]
    if missed:
        print(f"{len(missed)} paced phases fell below {MISSED} of {rate:.0f} taps/s: their bots were flat out")
    return summary(
        "scaleout",
        efficiency=median_efficiency(paced),
        one_taps_per_s=round(median([a.taps / a.seconds for a, _ in flat_out])),
        two_taps_per_s=round(median([b.taps / b.seconds for _, b in flat_out])),
        paced_taps_per_s=round(rate),
        paced_missed=len(missed),
        flat_out_efficiency=median_efficiency(flat_out),
        lock_waits=sum(p.lock_waits for pair in flat_out + paced for p in pair),
    )


def efficiency(pair: tuple[Phase, Phase]) -> float:
    """A round's: two instances' taps per CPU-second over one's."""
    alone, both = pair
    return both.per_cpu_second / alone.per_cpu_second


def median_efficiency(pairs: list[tuple[Phase, Phase]]) -> float:
    return median([efficiency(pair) for pair in pairs])
