"""Every layer of the web server has a clock, through the real `roadmap-bot run` in webhook mode with
the page on: a request's head and body, a kept-alive connection, the cap on connections, the
database, /healthz, and SIGTERM. A client that goes away is news, not an error; the page's redirect
stays on its public address. Measured figures are printed as `FIGURES ...` lines
(`pytest tests/test_clocks.py -s`)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url

from bot.connections import BODY_TIMEOUT, HEAD_TIMEOUT, KEEP_ALIVE_TIMEOUT
from bot.runner import EXIT_MARGIN, FORCED_EXIT
from bot.settings import DATABASE_TIMEOUT, MAX_CONNECTIONS, SHUTDOWN_TIMEOUT
from bot.web import HEALTH_TIMEOUT
from handlers.error_views import not_saved
from tests.databases import ProcessDatabase
from tests.fakebotapi import BotMessage, FakeBotAPI, FakeBotAPIServer
from tests.serving import (
    MARK,
    PAGE,
    SEED,
    RunningBot,
    answer_of,
    bot_serving,
    connect,
    get,
    half_a_mark,
    half_an_update,
    request_head,
    wait_closed,
)
from tests.stall import StallingProxy, sqlite_write_lock
from tests.support import find_button
from webapp.headers import CONTENT_SECURITY_POLICY

CHAT = 4242
LATE = 5.0  # seconds past a clock after which a test stops waiting for what the clock should have done
SLACK = 1.5  # seconds a loaded two-core machine may add to a clock before the test calls it late
# What the web server, asyncio or uvicorn write when something was left unhandled.
UNHANDLED = ("Exception in ASGI application", "socket.accept()", "never retrieved", "Task was destroyed", "Cancel ")


def assert_no_tracebacks(bot: RunningBot) -> str:
    """The bot's log, with nothing left unhandled in it (a database error a person was told of is
    logged with its traceback, as it should be)."""
    text = bot.log_text()
    for sign in UNHANDLED:
        assert sign not in text, text
    return text


def put_mark(bot: RunningBot, user_id: int, state: str = "done") -> tuple[int, dict[str, str], float]:
    """A whole page mark: its status, its JSON and how long it took."""
    headers = {"Authorization": bot.signed(user_id), "Content-Type": "application/json"}
    body = json.dumps({"state": state}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{bot.port}{MARK}", body, headers, method="PUT")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read()), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), time.monotonic() - started


def timed_health(bot: RunningBot) -> tuple[int, float]:
    started = time.monotonic()
    status, _, _ = get(bot.port, "/healthz")
    return status, time.monotonic() - started


@pytest.mark.parametrize("process_database", ["sqlite"], indirect=True)
def test_a_stalled_body_is_answered_408_when_its_clock_runs_out_and_nothing_is_done(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    api, database = FakeBotAPI(), process_database
    with FakeBotAPIServer(api) as server, bot_serving(server, database, tmp_path / "bot.log") as bot:
        started = time.monotonic()
        mark, update = half_a_mark(bot, CHAT), half_an_update(bot, api.message_update(CHAT, "/start"))
        answers = [answer_of(mark), answer_of(update)]
        waited = time.monotonic() - started
        assert bot.metric('roadmap_bot_webapp_requests_total{endpoint="mark",status="499"}') == 1
        assert bot.metric('roadmap_bot_webapp_requests_total{endpoint="mark",status="500"}') == 0
        assert bot.metric('roadmap_bot_http_connections_closed_total{reason="body_timeout"}') == 2
        text = assert_no_tracebacks(bot)
    for answer in answers:
        assert answer is not None and answer.status == 408
        assert answer.body == b"The request's body did not arrive in time.\n"
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert BODY_TIMEOUT <= waited < BODY_TIMEOUT + SLACK
    assert not api.calls_of("sendMessage", CHAT), "the update that never came whole was not handled"
    assert database.rows("SELECT count(*) FROM step_states") == [(0,)], "the mark that never came whole was not made"
    assert " ERROR " not in text
    assert "INFO webapp.api: mini app: a PUT request's body did not arrive whole (the client went away or" in text
    assert "INFO bot.web: a POST request's body did not arrive whole (the client went away or" in text
    print(f"\nFIGURES stalled bodies (a page mark, a webhook post) answered 408 after {waited:.1f} s")


@pytest.mark.parametrize("process_database", ["sqlite"], indirect=True)
def test_sigterm_with_stalled_bodies_exits_at_once_and_answers_them_503(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    api, database = FakeBotAPI(), process_database
    with FakeBotAPIServer(api) as server, bot_serving(server, database, tmp_path / "bot.log") as bot:
        mark, update = half_a_mark(bot, CHAT), half_an_update(bot, api.message_update(CHAT, "/start"))
        bot.wait_for_metric('roadmap_bot_http_connections{server="public",state="busy"}', 2)
        exited_after = bot.sigterm()
        answers = [answer_of(mark), answer_of(update)]
        text = assert_no_tracebacks(bot)
    assert bot.process.returncode == 0, text
    assert exited_after < BODY_TIMEOUT, "the bodies' clock was not waited out"
    for answer in answers:
        assert answer is not None and answer.status == 503
        assert answer.body == b"The server is restarting: send the request again.\n"
    assert " ERROR " not in text and "stopped" in text
    assert database.rows("SELECT count(*) FROM step_states") == [(0,)]
    print(
        f"\nFIGURES SIGTERM with two stalled bodies: exited after {exited_after:.2f} s (bound {SHUTDOWN_TIMEOUT:g} s)"
    )


def test_every_wait_on_a_stalled_database_has_a_clock_and_sigterm_is_not_held_by_it(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    api, database = FakeBotAPI(), process_database
    with FakeBotAPIServer(api) as server, stalling(database) as (url, stall):
        running = bot_serving(server, ProcessDatabase(database.dialect, url, database.directory), tmp_path / "bot.log")
        with running as bot:
            card = open_the_first_step(api)
            assert put_mark(bot, CHAT, "working")[0] == 200
            with stall():
                health, health_took = timed_health(bot)
                status, answer, mark_took = put_mark(bot, CHAT)
                tap_took, tapped = tap_mark_done(api, card)
                progress_took, progress = send_and_time(api, "/progress")
                exited_after = bot.sigterm()
            text = assert_no_tracebacks(bot)
    assert (health, status) == (503, 503)
    assert answer == {"error": "the database is not answering; try again in a moment"}
    assert tapped == not_saved(), "the tap is answered: nothing was saved"
    if database.dialect == "postgresql":  # on SQLite a held write lock does not stop reads
        assert progress == not_saved()
    assert health_took < HEALTH_TIMEOUT + SLACK
    worst = DATABASE_TIMEOUT * 2 + 2 + SLACK  # a wait for a connection, then a statement and its close
    assert max(mark_took, tap_took, progress_took) < worst, (mark_took, tap_took, progress_took)
    assert exited_after < SHUTDOWN_TIMEOUT and bot.process.returncode == 0, text
    assert database.rows("SELECT state FROM step_states") == [("working",)], "the stalled mark changed nothing"
    print(
        f"\nFIGURES stalled {database.dialect}: /healthz 503 after {health_took:.2f} s, page mark 503 after "
        f"{mark_took:.1f} s, tap answered after {tap_took:.1f} s, /progress answered after {progress_took:.1f} s, "
        f"SIGTERM exited after {exited_after:.1f} s (bound {SHUTDOWN_TIMEOUT:g} s)"
    )


@contextmanager
def stalling(database: ProcessDatabase) -> Iterator[tuple[str, Callable[[], AbstractContextManager[None]]]]:
    """The URL the bot is to use, and how to stall its database for a while: PostgreSQL behind a
    proxy that stops forwarding; SQLite with its write lock held by another connection."""
    if database.dialect == "sqlite":
        yield database.url, lambda: sqlite_write_lock(database.sqlite_file)
        return
    url = make_url(database.url)
    with StallingProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:

        @contextmanager
        def stall() -> Iterator[None]:
            proxy.stall()
            try:
                yield
            finally:
                proxy.resume()

        yield url.set(port=proxy.port).render_as_string(hide_password=False), stall


def open_the_first_step(api: FakeBotAPI) -> BotMessage:
    """The chat opens the seed roadmap's first step card."""
    api.push(api.message_update(CHAT, f"/start {SEED}"))
    view = api.last_message(CHAT)
    api.push(api.callback_update(CHAT, find_button(view, "1. A typed language + git")["callback_data"]))
    return api.last_message(CHAT)


