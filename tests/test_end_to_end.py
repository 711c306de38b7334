"""End to end: the real `roadmap-bot run` process against a fake Bot API over HTTP, by polling
and by webhook, restarted in between; `roadmap-bot nudge` beside it on the same database. Each
runs on a SQLite file and on a PostgreSQL schema of its own (see conftest's `process_database`)."""

from __future__ import annotations

import datetime as dt
import json
import signal
import threading
import urllib.request
from pathlib import Path

import pytest

from handlers.guide_views import COMMANDS
from roadmaps import inspect_folders
from tests.databases import ProcessDatabase
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer
from tests.miniapp import authorization, init_data
from tests.running import SECRET, HttpChat, free_port, free_ports, get, nudge, running_bot

CHAT = 4242


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_person_walks_a_roadmap_gets_a_nudge_and_the_progress_survives_a_restart(
    tmp_path: Path, process_database: ProcessDatabase, mode: str
) -> None:
    api, database, log, port = FakeBotAPI(), process_database, tmp_path / "bot.log", free_port()
    with FakeBotAPIServer(api) as server:
        with running_bot(server, database, log, mode, port) as process:
            assert [c["command"] for c in api.commands] == [name for name, _ in COMMANDS]
            if mode == "webhook":
                assert api.webhook == {"url": f"http://127.0.0.1:{port}/telegram", "secret_token": SECRET}
            person = HttpChat(api, CHAT)
            assert "Welcome" in person.send("/start").text
            assert "0% · 0 of 10 steps done" in person.tap("Backend Engineer (AI era)").text
            card = person.tap("1. A typed language + git")
            assert "A typed language + git" in card.text and "State: ⬜ Not yet" in card.text
            card = person.tap("✅ Mark done")
            assert "State: ✅ Done" in card.text
            api.wait_for(lambda: person.last.text.startswith("⏰ When should I nudge you"))  # the question, below
            assert person.send("Start with the Go tour & <generics>", reply_to=card).text.startswith(
                "📝 Saved your note"
            )
            api.wait_for(lambda: "Start with the Go tour & <generics>" in api.messages[CHAT, card.message_id].text)
            assert "10% · 1 of 10 steps done" in person.tap("Back to roadmap", on=card).text
            assert "10% · 1 of 10 steps done" in person.send("/progress").text
            assert "I work with buttons and commands" in person.send("what now?").text
            documents = len(api.documents)
            api.push(api.message_update(CHAT, "/export"))
            api.wait_for(lambda: len(api.documents) == documents + 2)
            markdown, exported = api.documents[-2:]
            assert "- [x] 1. A typed language + git" in markdown.content.decode()
            assert "  > Start with the Go tour & <generics>" in markdown.content.decode()
            assert (
                json.loads(exported.content)["roadmaps"][0]["steps"][0]["note"] == "Start with the Go tour & <generics>"
            )

            # A week on, one pass of the scheduler, run beside the bot on the same database.
            week_on = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).isoformat()  # past the first suggestion
            messages = len(api.calls_of("sendMessage", CHAT))
            dry = nudge(server, database, "--at", week_on, "--dry-run")
            assert f"chat {CHAT}: Backend Engineer (AI era) → HTTP & REST APIs" in dry.stdout
            assert len(api.calls_of("sendMessage", CHAT)) == messages, "a dry run sends nothing"
            sent = nudge(server, database, "--at", week_on)
            assert "1 sent" in sent.stdout, sent.stdout + sent.stderr
            [reminder] = [c for c in api.calls_of("sendMessage", CHAT) if c.params["text"].startswith("⏰ <b>Your")]
            assert "HTTP &amp; REST APIs" in reminder.params["text"]
            card = person.tap("✅ Mark done")
            assert "HTTP & REST APIs" in card.text and "State: ✅ Done" in card.text
            assert "20% · 2 of 10 steps done" in card.text
            assert "nothing due" in nudge(server, database, "--at", week_on).stdout
        assert process.returncode == 0, log.read_text()

        with running_bot(server, database, log, mode, port) as process:
            progress = HttpChat(api, CHAT).send("/progress").text
            assert "Backend Engineer (AI era)" in progress and "20% · 2 of 10 steps done" in progress
        assert process.returncode == 0, log.read_text()

    # What the processes wrote is in the test's own database (a PostgreSQL schema only the URL names).
    states = database.rows("SELECT step_id, state FROM step_states WHERE chat_id = :chat ORDER BY step_id", chat=CHAT)
    assert states == [("http-rest-apis", "done"), ("typed-language-and-git", "done")]
    notes = database.rows("SELECT text FROM step_notes WHERE chat_id = :chat", chat=CHAT)
    assert notes == [("Start with the Go tour & <generics>",)]
    text = log.read_text()
    assert "stopped" in text
    assert "Traceback" not in text and " ERROR " not in text
    assert TOKEN not in text and TOKEN.split(":")[1] not in text, "the token never reaches the log"
    assert SECRET not in text, "nor the webhook secret"
    assert api.open_queries == set()


