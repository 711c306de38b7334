"""The operator's roadmaps reloaded without a restart, through the real `roadmap-bot run` over HTTP to
the fake Bot API: a roadmap added and a step renamed (with `formerly`) served after SIGHUP, progress
kept; an invalid folder keeps the catalog served and says why; 200 taps in flight across a reload
all answered."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

from roadmaps import inspect_folders
from tests.databases import ProcessDatabase
from tests.fakebotapi import FakeBotAPI, FakeBotAPIServer
from tests.running import HttpChat, free_port, get, running_bot
from tests.support import find_button

CHAT = 4242
OPERATOR = 777
PAGE = "https://bot.example.org/app/"
SIGNALS = "signals: {importance: high, market_demand: high, automation_risk: low}"
LONG = 60.0


def step(step_id: str, title: str, formerly: str | None = None) -> str:
    """One step of a roadmap file."""
    before = f"    formerly: [{formerly}]\n" if formerly else ""
    return (
        f"  - id: {step_id}\n{before}    title: {title}\n    summary: {title}, at your pace.\n"
        f"    signals: {{importance: high, market_demand: low, automation_risk: medium}}\n"
        "    resources:\n"
        f"      - {{title: Docs, url: 'https://example.org/{step_id}'}}\n"
        f"      - {{title: Book, url: 'https://example.org/{step_id}/book'}}\n"
    )


def write_roadmap(folder: Path, roadmap_id: str, title: str, *steps: str) -> None:
    """A roadmap file as an operator writes it."""
    (folder / f"{roadmap_id}.yaml").write_text(
        f"id: {roadmap_id}\ntitle: {title}\nsummary: Our community's own.\n{SIGNALS}\nsteps:\n" + "".join(steps),
        encoding="utf-8",
    )


def wait_for_log(log: Path, pattern: str, count: int, process: subprocess.Popen[bytes]) -> str:
    """Wait until the bot's log has `count` lines matching `pattern`."""
    deadline = time.monotonic() + LONG
    while len(re.findall(pattern, text := log.read_text())) < count:
        assert process.poll() is None, f"the bot ended:\n{text}"
        assert time.monotonic() < deadline, f"waited for {pattern!r}:\n{text[-3000:]}"
        time.sleep(0.05)
    return text


def served_version(port: int) -> str:
    """The catalog version /healthz reports."""
    status, body = get(port, "/healthz")
    assert status == 200, body
    return str(json.loads(body)["catalog"])


