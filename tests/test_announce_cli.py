"""`roadmap-bot announce FILE` and the announcements in `roadmap-bot stats`, as an operator runs them:
real processes, HTTP to the fake Bot API, a real database read back."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

from sqlalchemy import insert

from storage import Storage, upgrade
from storage.tables import chats, reminders
from tests.databases import ProcessDatabase
from tests.fakebotapi import FakeBotAPI, FakeBotAPIServer
from tests.process import roadmap_bot
from tests.support import daytime_rows

CHATS = 40
NEWS = "<b>New roadmap</b>: Platform engineering"


def load_chats(database: ProcessDatabase, count: int) -> None:
    """A migrated database with chats 1 to `count` (2 of them speaking Russian)."""

    async def load(storage: Storage) -> None:
        await upgrade(storage.engine)
        now = dt.datetime.now(dt.UTC)
        rows = [{"id": i, "created_at": now, "language": "ru" if i <= 2 else None} for i in range(1, count + 1)]
        async with storage.engine.begin() as connection:
            await connection.execute(insert(chats), rows)
            await connection.execute(insert(reminders), daytime_rows([row["id"] for row in rows], now))

    database.run(load)


def test_announce_from_the_shell_sends_each_chat_once_prints_progress_and_stats_counts_it(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    database = process_database
    load_chats(database, CHATS)
    news = tmp_path / "news.html"
    news.write_text(NEWS + "\n", encoding="utf-8")
    api = FakeBotAPI(blocked_chats={7, 8})
    with FakeBotAPIServer(api) as server:
        env = {"TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_URL": server.url, "DATABASE_URL": database.url}
        dry = roadmap_bot("announce", str(news), "--dry-run", cwd=tmp_path, **env)
        assert dry.returncode == 0, dry.stderr
        assert dry.stdout.splitlines()[0] == f"{CHATS} chats would get this announcement (everyone); nothing was sent:"
        assert api.calls_of("sendMessage") == []

        russian = roadmap_bot("announce", str(news), "--audience", "language:ru", "--dry-run", cwd=tmp_path, **env)
        assert russian.stdout.startswith("2 chats would get this announcement (language:ru)")
        wrong = roadmap_bot("announce", str(news), "--audience", "all", cwd=tmp_path, **env)
        assert wrong.returncode == 2 and "not an audience" in wrong.stderr

        sent = roadmap_bot("announce", str(news), cwd=tmp_path, timeout=120, **env)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        lines = sent.stdout.splitlines()
        assert lines[0] == f"announcement 1 queued for {CHATS} chats (everyone)"
        outcomes = f"sent {CHATS - 2}, blocked 2, failed 0, opted out 0, left 0, unknown 0"
        assert lines[-1] == f"announcement 1: {CHATS} of {CHATS} ({outcomes})"
        received = Counter(c.params["chat_id"] for c in api.calls_of("sendMessage") if c.ok)
        assert set(received) == set(range(1, CHATS + 1)) - {7, 8} and set(received.values()) == {1}

        stats = roadmap_bot("stats", "--format", "json", cwd=tmp_path, **env)
        assert stats.returncode == 0, stats.stderr
        [figures] = json.loads(stats.stdout)["announcements"]
        assert (figures["id"], figures["audience"], figures["status"]) == (1, "everyone", "done")
        assert (figures["recipients"], figures["sent"], figures["blocked"], figures["unknown"]) == (CHATS, 38, 2, 0)
        text = roadmap_bot("stats", cwd=tmp_path, **env).stdout
        assert "Announcements:" in text and "to everyone, done: queued 0, sending 0, sent 38, blocked 2" in text
