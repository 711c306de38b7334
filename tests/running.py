"""A real `roadmap-bot run` process taking updates from the fake Bot API over HTTP (polling or the
webhook), and a person in a chat with it."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.databases import ProcessDatabase
from tests.fakebotapi import TOKEN, BotMessage, FakeBotAPI, FakeBotAPIServer
from tests.process import ROADMAP_BOT, environment, roadmap_bot
from tests.serving import free_ports
from tests.support import find_button

SECRET = "webhook-secret_0123456789"


class HttpChat:
    """A person in a chat with a bot process: updates go out as Telegram sends them, answers are waited for."""

    def __init__(self, api: FakeBotAPI, chat_id: int) -> None:
        self.api, self.chat_id = api, chat_id

    def send(self, text: str, reply_to: BotMessage | None = None) -> BotMessage:
        """Send a message (or a reply to a bot message) and wait for the bot's reply."""
        before = len(self.api.calls)
        self.api.push(self.api.message_update(self.chat_id, text, reply_to=reply_to))
        self.api.wait_for(lambda: self._changed_since(before))
        return self.last

    def tap(self, label: str, on: BotMessage | None = None) -> BotMessage:
        """Tap a button of a message (the latest by default); wait for the answer and the edit."""
        before = len(self.api.calls)
        message = self.api.messages[self.chat_id, on.message_id] if on else self.last
        update = self.api.callback_update(
            self.chat_id, find_button(message, label)["callback_data"], message_id=message.message_id
        )
        query_id = update["callback_query"]["id"]
        self.api.push(update)
        self.api.wait_for(lambda: query_id not in self.api.open_queries and self._changed_since(before))
        return self.api.messages[self.chat_id, message.message_id]

    @property
    def last(self) -> BotMessage:
        return self.api.last_message(self.chat_id)

    def _changed_since(self, before: int) -> bool:
        return any(
            c.method in ("sendMessage", "editMessageText") and c.params.get("chat_id") == self.chat_id
            for c in self.api.calls[before:]
        )


def free_port() -> int:
    return free_ports(1)[0]


def bot_settings(
    server: FakeBotAPIServer, database: ProcessDatabase, mode: str, port: int, **more: str
) -> dict[str, str]:
    settings = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": database.url,
        **more,
    }
    if mode == "webhook":
        settings |= {"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram", "WEBHOOK_SECRET": SECRET, "PORT": str(port)}
    return settings


def nudge(server: FakeBotAPIServer, database: ProcessDatabase, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `roadmap-bot nudge` once against the fake Bot API and the bot's database."""
    return roadmap_bot("nudge", *args, cwd=database.directory, **bot_settings(server, database, "polling", 0))


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def running_bot(
    server: FakeBotAPIServer, database: ProcessDatabase, log: Path, mode: str, port: int, **more: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `roadmap-bot run`, wait until it takes updates, and stop it with SIGTERM at the end."""
    api = server.api
    ready_calls = len(api.calls_of("getUpdates" if mode == "polling" else "setWebhook"))
    env = environment(**bot_settings(server, database, mode, port, LOG_LEVEL="DEBUG", **more))
    with log.open("ab") as log_file:
        process = subprocess.Popen([ROADMAP_BOT, "run"], cwd=database.directory, env=env, stderr=log_file)
    try:
        api.wait_for(lambda: len(api.calls_of("getUpdates" if mode == "polling" else "setWebhook")) > ready_calls, 30)
        if mode == "webhook" or "WEBAPP_URL" in more:
            deadline = time.monotonic() + 30
            while not _listening(port):
                assert time.monotonic() < deadline, "the web server never listened"
                time.sleep(0.05)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