def tap_mark_done(api: FakeBotAPI, card: BotMessage) -> tuple[float, str | None]:
    """Tap ✅ Mark done on a card: how long until the tap was answered, and what it said."""
    update = api.callback_update(CHAT, find_button(card, "✅ Mark done")["callback_data"], message_id=card.message_id)
    query = update["callback_query"]["id"]
    started = time.monotonic()
    api.push(update)
    took = time.monotonic() - started
    [answer] = [c for c in api.calls_of("answerCallbackQuery") if c.params["callback_query_id"] == query]
    return took, answer.params.get("text")


def send_and_time(api: FakeBotAPI, text: str) -> tuple[float, str]:
    """Send a message: how long until the bot had answered it, and its answer."""
    started = time.monotonic()
    api.push(api.message_update(CHAT, text))
    return time.monotonic() - started, api.last_message(CHAT).text


IDLE, HALF_HEADS, FILES = 1_100, 200, 1_024


@pytest.mark.parametrize("process_database", ["sqlite"], indirect=True)
def test_idle_connections_cannot_starve_the_rest_and_each_is_closed_by_its_clock(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    """The issue's case: with the common limit of 1,024 open files, 1,100 idle connections and 200
    half-sent heads from one client; then SIGTERM with 1,000 idle connections open."""
    api, database = FakeBotAPI(), process_database
    with (
        FakeBotAPIServer(api) as server,
        bot_serving(server, database, tmp_path / "bot.log", files=FILES) as bot,
    ):
        started = time.monotonic()
        idle = [connect(bot.port) for _ in range(IDLE)]
        halfway = [connect(bot.port) for _ in range(HALF_HEADS)]
        for sock in halfway:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        connecting, started = time.monotonic() - started, time.monotonic()
        served = serve_the_rest(bot, api)
        closed = wait_closed(idle + halfway, HEAD_TIMEOUT + LATE)
        all_closed = time.monotonic() - started
        kept_alive = keep_alive_closes_after(bot)
        refused = bot.metric('roadmap_bot_http_connections_closed_total{reason="refused"}')
        evicted = bot.metric('roadmap_bot_http_connections_closed_total{reason="evicted"}')
        timed_out = bot.metric('roadmap_bot_http_connections_closed_total{reason="head_timeout"}')
        assert bot.metric("roadmap_bot_http_accept_errors_total") == 0

        more = [connect(bot.port) for _ in range(1_000)]
        bot.wait_for_metric('roadmap_bot_http_connections{server="public",state="idle"}', MAX_CONNECTIONS)
        made_room = bot.metric('roadmap_bot_http_connections_closed_total{reason="evicted"}') - evicted
        assert bot.metric('roadmap_bot_http_connections_closed_total{reason="refused"}') == 0
        exited_after = bot.sigterm()
        closed_at_exit = wait_closed(more, LATE)
        text = assert_no_tracebacks(bot)

    assert len(closed) == IDLE + HALF_HEADS, "every connection was closed, by the cap or by its clock"
    assert all_closed < HEAD_TIMEOUT + SLACK, "the last ones by the head clock, counted from their opening"
    said = {closed[sock].said.split(b"\r\n")[0] for sock in halfway}
    assert b"HTTP/1.1 408 Request Timeout" in said, "a half head the clock ran out on is answered 408"
    assert said <= {b"", b"HTTP/1.1 408 Request Timeout"}, "or closed to make room"
    assert refused == 0, "no connection was refused: idle ones made room"
    assert evicted + timed_out >= IDLE + HALF_HEADS
    assert max(served.values()) < SLACK, served
    assert KEEP_ALIVE_TIMEOUT - 0.5 < kept_alive < KEEP_ALIVE_TIMEOUT + SLACK
    assert exited_after < SHUTDOWN_TIMEOUT and bot.process.returncode == 0, text
    assert len(closed_at_exit) == len(more)
    assert " ERROR " not in text and "could not accept" not in text
    print(
        f"\nFIGURES {IDLE} idle connections and {HALF_HEADS} half heads under a limit of {FILES} files "
        f"(connected in {connecting:.1f} s): "
        f"{evicted:.0f} closed at once to make room, {timed_out:.0f} closed by the head clock, "
        f"{refused:.0f} refused, all closed after {all_closed:.1f} s; meanwhile "
        + ", ".join(f"{what} in {took * 1000:.0f} ms" for what, took in served.items())
        + f"; a kept-alive connection closed after {kept_alive:.1f} s; SIGTERM with 1,000 idle connections "
        f"({MAX_CONNECTIONS} held, {made_room:.0f} closed to make room, 0 refused) exited after {exited_after:.2f} s "
        f"(bound {SHUTDOWN_TIMEOUT:g} s)"
    )


def serve_the_rest(bot: RunningBot, api: FakeBotAPI) -> dict[str, float]:
    """While strangers hold connections: /healthz, an update and the page's catalog, each timed."""
    took = {}
    started = time.monotonic()
    assert get(bot.port, "/healthz")[0] == 200
    took["/healthz 200"] = time.monotonic() - started
    started = time.monotonic()
    api.push(api.message_update(CHAT, "/start"))
    took["an update handled"] = time.monotonic() - started
    started = time.monotonic()
    assert get(bot.port, "/app/api/roadmaps", {"Authorization": bot.signed(CHAT)})[0] == 200
    took["the page's catalog 200"] = time.monotonic() - started
    return took


def keep_alive_closes_after(bot: RunningBot) -> float:
    """Seconds a kept-alive connection stays open after its answer."""
    sock = connect(bot.port)
    sock.sendall(request_head("GET", "/healthz", {}))
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    started = time.monotonic()
    assert wait_closed([sock], KEEP_ALIVE_TIMEOUT + LATE)
    return time.monotonic() - started


@pytest.mark.parametrize("process_database", ["sqlite"], indirect=True)
def test_a_client_that_hangs_up_mid_body_is_news_not_an_error_nor_a_500(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    api, database = FakeBotAPI(), process_database
    with FakeBotAPIServer(api) as server, bot_serving(server, database, tmp_path / "bot.log") as bot:
        for half in (half_a_mark(bot, CHAT), half_an_update(bot, api.message_update(CHAT, "/start"))):
            half.close()
        bot.wait_for_log("did not arrive whole", count=2)
        counted = {
            status: bot.metric(f'roadmap_bot_webapp_requests_total{{endpoint="mark",status="{status}"}}')
            for status in ("499", "500")
        }
        timed_out = bot.metric('roadmap_bot_http_connections_closed_total{reason="body_timeout"}')
        text = assert_no_tracebacks(bot)
    assert counted == {"499": 1, "500": 0}, "counted as a client gone, not as a failure"
    assert timed_out == 0, "the client went away before any clock ran out"
    assert " ERROR " not in text and "Traceback" not in text
    gone = "body did not arrive whole (the client went away or was too slow); nothing was done"
    assert f"INFO webapp.api: mini app: a PUT request's {gone}" in text
    assert f"INFO bot.web: a POST request's {gone}" in text
    assert not api.calls_of("sendMessage", CHAT)
    assert database.rows("SELECT count(*) FROM step_states") == [(0,)]


@pytest.mark.parametrize("process_database", ["sqlite"], indirect=True)
def test_the_page_s_redirect_stays_on_its_public_address_and_every_answer_has_the_security_headers(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    api, database = FakeBotAPI(), process_database
    evil = {"Host": "evil.example.org", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example.org"}
    with FakeBotAPIServer(api) as server, bot_serving(server, database, tmp_path / "bot.log") as bot:
        redirects = {path: get(bot.port, path, evil) for path in ("/app", "/app?roadmap=devops-platform-engineer")}
        signed = {"Authorization": bot.signed(CHAT), **evil}
        others = {
            path: get(bot.port, path, signed)
            for path in ("/app/", "/app/api/roadmaps/", "/healthz", "/healthz/", "/metrics", "/telegram", "/nope")
        }
    assert {path: (status, headers["location"]) for path, (status, headers, _) in redirects.items()} == {
        "/app": (307, PAGE),
        "/app?roadmap=devops-platform-engineer": (307, f"{PAGE}?roadmap=devops-platform-engineer"),
    }
    assert {path: status for path, (status, _, _) in others.items()} == {
        "/app/": 200,
        "/app/api/roadmaps/": 404,  # no redirect to drop the slash: it would be built from the Host header
        "/healthz": 200,
        "/healthz/": 404,
        "/metrics": 404,  # not on the public port
        "/telegram": 405,
        "/nope": 404,
    }
    for path, (_, headers, _) in {**redirects, **others}.items():
        assert "location" not in headers or headers["location"].startswith(PAGE), path
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert (headers["x-content-type-options"], headers["referrer-policy"]) == ("nosniff", "no-referrer"), path


STOPPING_FOR_EVER = """
import logging, sys, threading, time
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
from bot.runner import leave_after
print(time.time(), flush=True)
leave_after({bound})
threading.Event().wait()  # something stopping waits for, that never comes
"""


def test_stopping_that_outlasts_its_bound_is_cut_short_at_the_bound() -> None:
    bound = 3.0
    script = STOPPING_FOR_EVER.format(bound=bound)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    took = time.time() - float(result.stdout.split()[0])
    assert result.returncode == FORCED_EXIT, result.stderr
    assert bound - EXIT_MARGIN <= took < bound, took
    assert "WARNING bot.runner: still stopping 3 s after the signal: leaving what still runs and exiting" in (
        result.stderr
    )
    print(
        f"\nFIGURES a stopping that never ends, bound {bound:g} s: exit status {result.returncode} after {took:.2f} s"
    )