def test_sighup_serves_an_added_roadmap_keeps_progress_through_a_rename_and_keeps_the_catalog_on_errors(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    folder = tmp_path / "roadmaps"
    folder.mkdir()
    write_roadmap(folder, "community-python", "Community Python", step("basics", "Basics"), step("web", "Web"))
    api, log, port = FakeBotAPI(), tmp_path / "bot.log", free_port()
    settings = {"ROADMAPS_DIR": str(folder), "ERROR_CHAT_ID": str(OPERATOR), "WEBAPP_URL": PAGE, "PORT": str(port)}
    with (
        FakeBotAPIServer(api) as server,
        running_bot(server, process_database, log, "polling", port, **settings) as bot,
    ):
        first = served_version(port)
        assert first == inspect_folders([folder]).catalog.version
        person = HttpChat(api, CHAT)
        assert "Community Python · 2 steps" in person.send("/start").button_texts
        person.tap("Community Python")
        person.tap("1. Basics")
        assert "State: ✅ Done" in person.tap("✅ Mark done").text
        assert "Go basics" not in person.send("/roadmaps").text

        # A roadmap added, SIGHUP: a chat opens it, by the catalog and by a deep link.
        write_roadmap(folder, "go-basics", "Go basics", step("tour", "A Tour of Go"))
        bot.send_signal(signal.SIGHUP)
        wait_for_log(log, r"roadmaps reloaded: version \w+ -> \w+, 7 roadmaps", 1, bot)
        assert served_version(port) == inspect_folders([folder]).catalog.version != first
        assert "Go basics · 1 step" in person.send("/roadmaps").button_texts
        opened = person.tap("Go basics")
        assert "🗺 Go basics" in opened.text and "⬜ 1. A Tour of Go" in opened.button_texts
        assert "0% · 0 of 1 step done" in person.send("/start go-basics").text

        # A step renamed with `formerly`: its progress follows it.
        write_roadmap(
            folder, "community-python", "Community Python", step("python-basics", "Python basics", "basics"),
            step("web", "Web"),
        )  # fmt: skip
        bot.send_signal(signal.SIGHUP)
        wait_for_log(log, r"roadmaps reloaded: ", 2, bot)
        progress = person.send("/progress").text
        assert "Community Python" in progress and "50% · 1 of 2 steps done" in progress
        person.send("/start community-python")
        assert "State: ✅ Done" in person.tap("1. Python basics").text

        # An invalid file: the old catalog stays, the log and the operator's chat say why, chats go on.
        renamed = served_version(port)
        (folder / "broken.yaml").write_text("id: broken\nsummary: No title yet.\n", encoding="utf-8")
        bot.send_signal(signal.SIGHUP)
        text = wait_for_log(log, r"roadmaps not reloaded, still serving version \w+: 3 problem", 1, bot)
        assert f"{folder / 'broken.yaml'}: title: is missing" in text
        [alert] = api.wait_for(lambda: api.calls_of("sendMessage", OPERATOR))
        assert "The roadmaps were not reloaded" in alert.params["text"]
        assert "broken.yaml: title: is missing" in alert.params["text"] and renamed in alert.params["text"]
        assert served_version(port) == renamed
        assert "50% · 1 of 2 steps done" in person.send("/progress").text
        assert "Go basics · 1 step" in person.send("/roadmaps").button_texts
    assert bot.returncode == 0
    text = log.read_text()
    assert "Traceback" not in text
    rows = process_database.rows("SELECT step_id, state FROM step_states WHERE chat_id = :chat", chat=CHAT)
    assert rows == [("basics", "done")], "stored under its first id; the rename reads it through `formerly`"


def test_two_hundred_taps_in_flight_across_a_reload_are_all_answered(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    folder = tmp_path / "roadmaps"
    folder.mkdir()
    write_roadmap(folder, "community-python", "Community Python", step("basics", "Basics"), step("web", "Web"))
    api, log, port = FakeBotAPI(), tmp_path / "bot.log", free_port()
    chats = [5000 + number for number in range(20)]
    with FakeBotAPIServer(api) as server, running_bot(server, process_database, log, "polling", port,
                                                      ROADMAPS_DIR=str(folder)) as bot:  # fmt: skip
        for chat in chats:
            HttpChat(api, chat).send("/start")
        write_roadmap(
            folder, "community-python", "Community Python", step("python-basics", "Python basics", "basics"),
            step("web", "Web"), step("deploy", "Deploy"),
        )  # fmt: skip
        api.delay("answerCallbackQuery", 0.1, times=200)  # Telegram is slow: the taps stay in flight
        queries = []
        for _ in range(10):
            for chat in chats:
                message = api.last_message(chat)
                update = api.callback_update(chat, find_button(message, "Community Python")["callback_data"],
                                             message_id=message.message_id)  # fmt: skip
                queries.append(update["callback_query"]["id"])
                api.push(update)
        api.wait_for(lambda: api.calls_of("answerCallbackQuery"), LONG)
        bot.send_signal(signal.SIGHUP)
        wait_for_log(log, r"roadmaps reloaded: ", 1, bot)
        answered_at_reload = len(api.calls_of("answerCallbackQuery"))
        api.wait_for(lambda: not api.open_queries, LONG)
        answers = [call for call in api.calls_of("answerCallbackQuery") if call.ok]
        assert sorted(str(call.params["callback_query_id"]) for call in answers) == sorted(queries)
        assert answered_at_reload < len(queries), "the reload happened while taps were in flight"
        for chat in chats:
            text = api.last_message(chat).text
            assert "0 of 3 steps done" in text or "0 of 2 steps done" in text
        assert "0 of 3 steps done" in HttpChat(api, chats[0]).send("/start community-python").text
    assert bot.returncode == 0
    assert "Traceback" not in log.read_text() and " ERROR " not in log.read_text()
