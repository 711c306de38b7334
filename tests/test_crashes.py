"""Crashes and contention, with real processes: `roadmap-bot nudge` killed (SIGKILL) in the middle
of a pass, `roadmap-bot run` killed between a tap and its reply, and the bot and a nudge pass
writing one SQLite file at once. Every process talks HTTP to the fake Bot API and keeps its data
in a real database, which the tests then read back (tests/databases.py `ProcessDatabase`): the
kills run on a SQLite file and on a PostgreSQL schema of its own; the two processes on one
SQLite file are about SQLite only.

The figures these tests measure (sends before a kill, nudges missed, kill outcomes, taps handled)
are printed as `FIGURES ...` lines: `pytest tests/test_crashes.py -s` shows them. The random kill
moments come from a seed it prints; `CRASH_SEED=<seed>` repeats a run's moments.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.nudges import BATCH, HOLD
from handlers.error_views import sorry
from roadmaps import load_catalog
from storage import Storage, upgrade
from storage.tables import reminders
from tests.databases import ProcessDatabase
from tests.fakebotapi import BOT_ID, BotMessage, FakeBotAPI, FakeBotAPIServer
from tests.process import ROADMAP_BOT, environment, roadmap_bot
from tests.support import DUE, find_button, load_due_reminders

# Messages a second the processes may send: high, so a thousand nudges take seconds, not 35.
RATE = "300"
NUDGE_START = "⏰ <b>Your next step</b>"
SEED = "Backend Engineer (AI era)"
SEED_ID = "backend-engineer-ai-era"
STEPS = [step.id for step in load_catalog().get(SEED_ID).steps]  # type: ignore[union-attr]
STEP_ONE = "1. A typed language + git"
WEEK = dt.timedelta(days=7)
LONG = 60.0  # seconds any one wait may take on a slow, loaded machine before the test fails


class CrashableBotAPI(FakeBotAPI):
    """The fake Bot API, plus what a crash needs: requests of a dead process that had not reached
    Telegram yet never arrive (`hang_up`), nudges held from a count on until then (`hold_nudges`),
    and the time and chat of every nudge delivered."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.generation = 0
        self._began_in: dict[int, int] = {}
        self.dropped: list[str] = []
        self.nudges: list[tuple[float, int]] = []
        self.held_after: int | None = None
        self.held = 0

    def hang_up(self) -> None:
        """The calling process is dead: its requests still on their way (a delayed or held one) are lost."""
        with self._changed:
            self.generation += 1
            self.held_after = None
            self._changed.notify_all()

    def hold_nudges(self, after: int) -> None:
        """Once `after` nudges are delivered, hold every further one unanswered until `hang_up`
        (which ends the hold): a pass cannot get past that count, so a kill lands in its middle."""
        with self._changed:
            self.held_after = after

    def take_delay(self, method: str) -> float:
        with self._changed:
            self._began_in[threading.get_ident()] = self.generation  # the server thread's request
        return super().take_delay(method)

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        with self._changed:
            if self._began_in.pop(threading.get_ident(), self.generation) != self.generation:
                self.dropped.append(method)
                return None
            if method != "getUpdates":  # (a long poll waits on the condition, so it runs unheld)
                text = str(params.get("text") or "")
                if self._holds(method, text):
                    self.held += 1
                    self._changed.notify_all()
                    generation = self.generation
                    self._changed.wait_for(lambda: self.generation != generation, LONG)
                    self.dropped.append(method)
                    return None
                answer = super().handle(method, params)
                if method == "sendMessage" and answer is not None and answer[0] == 200 and text.startswith(NUDGE_START):
                    self.nudges.append((time.monotonic(), int(params["chat_id"])))
                return answer
        return super().handle(method, params)

    def _holds(self, method: str, text: str) -> bool:
        """Whether this call is a nudge past the count to hold at."""
        after = self.held_after
        return (
            after is not None and method == "sendMessage" and text.startswith(NUDGE_START) and len(self.nudges) >= after
        )

    def nudge_counts(self, start: int = 0) -> Counter[int]:
        """Nudges delivered per chat, from the `start`-th nudge on."""
        with self._changed:
            return Counter(chat_id for _, chat_id in self.nudges[start:])


