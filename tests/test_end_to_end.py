"""End to end: the real `roadmap-bot run` process, polling a fake Bot API over HTTP."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from handlers.views import COMMANDS
from tests.conftest import find_button
from tests.fakebotapi import TOKEN, BotMessage, FakeBotAPI, FakeBotAPIServer
from tests.process import ROADMAP_BOT, environment, roadmap_bot

CHAT = 4242


class HttpChat:
    """A person in a chat with a bot process: updates go out through getUpdates, answers are waited for."""

    def __init__(self, api: FakeBotAPI, chat_id: int) -> None:
        self.api, self.chat_id = api, chat_id

    def send(self, text: str) -> BotMessage:
        """Send a message and wait for the bot's reply."""
        before = len(self.api.calls)
        self.api.push(self.api.message_update(self.chat_id, text))
        self.api.wait_for(lambda: self._changed_since(before))
        return self.last

    def tap(self, label: str) -> BotMessage:
        """Tap a button of the latest message; wait for the answer and the edit."""
        before = len(self.api.calls)
        update = self.api.callback_update(self.chat_id, find_button(self.last, label)["callback_data"])
        query_id = update["callback_query"]["id"]
        self.api.push(update)
        self.api.wait_for(lambda: query_id not in self.api.open_queries and self._changed_since(before))
        return self.last

    @property
    def last(self) -> BotMessage:
        return self.api.last_message(self.chat_id)

    def _changed_since(self, before: int) -> bool:
        return any(
            c.method in ("sendMessage", "editMessageText") and c.params.get("chat_id") == self.chat_id
            for c in self.api.calls[before:]
        )


def nudge(server: FakeBotAPIServer, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `roadmap-bot nudge` once against the fake Bot API and the bot's database."""
    return roadmap_bot(
        "nudge",
        *args,
        cwd=database.parent,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=server.url,
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
    )


@contextmanager
def running_bot(server: FakeBotAPIServer, database: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start `roadmap-bot run`, wait until it polls, and stop it with SIGTERM at the end."""
    polls_before = len(server.api.calls_of("getUpdates"))
    env = environment(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=server.url,
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        LOG_LEVEL="DEBUG",
    )
    with log.open("ab") as log_file:
        process = subprocess.Popen([ROADMAP_BOT, "run"], cwd=database.parent, env=env, stderr=log_file)
    try:
        server.api.wait_for(lambda: len(server.api.calls_of("getUpdates")) > polls_before, timeout=30)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise


def test_a_person_walks_a_roadmap_and_the_progress_survives_a_restart(tmp_path: Path) -> None:
    api, database, log = FakeBotAPI(), tmp_path / "bot.sqlite3", tmp_path / "bot.log"
    with FakeBotAPIServer(api) as server:
        with running_bot(server, database, log) as process:
            assert [c["command"] for c in api.commands] == [name for name, _ in COMMANDS]
            person = HttpChat(api, CHAT)
            assert "Welcome" in person.send("/start").text
            assert "0% · 0 of 10 steps done" in person.tap("Backend Engineer (AI era)").text
            card = person.tap("1. A typed language + git")
            assert "A typed language + git" in card.text and "State: ⬜ Not yet" in card.text
            card = person.tap("✅ Mark done")
            assert "State: ✅ Done" in card.text
            assert "10% · 1 of 10 steps done" in person.tap("Back to roadmap").text
            assert "10% · 1 of 10 steps done" in person.send("/progress").text
            assert "I work with buttons and commands" in person.send("what now?").text

            # A week on, one pass of the scheduler, run beside the bot on the same SQLite file.
            week_on = (dt.datetime.now(dt.UTC) + dt.timedelta(days=8)).isoformat()
            dry = nudge(server, database, "--at", week_on, "--dry-run")
            assert f"chat {CHAT}: Backend Engineer (AI era) → HTTP & REST APIs" in dry.stdout
            assert not api.calls_of("sendMessage", CHAT)[-1].params["text"].startswith("⏰"), "a dry run sends nothing"
            sent = nudge(server, database, "--at", week_on)
            assert "1 sent" in sent.stdout, sent.stdout + sent.stderr
            [reminder] = [c for c in api.calls_of("sendMessage", CHAT) if c.params["text"].startswith("⏰ <b>Your")]
            assert "HTTP &amp; REST APIs" in reminder.params["text"]
            card = person.tap("✅ Mark done")
            assert "HTTP & REST APIs" in card.text and "State: ✅ Done" in card.text
            assert "20% · 2 of 10 steps done" in card.text
            assert "nothing due" in nudge(server, database, "--at", week_on).stdout
        assert process.returncode == 0, log.read_text()

        with running_bot(server, database, log) as process:
            progress = HttpChat(api, CHAT).send("/progress").text
            assert "Backend Engineer (AI era)" in progress and "20% · 2 of 10 steps done" in progress
        assert process.returncode == 0, log.read_text()

    text = log.read_text()
    assert "polling as @roadmap_test_bot" in text and "stopped" in text
    assert "Traceback" not in text and " ERROR " not in text
    assert TOKEN not in text and TOKEN.split(":")[1] not in text, "the token never reaches the log"
    assert api.open_queries == set()