def test_the_webhook_refuses_updates_without_the_secret_and_serves_health_and_metrics(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    api, database, log, port, metrics_port = FakeBotAPI(), process_database, tmp_path / "bot.log", *free_ports(2)
    with (
        FakeBotAPIServer(api) as server,
        running_bot(server, database, log, "webhook", port, LOG_FORMAT="json", METRICS_PORT=str(metrics_port)),
    ):
        sends = len(api.calls_of("sendMessage"))
        assert api.post_to_webhook(api.message_update(CHAT, "/start"), secret=None) == 403
        assert api.post_to_webhook(api.message_update(CHAT, "/start"), secret="wrong-secret") == 403
        assert len(api.calls_of("sendMessage")) == sends, "a refused update is not processed"

        HttpChat(api, CHAT).send("/start")
        version = inspect_folders([]).catalog.version  # the built-in roadmaps'
        assert get(port, "/healthz") == (200, f'{{"status":"ok","database":"ok","catalog":"{version}"}}')
        assert get(port, "/metrics")[0] == 404, "no metrics on the public port"
        status, metrics = get(metrics_port, "/metrics")
        assert status == 200
        assert 'roadmap_bot_updates_total{type="message"} 1.0' in metrics
        assert 'roadmap_bot_handler_seconds_count{handler="start"} 1.0' in metrics
        assert "roadmap_bot_nudges_due 0.0" in metrics
        assert "roadmap_bot_database_errors_total 0.0" in metrics

    lines = log.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    [handled] = [r for r in records if r.get("handler") == "start"]
    assert handled["update_id"] and handled["chat_id"] == CHAT and handled["latency_ms"] > 0
    assert not any(TOKEN in line or SECRET in line for line in lines)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_sigterm_lets_the_update_in_flight_finish(tmp_path: Path, process_database: ProcessDatabase, mode: str) -> None:
    api, database, log, port = FakeBotAPI(), process_database, tmp_path / "bot.log", free_port()
    with FakeBotAPIServer(api) as server:
        with running_bot(server, database, log, mode, port) as process:
            api.delay("sendMessage", 1.5)  # Telegram is slow to take the reply
            update = api.message_update(CHAT, "/start")
            if mode == "webhook":
                delivery = threading.Thread(target=api.push, args=(update,))
                delivery.start()
            else:
                api.push(update)
            api.wait_for(lambda: "sendMessage" in api.begun)
            process.send_signal(signal.SIGTERM)  # while the reply is on its way
            assert process.wait(timeout=30) == 0, log.read_text()
            if mode == "webhook":
                delivery.join()
        [reply] = api.calls_of("sendMessage", CHAT)
        assert reply.ok and "Welcome" in reply.params["text"], "the reply went out before the process ended"


def test_a_person_walks_a_roadmap_to_its_end_with_done_and_next_one_tap_a_step(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    api, database, log = FakeBotAPI(), process_database, tmp_path / "bot.log"
    with FakeBotAPIServer(api) as server, running_bot(server, database, log, "polling", free_port()):
        person = HttpChat(api, CHAT)
        person.send("/start backend-engineer-ai-era")
        card = person.tap("1. A typed language + git")
        for number in range(1, 11):
            assert f"Step {number} of 10" in card.text
            taps = len(api.calls_of("answerCallbackQuery"))
            card = person.tap("✅ Done · next ▶", on=card)
            assert len(api.calls_of("answerCallbackQuery")) == taps + 1, "one tap a step"
            if number == 1:  # the first mark's reminder question comes below the card, once
                api.wait_for(lambda: len(api.calls_of("sendMessage", CHAT)) == 2)
        assert "🎉 You completed Backend Engineer (AI era)!" in card.text
        assert "100% · 10 of 10 steps done" in card.text
        sent = [c.params["text"] for c in api.calls_of("sendMessage", CHAT)]
        assert len(sent) == 2 and sent[1].startswith("⏰"), "the walk edited one message; the question came once"
    done = database.rows("SELECT count(*) FROM step_states WHERE chat_id = :chat AND state = 'done'", chat=CHAT)
    assert done == [(10,)]
    assert " ERROR " not in log.read_text() and "Traceback" not in log.read_text()


def put(port: int, path: str, body: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        json.dumps(body).encode(),
        {"Content-Type": "application/json", **headers},
        method="PUT",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_polling_bot_with_a_page_serves_it_and_a_mark_there_shows_in_the_chat(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    api, database, log, (port, metrics_port) = FakeBotAPI(), process_database, tmp_path / "bot.log", free_ports(2)
    page = "https://bot.example.org/app/"
    settings = {"WEBAPP_URL": page, "PORT": str(port), "METRICS_PORT": str(metrics_port)}
    with FakeBotAPIServer(api) as server:
        with running_bot(server, database, log, "polling", port, **settings) as process:
            assert api.menu_button == {"type": "web_app", "text": "Roadmaps", "web_app": {"url": page}}
            person = HttpChat(api, CHAT)
            view = person.send("/start backend-engineer-ai-era")
            [opener] = [b for row in view.buttons for b in row if "web_app" in b]
            assert opener["web_app"]["url"] == f"{page}?roadmap=backend-engineer-ai-era"

            assert get(port, "/healthz")[0] == 200
            status, html = get(port, "/app/")
            assert status == 200 and "app.js" in html
            mark = "/app/api/roadmaps/backend-engineer-ai-era/steps/typed-language-and-git/state"
            signed = init_data({"id": CHAT, "first_name": "Ada"}, signed_at=dt.datetime.now(dt.UTC))
            assert put(port, mark, {"state": "done"}, authorization(signed))[0] == 200
            # The first mark, made on the page, brings the first reminder's question into the chat.
            api.wait_for(lambda: "When should I nudge you" in person.last.text)
            assert put(port, mark, {"state": "skipped"}, authorization(signed + "0"))[0] == 401
            assert "10% · 1 of 10 steps done" in person.send("/progress").text
            metrics = get(metrics_port, "/metrics")[1]
            assert 'roadmap_bot_webapp_requests_total{endpoint="mark",status="200"} 1.0' in metrics
            assert 'roadmap_bot_webapp_auth_failures_total{reason="bad_hash"} 1.0' in metrics
        assert process.returncode == 0, log.read_text()
    states = database.rows("SELECT step_id, state FROM step_states WHERE chat_id = :chat", chat=CHAT)
    assert states == [("typed-language-and-git", "done")]
    text = log.read_text()
    assert "serving the roadmap page" in text and "stopped" in text
    assert "Traceback" not in text and " ERROR " not in text


def test_a_language_chosen_through_one_instance_is_spoken_by_the_other_from_the_next_update(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    """Two `roadmap-bot run` behind one webhook address, as behind a load balancer: the person's
    updates reach either, each in turn chosen here."""
    if process_database.dialect != "postgresql":
        pytest.skip("several instances share a PostgreSQL database")
    api, database = FakeBotAPI(), process_database
    one, two = free_ports(2)

    def through(port: int) -> None:
        api.webhook = {"url": f"http://127.0.0.1:{port}/telegram", "secret_token": SECRET}

    with (
        FakeBotAPIServer(api) as server,
        running_bot(server, database, tmp_path / "one.log", "webhook", one),
        running_bot(server, database, tmp_path / "two.log", "webhook", two),
    ):
        person = HttpChat(api, CHAT)
        through(two)
        assert "Welcome" in person.send("/start").text  # the second instance has the chat's English now
        through(one)
        assert "Which language should I speak here?" in person.send("/language").text
        person.tap("Русский")
        through(two)
        assert person.send("/start").text.startswith("👋 Добро пожаловать!")
    for log in (tmp_path / "one.log", tmp_path / "two.log"):  # stopped too: the listeners with them
        assert "Traceback" not in log.read_text() and " ERROR " not in log.read_text()