class OwnBotAPIServer(FakeBotAPIServer):
    """The fake over HTTP, for this test's processes only: a token of its own means no process of
    another test (on a port used before) takes its updates."""

    def __init__(self, api: FakeBotAPI) -> None:
        super().__init__(api, token=f"{BOT_ID}:crash-{uuid.uuid4().hex}")


class Person:
    """Someone in a chat with a bot process, over the fake's HTTP: sends, taps, waits for answers."""

    def __init__(self, api: CrashableBotAPI, chat_id: int) -> None:
        self.api, self.chat_id = api, chat_id

    def send(self, text: str) -> BotMessage:
        """Send a message and wait for the bot's new message in this chat."""
        api = self.api
        before = len(api.calls)
        api.push(api.message_update(self.chat_id, text))
        api.wait_for(
            lambda: any(
                c.method == "sendMessage" and c.ok and c.params.get("chat_id") == self.chat_id
                for c in api.calls[before:]
            ),
            LONG,
        )
        return api.last_message(self.chat_id)

    def press(self, data: str, message: BotMessage) -> str:
        """Tap a button with this data on a message; the query's id (nothing is waited for)."""
        update = self.api.callback_update(self.chat_id, data, message_id=message.message_id)
        self.api.push(update)
        return str(update["callback_query"]["id"])

    def tap(self, label: str, message: BotMessage) -> BotMessage:
        """Tap a button of a message; wait until the tap is answered and the message edited."""
        edits = message.edits
        query = self.press(find_button(message, label)["callback_data"], message)
        self.api.wait_for(lambda: query not in self.api.open_queries and message.edits > edits, LONG)
        return message


def settings(server: FakeBotAPIServer, database: ProcessDatabase, **more: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": database.url,
        "TELEGRAM_MESSAGES_PER_SECOND": RATE,
        **more,
    }


def launch(
    server: FakeBotAPIServer, database: ProcessDatabase, log: Path, *args: str, **more: str
) -> subprocess.Popen[bytes]:
    """Start `roadmap-bot ARGS`; its stdout and stderr go to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [ROADMAP_BOT, *args],
            cwd=database.directory,
            env=environment(**settings(server, database, **more)),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@contextmanager
def reaped(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Whatever happens, the process is dead at the end (a test stops it its own way before)."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


@contextmanager
def polling_bot(server: FakeBotAPIServer, database: ProcessDatabase, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`roadmap-bot run`, once it polls for updates; killed at the end if still alive."""
    api = server.api
    polls = len(api.calls_of("getUpdates"))
    with reaped(launch(server, database, log, "run")) as process:
        api.wait_for(lambda: len(api.calls_of("getUpdates")) > polls, LONG)
        yield process


def sigkill(process: subprocess.Popen[bytes], api: CrashableBotAPI) -> None:
    """SIGKILL, the way the kernel's OOM killer or a pulled plug ends a process: no cleanup at all."""
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    api.hang_up()


def sigterm(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, log.read_text()


def assert_clean(output: str) -> None:
    """No error of any kind in a process's output."""
    assert "database is locked" not in output, output
    assert " ERROR " not in output and "Traceback" not in output, output


def clean(log: Path) -> str:
    """A process's log, checked for errors of any kind."""
    text = log.read_text()
    assert_clean(text)
    return text


# --- the database, read back -----------------------------------------------------------


def assert_whole(database: ProcessDatabase) -> None:
    """The database is sound and no row hangs without its parent: every write landed whole or not at all."""
    if database.dialect == "sqlite":  # PostgreSQL checks its pages and foreign keys itself
        assert database.rows("PRAGMA integrity_check") == [("ok",)]
        assert database.rows("PRAGMA foreign_key_check") == []
    orphans = {
        "step_states without chat_roadmaps": """
            SELECT s.chat_id FROM step_states s LEFT JOIN chat_roadmaps r
            ON r.chat_id = s.chat_id AND r.roadmap_id = s.roadmap_id WHERE r.chat_id IS NULL""",
        "chat_roadmaps without chats": """
            SELECT r.chat_id FROM chat_roadmaps r LEFT JOIN chats c ON c.id = r.chat_id WHERE c.id IS NULL""",
        "reminders without chats": """
            SELECT m.chat_id FROM reminders m LEFT JOIN chats c ON c.id = m.chat_id WHERE c.id IS NULL""",
        "started chats without a reminder": """
            SELECT DISTINCT r.chat_id FROM chat_roadmaps r LEFT JOIN reminders m
            ON m.chat_id = r.chat_id WHERE m.chat_id IS NULL""",
    }
    for name, sql in orphans.items():
        assert database.rows(sql) == [], name


def rows_of_chat(database: ProcessDatabase, chat_id: int) -> tuple[int, int, int]:
    """How many chat_roadmaps, reminders and step_states rows a chat has: a first step change
    writes one of each, in one transaction."""
    [counts] = database.rows(
        """SELECT (SELECT count(*) FROM chat_roadmaps WHERE chat_id = :chat),
                  (SELECT count(*) FROM reminders WHERE chat_id = :chat),
                  (SELECT count(*) FROM step_states WHERE chat_id = :chat)""",
        chat=chat_id,
    )
    return counts[0], counts[1], counts[2]


def state_of(database: ProcessDatabase, chat_id: int, step_id: str) -> str | None:
    """A step's state as stored; None when it has no row (not started)."""
    rows = database.rows(
        "SELECT state FROM step_states WHERE chat_id = :chat AND roadmap_id = :roadmap AND step_id = :step",
        chat=chat_id,
        roadmap=SEED_ID,
        step=step_id,
    )
    return rows[0][0] if rows else None


def done_steps(database: ProcessDatabase, chat_id: int) -> set[str]:
    rows = database.rows("SELECT step_id FROM step_states WHERE chat_id = :chat AND state = 'done'", chat=chat_id)
    return {step_id for (step_id,) in rows}


# --- due reminders, loaded once per size and copied for each test ------------------------

DueDatabase = Callable[[ProcessDatabase, int], None]


@pytest.fixture(scope="module")
def due_database(tmp_path_factory: pytest.TempPathFactory) -> DueDatabase:
    """Fills a database with `count` chats whose reminders are due by DUE: a SQLite file is a copy
    of one migrated by `roadmap-bot db upgrade` and loaded once per size; a PostgreSQL schema is
    migrated and loaded for its test."""
    templates: dict[int, Path] = {}

    async def load(storage: Storage, count: int) -> None:
        await upgrade(storage.engine)
        await load_due_reminders(storage, count)

    def make(database: ProcessDatabase, count: int) -> None:
        if database.dialect != "sqlite":
            database.run(lambda storage: load(storage, count))
            return
        if count not in templates:
            template = tmp_path_factory.mktemp(f"due-{count}") / "bot.sqlite3"
            url = f"sqlite+aiosqlite:///{template}"
            upgraded = roadmap_bot("db", "upgrade", cwd=template.parent, DATABASE_URL=url)
            assert upgraded.returncode == 0, upgraded.stderr
            ProcessDatabase("sqlite", url, template.parent).run(lambda storage: load_due_reminders(storage, count))
            with closing(sqlite3.connect(template)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            templates[count] = template
        shutil.copyfile(templates[count], database.sqlite_file)

    return make


# --- 1. SIGKILL in the middle of a nudge pass --------------------------------------------

CHATS = 1_000


# Kills in an early, the middle and a late batch on SQLite; PostgreSQL's claims in the middle one.
@pytest.mark.parametrize(
    ("process_database", "kill_after"),
    [("sqlite", 150), ("sqlite", 500), ("sqlite", 850), ("postgresql", 500)],
    indirect=["process_database"],
)
def test_a_nudge_pass_killed_midway_sends_no_chat_two_and_misses_at_most_the_batch_in_flight(
    tmp_path: Path, process_database: ProcessDatabase, due_database: DueDatabase, kill_after: int
) -> None:
    database = process_database
    due_database(database, CHATS)
    everyone = set(range(1, CHATS + 1))
    api = CrashableBotAPI()
    with OwnBotAPIServer(api) as server:
        killed_log = tmp_path / "killed.log"
        api.hold_nudges(after=kill_after)  # the pass cannot finish before the kill
        with reaped(launch(server, database, killed_log, "nudge", "--at", DUE.isoformat())) as killed:
            api.wait_for(lambda: len(api.nudges) >= kill_after and api.held > 0, LONG)
            sigkill(killed, api)  # while the pass waits on its next nudge
        sent_before_kill = len(api.nudges)
        assert sent_before_kill == kill_after, "the kill landed with exactly the nudges delivered until the hold"
        assert "nudge pass at" not in clean(killed_log), "the killed pass never reported an end"
        [(recorded,)] = database.rows("SELECT count(*) FROM reminders WHERE last_sent_at IS NOT NULL")
        assert recorded <= sent_before_kill < CHATS, "killed in the middle of the pass"

        # The same moment again, as the bot's next tick (or an operator) would run it.
        again = roadmap_bot("nudge", "--at", DUE.isoformat(), cwd=tmp_path, timeout=LONG, **settings(server, database))
        assert again.returncode == 0, again.stdout + again.stderr
        assert_clean(again.stdout + again.stderr)
        first_week = api.nudge_counts()
        duplicates = {chat: n for chat, n in first_week.items() if n > 1}
        assert not duplicates, f"chats nudged twice: {duplicates}"
        missed = everyone - set(first_week)
        assert len(missed) <= BATCH, f"{len(missed)} chats missed their nudge, more than one batch"
        # The chats missed are among those of the batch the dead process had claimed and not
        # recorded: held a week after the claim, with no nudge on record (some of that batch
        # had their nudge delivered before the kill).
        in_flight = database.rows(
            select(reminders.c.chat_id, reminders.c.due_at).where(reminders.c.last_sent_at.is_(None))
        )
        assert len(in_flight) <= BATCH
        assert missed <= {chat for chat, _ in in_flight}
        assert {due for _, due in in_flight} <= {DUE + HOLD}
        assert database.rows(select(func.count()).select_from(reminders).where(reminders.c.due_at <= DUE)) == [(0,)]

        # A week after the claim every chat is due again, the missed ones included.
        week_on = len(api.nudges)
        later = roadmap_bot(
            "nudge", "--at", (DUE + WEEK).isoformat(), cwd=tmp_path, timeout=LONG, **settings(server, database)
        )
        assert later.returncode == 0, later.stdout + later.stderr
        assert_clean(later.stdout + later.stderr)
        second_week = api.nudge_counts(week_on)
        lost = everyone - set(second_week)
        assert not lost, f"{len(lost)} chats got no nudge the week after the kill"
        assert max(second_week.values()) == 1, "no chat got two that week"
        assert set(second_week) == everyone

    # Nudges a chat left unanswered, as the database counts them, against those it was sent.
    counted = dict(database.rows("SELECT chat_id, unanswered FROM reminders"))
    received = api.nudge_counts()
    unanswered = Counter(f"{counted[chat]} counted / {received[chat]} sent" for chat in everyone)
    # A claim the dead process left is taken back: no chat counts a nudge it may never have had,
    # so none is nearer the pause than the nudges it really got.
    assert all(counted[chat] <= received[chat] for chat in everyone), unanswered
    print(
        f"\nFIGURES nudge kill after {kill_after} ({database.dialect}): sent by the killed pass {sent_before_kill}, "
        f"requests in flight lost {len(api.dropped)}, batch in flight {len(in_flight)}, "
        f"of which delivered {len(in_flight) - len(missed)}, missed that week {len(missed)}, "
        f"duplicates {len(duplicates)}, sent by the second pass {sum(first_week.values()) - sent_before_kill}; "
        f"next week: {sum(second_week.values())} sent, {len(lost)} lost, "
        f"{sum(1 for n in second_week.values() if n > 1)} twice; unanswered nudges per chat {dict(unanswered)}"
    )


# --- 2. SIGKILL between a tap and its reply ----------------------------------------------

CHAT = 4242


def test_a_bot_killed_after_recording_a_tap_but_before_its_reply_keeps_the_tap_and_a_new_tap_shows_it(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    api, database = CrashableBotAPI(), process_database  # the bot migrates it itself
    logs = [tmp_path / "bot-1.log", tmp_path / "bot-2.log"]
    with OwnBotAPIServer(api) as server:
        person = Person(api, CHAT)
        with polling_bot(server, database, logs[0]) as bot:
            welcome = person.send("/start")
            assert "Welcome" in welcome.text
            card = person.tap(SEED, welcome)
            card = person.tap(STEP_ONE, card)
            assert "State: ⬜ Not yet" in card.text
            edits_begun = api.begun.count("editMessageText")
            api.delay("editMessageText", 30)  # Telegram is slow to take the reply...
            person.press(find_button(card, "✅ Mark done")["callback_data"], card)
            api.wait_for(lambda: api.begun.count("editMessageText") > edits_begun, LONG)
            sigkill(bot, api)  # ...and the process dies while the reply is on its way
        clean(logs[0])

        assert_whole(database)
        assert state_of(database, CHAT, STEPS[0]) == "done", "the tap was written before its reply went out"
        assert done_steps(database, CHAT) == {STEPS[0]}
        assert "State: ⬜ Not yet" in card.text, "the reply never reached the chat"

        with polling_bot(server, database, logs[1]) as bot:
            # The person sees no change and taps the same, stale, button again.
            query_id = person.press(find_button(card, "✅ Mark done")["callback_data"], card)
            api.wait_for(lambda: query_id not in api.open_queries and "State: ✅ Done" in card.text, LONG)
            sigterm(bot, logs[1])
        clean(logs[1])

    assert "10% · 1 of 10 steps done" in card.text
    assert find_button(card, "↩️ Undo")
    assert state_of(database, CHAT, STEPS[0]) == "done" and done_steps(database, CHAT) == {STEPS[0]}
    assert_whole(database)


KILLS = 6


def test_kills_at_random_moments_shortly_after_a_tap_leave_each_write_whole_and_a_retap_repairs_the_view(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    """The moments come from a seed printed first (shown when the test fails); CRASH_SEED=<seed> repeats them."""
    seed = int(os.environ.get("CRASH_SEED") or random.randrange(2**32))
    print(f"CRASH_SEED={seed}")
    rng = random.Random(seed)
    api, database = CrashableBotAPI(), process_database
    outcomes: list[str] = []
    processes: list[subprocess.Popen[bytes]] = []

    def start_bot(log: Path) -> subprocess.Popen[bytes]:
        polls = len(api.calls_of("getUpdates"))
        processes.append(launch(server, database, log, "run"))
        api.wait_for(lambda: len(api.calls_of("getUpdates")) > polls, LONG)
        return processes[-1]

    with OwnBotAPIServer(api) as server:
        try:
            bot_log = tmp_path / "bot-0.log"
            bot = start_bot(bot_log)
            for kill in range(KILLS):
                chat_id, opening = 6000 + kill, kill % 2 == 0  # "opening": starting the roadmap
                person = Person(api, chat_id)
                message = person.tap(STEP_ONE, person.tap(SEED, person.send("/start")))
                if not opening:
                    message = person.tap("🟡 Working on it", message)
                label, expected = ("🟡 Working on it", "State: 🟡") if opening else ("✅ Mark done", "State: ✅ Done")
                data = find_button(message, label)["callback_data"]
                # Spread over 0-100 ms, denser early, where the write and the reply happen.
                wait = 0.1 * ((kill // 2 + rng.random()) / (KILLS // 2)) ** 2
                killed_query = person.press(data, message)
                time.sleep(wait)  # a random moment: before, during or after the write and the reply
                sigkill(bot, api)
                clean(bot_log)

                assert_whole(database)
                if opening:  # one transaction starts the roadmap: its row, the reminder, the step's state
                    rows = rows_of_chat(database, chat_id)
                    assert rows in {(0, 0, 0), (1, 1, 1)}, f"seed {seed}: half a start {rows}"
                    written = rows == (1, 1, 1)
                else:
                    state = state_of(database, chat_id, STEPS[0])
                    assert state in {"working", "done"}, f"seed {seed}: step state {state!r}"
                    written = state == "done"
                shown = expected in message.text
                assert written or not shown, "a reply is only shown for a tap that was recorded"

                # The bot comes back; the person taps the same button again and sees it agree.
                bot_log = tmp_path / f"bot-{kill + 1}.log"
                restarted = len(api.calls)
                bot = start_bot(bot_log)
                query_id = person.press(data, message)
                api.wait_for(lambda: query_id not in api.open_queries and expected in message.text, LONG)  # noqa: B023
                # An update the dead process had not confirmed (getUpdates' offset) comes again.
                again = any(
                    c.method == "answerCallbackQuery" and str(c.params.get("callback_query_id")) == killed_query
                    for c in api.calls[restarted:]
                )
                outcomes.append(
                    f"{'open' if opening else 'mark'} +{wait * 1000:.0f}ms: "
                    f"{'recorded' if written else 'not recorded'}, {'shown' if shown else 'not shown'}"
                    + (", handled again after the restart" if again else "")
                )
                if opening:
                    assert rows_of_chat(database, chat_id) == (1, 1, 1)
                else:
                    assert state_of(database, chat_id, STEPS[0]) == "done"
                    assert "10% · 1 of 10 steps done" in message.text
                assert_whole(database)
            sigterm(bot, bot_log)
            clean(bot_log)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                process.wait(timeout=30)
    assert len(outcomes) == KILLS
    assert [p.returncode for p in processes] == [-signal.SIGKILL] * KILLS + [0]
    print(f"\nFIGURES random kills ({database.dialect}, seed {seed}): " + "; ".join(outcomes))


# --- 3. The bot and a nudge pass on one SQLite file at once ------------------------------

TAPPERS = 20
DUE_CHATS = 500
MIN_TAPS = 8


class Walker(threading.Thread):
    """One chat walking the seed roadmap's steps back and forth, marking and unmarking them."""

    def __init__(self, api: CrashableBotAPI, chat_id: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.person, self.stop = Person(api, chat_id), stop
        self.done = [False] * len(STEPS)
        self.ready = threading.Event()
        self.taps: list[float] = []  # when each tap was answered and shown
        self.history: list[str] = []  # each tap and the card's heading and state after it
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.walk()
        except BaseException as error:
            self.error = AssertionError(f"{error!r}; the last taps: {self.history[-6:]}")
            self.ready.set()

    def walk(self) -> None:
        card = self.person.tap(SEED, self.person.send("/start"))
        card = self.person.tap(STEP_ONE, card)
        self.ready.set()
        index, direction = 0, 1
        while not (self.stop.is_set() and len(self.taps) >= MIN_TAPS):
            if self.done[index]:
                self.tap("↩️ Undo", card)
                assert "State: ⬜ Not yet" in card.text
            else:
                self.tap("✅ Mark done", card)
                # The last step done shows the roadmap completed (its card celebrates instead).
                assert "State: ✅ Done" in card.text or "🎉 You completed" in card.text, card.text
            self.done[index] = not self.done[index]
            if not 0 <= index + direction < len(STEPS):
                direction = -direction
            index += direction
            self.tap(f"Step {index + 1} ▶" if direction > 0 else f"◀ Step {index + 1}", card)
            assert f"Step {index + 1} of 10" in card.text

    def tap(self, label: str, card: BotMessage) -> None:
        self.person.tap(label, card)
        self.taps.append(time.monotonic())
        lines = card.text.splitlines()
        self.history.append(f"{label} -> {lines[0]} / {next((x for x in lines if x.startswith('State:')), '?')}")


def test_the_bot_taking_taps_and_a_nudge_pass_write_one_sqlite_file_at_once_without_locking_errors(
    tmp_path: Path, due_database: DueDatabase
) -> None:
    """About SQLite only: two processes writing one file (WAL, the busy timeout, BEGIN IMMEDIATE).
    Several nudge passes claiming at once on PostgreSQL are in tests/test_scale_out.py."""
    database = ProcessDatabase("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", tmp_path)
    due_database(database, DUE_CHATS)
    api = CrashableBotAPI()
    bot_log, nudge_log = tmp_path / "bot.log", tmp_path / "nudge.log"
    stop = threading.Event()
    walkers = [Walker(api, 7001 + i, stop) for i in range(TAPPERS)]
    with OwnBotAPIServer(api) as server, polling_bot(server, database, bot_log) as bot:
        try:
            for walker in walkers:
                walker.start()
            for walker in walkers:
                assert walker.ready.wait(LONG), "the chats reached their first step card"
            nudge = ("nudge", "--at", DUE.isoformat())
            with reaped(launch(server, database, nudge_log, *nudge, TELEGRAM_MESSAGES_PER_SECOND="200")) as nudging:
                assert nudging.wait(timeout=LONG * 2) == 0, nudge_log.read_text()
        finally:
            stop.set()
            for walker in walkers:
                walker.join(timeout=LONG)
        sigterm(bot, bot_log)

    errors = [
        (w.person.chat_id, w.error, sorted(STEPS.index(s) + 1 for s in done_steps(database, w.person.chat_id)))
        for w in walkers
        if w.error is not None or w.is_alive()
    ]
    assert not errors, errors
    clean(bot_log)
    reported = re.search(r"nudge pass at \S+: (\d+) sent", clean(nudge_log))
    assert reported is not None, nudge_log.read_text()

    # Every due chat got its nudge exactly once.
    nudges = api.nudge_counts()
    due = {chat: n for chat, n in nudges.items() if chat <= DUE_CHATS}
    assert set(due) == set(range(1, DUE_CHATS + 1)) and max(due.values()) == 1
    assert all(nudges[w.person.chat_id] <= 1 for w in walkers)
    # No chat was told something went wrong (sorry(), or any other apology of the error handler).
    texts = [str(c.params.get("text")) for c in api.calls if c.params.get("text")]
    assert not [text for text in texts if sorry() in text or text.startswith("Sorry")]
    # Every tap is in the database.
    for walker in walkers:
        chat_id = walker.person.chat_id
        assert done_steps(database, chat_id) == {step for step, done in zip(STEPS, walker.done, strict=True) if done}
    assert_whole(database)

    # The taps and the nudges really overlapped.
    first, last = api.nudges[0][0], api.nudges[-1][0]
    taps = sorted(t for w in walkers for t in w.taps)
    during = sum(first <= t <= last for t in taps)
    assert during >= TAPPERS, f"only {during} taps while nudges went out"
    print(
        f"\nFIGURES two processes: {len(taps)} taps by {TAPPERS} chats, {during} of them during the "
        f"{last - first:.1f} s of {sum(due.values())} nudges ({reported[1]} sent by the nudge process); "
        "database-locked errors 0, ERROR lines 0"
    )
