"""Webhook mode's ASGI app, in process: the secret is checked, updates are handled, health is told."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from bot.application import RoadmapBot
from bot.web import (
    HEALTH_TIMEOUT,
    MAX_UPDATE_BYTES,
    SECRET_HEADER,
    Health,
    build_web_app,
    metrics_app,
    webhook_path,
)
from roadmaps import Catalog
from storage import DatabaseError, Storage, create_engine
from tests.fakebotapi import TOKEN, FakeBotAPI
from tests.support import WEBHOOK_SECRET as SECRET
from tests.support import WEBHOOK_URL as URL
from tests.support import AppFactory, Clock, webhook_client
from webapp import mount_webapp
from webapp.headers import CONTENT_SECURITY_POLICY

METRICS_TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
async def client(app: RoadmapBot) -> AsyncIterator[httpx.AsyncClient]:
    async with webhook_client(app) as client:
        yield client


def test_the_webhook_path_comes_from_webhook_url() -> None:
    assert webhook_path(URL) == "/hooks/telegram"
    assert webhook_path("https://bot.example.org") == "/telegram"


async def test_updates_need_the_secret_header(client: httpx.AsyncClient, api: FakeBotAPI) -> None:
    update = api.message_update(5, "/start")
    assert (await client.post("/hooks/telegram", json=update)).status_code == 403
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
    assert (await client.post("/hooks/telegram", json=update, headers=wrong)).status_code == 403
    assert not api.calls_of("sendMessage"), "nothing was processed"

    right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert (await client.post("/hooks/telegram", json=update, headers=right)).status_code == 200
    [reply] = api.calls_of("sendMessage", 5)
    assert "Welcome" in reply.params["text"], "the update was handled before the answer"
    assert (await client.post("/hooks/telegram", content=b"{not json", headers=right)).status_code == 400
    assert (await client.get("/hooks/telegram")).status_code == 405


async def test_health_and_metrics(client: httpx.AsyncClient, app: RoadmapBot, api: FakeBotAPI) -> None:
    """/healthz says the database is fine; /metrics is for the token's bearers only, and says what
    the bot did (an update handled here, not one an earlier test happened to leave in the registry)."""
    handled = await client.post(
        "/hooks/telegram", json=api.message_update(5, "/start"), headers={SECRET_HEADER: SECRET}
    )
    assert handled.status_code == 200
    health = await client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "database": "ok"})
    assert health.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert (await client.get("/metrics")).status_code == 404, "no metrics on the public port by default"
    async with webhook_client(app, metrics_token=METRICS_TOKEN) as guarded:
        for header in (None, "Bearer", f"Bearer {METRICS_TOKEN[:-1]}", f"Basic {METRICS_TOKEN}", METRICS_TOKEN):
            refused = await guarded.get("/metrics", headers={"Authorization": header} if header else None)
            assert (refused.status_code, refused.headers["www-authenticate"]) == (401, "Bearer"), header
            assert "roadmap_bot" not in refused.text
        metrics = await guarded.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert 'roadmap_bot_handler_seconds_count{handler="start"}' in metrics.text


async def test_the_metrics_port_serves_metrics_and_nothing_else() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=metrics_app()), base_url="http://bot") as client:
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200 and "roadmap_bot_database_errors_total" in metrics.text
        assert metrics.headers["x-content-type-options"] == "nosniff"
        assert (await client.get("/healthz")).status_code == 404
        assert (await client.post("/metrics")).status_code == 405


async def test_health_is_503_when_the_database_is_unreachable(
    make_app: AppFactory, catalog: Catalog, tmp_path: Path
) -> None:
    unreachable = Storage(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'bot.sqlite3'}"))
    app = await make_app(catalog)
    async with webhook_client(app, unreachable) as client:
        before = _errors()
        health = await client.get("/healthz")
        after = _errors()
    await unreachable.close()
    assert (health.status_code, health.json()) == (503, {"status": "unavailable", "database": "unreachable"})
    assert after == before + 1


def _errors() -> float:
    return REGISTRY.get_sample_value("roadmap_bot_database_errors_total") or 0.0


class Silent(Storage):
    """A storage whose database never answers a ping; counts the pings asked."""

    def __init__(self, storage: Storage) -> None:
        super().__init__(storage.engine)
        self.pings = 0

    async def ping(self) -> None:
        self.pings += 1
        await asyncio.Event().wait()


async def test_healthz_answers_503_within_its_clock_and_probes_share_one_check(app: RoadmapBot) -> None:
    silent = Silent(app.services.storage)
    health = Health(silent, timeout=0.2)
    async with webhook_client(app, silent, health=health) as client:
        started = time.monotonic()
        async with asyncio.timeout(5):
            answers = await asyncio.gather(*(client.get("/healthz") for _ in range(5)))
        took = time.monotonic() - started
    assert health._check is not None
    health._check.cancel()
    assert [a.status_code for a in answers] == [503] * 5
    assert answers[0].json() == {"status": "unavailable", "database": "unreachable"}
    assert took < 0.2 + 1, "no probe waited longer than the health clock"
    assert silent.pings == 1, "five probes during one check share it: the database is asked once"


async def test_the_default_health_clock_is_a_few_seconds() -> None:
    assert 1 <= HEALTH_TIMEOUT <= 5


# --- what round 2's mutation testing of bot/web.py asked for (docs/testing.md, "Survivors of round 2") ---


def test_the_webhook_path_is_kept_whole_but_for_a_trailing_slash() -> None:
    """The path Telegram posts to is WEBHOOK_URL's path as written, a trailing slash dropped;
    `/telegram` when the URL has no path or only a slash."""
    assert webhook_path("https://bot.example.org/hooks/telegram/") == "/hooks/telegram"
    assert webhook_path("https://bot.example.org/hooks/BOX") == "/hooks/BOX"
    assert webhook_path("https://bot.example.org/") == "/telegram"


async def test_each_refusal_of_the_webhook_says_why_in_words_and_handles_nothing(
    client: httpx.AsyncClient, api: FakeBotAPI
) -> None:
    """Without the secret 403 `forbidden`; over a megabyte 413 `too big for an update`; a body
    that is not an update 400 `not an update`. None of them is handled."""
    right = {SECRET_HEADER: SECRET}
    update = api.message_update(5, "/start")
    answers = [
        await client.post("/hooks/telegram", json=update),
        await client.post("/hooks/telegram", content=b"x" * (MAX_UPDATE_BYTES + 1), headers=right),
        await client.post("/hooks/telegram", content=b"[]", headers=right),
    ]
    assert [(a.status_code, a.text) for a in answers] == [
        (403, "forbidden"),
        (413, "too big for an update"),
        (400, "not an update"),
    ]
    assert not api.calls_of("sendMessage")


REFUSED = "webhook: refused a body that is not an update ({})"
NOT_UPDATES = {
    "not JSON": (b'{"text": "PRIVATE', "not JSON: JSONDecodeError"),
    "not UTF-8": (b'{"update_id": 4, "text": "PRIVATE \xff"}', "not JSON: UnicodeDecodeError"),
    "too deep": (
        b'{"update_id": 3, "text": "PRIVATE", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "not JSON: RecursionError",
    ),
    "not shaped": (b'{"update_id": "PRIVATE"}', "not shaped like an update"),
    "unreadable": (
        json.dumps(
            {
                "update_id": 6,
                "message": {
                    "message_id": 1,
                    "date": 253_402_300_800,
                    "chat": {"id": 5, "type": "private"},
                    "text": "PRIVATE",
                },
            }
        ).encode(),
        "unreadable: ValueError",
    ),
}


@pytest.mark.parametrize(("body", "why"), NOT_UPDATES.values(), ids=NOT_UPDATES.keys())
async def test_a_body_that_is_not_an_update_is_logged_as_a_warning_saying_why_without_its_content(
    client: httpx.AsyncClient, api: FakeBotAPI, caplog: pytest.LogCaptureFixture, body: bytes, why: str
) -> None:
    """The operator reads one warning per refused body: why it is not an update (not JSON and
    the error's kind, not shaped like one, or unreadable by PTB and the error's kind), never
    what the body held."""
    calls = len(api.calls)
    answer = await client.post("/hooks/telegram", content=body, headers={SECRET_HEADER: SECRET})
    assert (answer.status_code, answer.text) == (400, "not an update")
    assert web_log(caplog) == [("WARNING", REFUSED.format(why))]
    assert "PRIVATE" not in caplog.text
    assert api.calls[calls:] == []


def web_log(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """What bot.web logged during the test: level and words."""
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.web"]


async def test_an_update_declared_over_a_megabyte_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    """A Content-Length over the limit is refused as it stands: not a byte of the body is read."""
    read: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            read.append(1)
            yield b" " * 1000

    headers = {SECRET_HEADER: SECRET, "Content-Length": str(10 * MAX_UPDATE_BYTES)}
    answer = await client.post("/hooks/telegram", content=endless(), headers=headers)
    assert (answer.status_code, answer.text) == (413, "too big for an update")
    assert read == [], "refused on the declared length, before any of it is read"


async def test_an_update_whose_body_never_comes_whole_is_news_and_is_not_handled(
    app: RoadmapBot, api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that goes away mid-body: nothing is handled, the log says so as news (INFO, not an
    error), and the 499 answered to nobody carries the security headers like any answer."""
    caplog.set_level(logging.INFO, "bot.web")
    web = build_web_app(app.application, app.services.storage, URL, SECRET)
    body = json.dumps(api.message_update(5, "/start")).encode()
    messages = [{"type": "http.request", "body": body[:20], "more_body": True}, {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(SECRET_HEADER.lower().encode(), SECRET.encode()), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "method": "POST", "path": "/hooks/telegram", "raw_path": b"/hooks/telegram"}
    scope |= {"headers": headers, "query_string": b"", "root_path": "", "scheme": "http", "server": ("bot", 80)}
    calls = len(api.calls)
    await web(scope | {"asgi": {"version": "3.0"}}, receive, send)
    assert (sent[0]["type"], sent[0]["status"]) == ("http.response.start", 499), "what is answered to nobody"
    assert (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()) in sent[0]["headers"]
    gone = "a POST request's body did not arrive whole (the client went away or was too slow); nothing was done"
    assert web_log(caplog) == [("INFO", gone)]
    assert api.calls[calls:] == []


class Failing(Storage):
    """A storage whose database answers a ping with an error, after `answer` is set if one is given;
    `fails` says whether it still fails."""

    def __init__(self, storage: Storage, answer: asyncio.Event | None = None) -> None:
        super().__init__(storage.engine)
        self.answer, self.fails = answer, True

    async def ping(self) -> None:
        if self.answer is not None:
            await self.answer.wait()
        if self.fails:
            raise DatabaseError("the disk is full")


async def test_a_failed_health_check_tells_the_operator_what_went_wrong(
    app: RoadmapBot, caplog: pytest.LogCaptureFixture
) -> None:
    """503 for a database that fails and one that does not answer in time; the warning says which:
    the database's error in its words, or how long the check waited."""
    silent = Silent(app.services.storage)
    async with webhook_client(app, Failing(app.services.storage)) as failing:
        failed = await failing.get("/healthz")
    health = Health(silent, timeout=0.2)
    async with webhook_client(app, silent, health=health) as slow:
        late = await slow.get("/healthz")
    assert health._check is not None
    health._check.cancel()
    assert [failed.status_code, late.status_code] == [503, 503]
    assert web_log(caplog) == [
        ("WARNING", "health check: the database did not answer: the disk is full"),
        ("WARNING", "health check: the database did not answer: no answer within 0.2 s"),
    ]


async def test_a_check_that_fails_after_its_probe_stopped_waiting_is_not_an_error_left_unread(
    app: RoadmapBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A probe answers 503 when the clock runs out; the check it started may end in error later with
    no probe waiting. That ending is read (the next probe starts a check anew), so asyncio never
    logs "Task exception was never retrieved" as an error when the check is collected."""
    answer = asyncio.Event()
    late = Failing(app.services.storage, answer)
    health = Health(late, timeout=0.05)
    async with webhook_client(app, late, health=health) as client:
        first = await client.get("/healthz")
        check = health._check
        assert check is not None
        answer.set()
        await asyncio.wait({check})  # waits for it without reading how it ended
        late.fails = False
        del check
        second = await client.get("/healthz")
    gc.collect()
    assert [first.status_code, second.status_code] == [503, 200]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no error for an ending nobody read"


async def test_healthz_names_the_catalog_version_it_serves(app: RoadmapBot) -> None:
    """With the catalog's version at hand, /healthz says it beside the database's health."""
    async with webhook_client(app, catalog_version=lambda: "v-2026-12-06") as client:
        health = await client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "database": "ok", "catalog": "v-2026-12-06"})


async def test_metrics_go_to_a_bearer_of_the_token_however_the_scheme_is_spelled(app: RoadmapBot) -> None:
    """`Bearer` is a scheme, case-insensitive, and one or more spaces may separate it from the token;
    anyone else is told in words what to send."""
    async with webhook_client(app, metrics_token=METRICS_TOKEN) as guarded:
        taken = [
            await guarded.get("/metrics", headers={"Authorization": header})
            for header in (f"bearer {METRICS_TOKEN}", f"BEARER  {METRICS_TOKEN}")
        ]
        refused = await guarded.get("/metrics", headers={"Authorization": f"Token {METRICS_TOKEN}"})
    assert [t.status_code for t in taken] == [200, 200]
    assert all("roadmap_bot_database_errors_total" in t.text for t in taken)
    assert (refused.status_code, refused.text) == (401, "send the metrics token")


PAGE_URL = "https://bot.example.org/app/"
EVIL = {"Host": "evil.example.org", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example.org"}


async def test_app_redirects_to_the_page_s_public_address_with_its_query_whatever_the_host(
    app: RoadmapBot, catalog: Catalog, clock: Clock
) -> None:
    """GET (and HEAD) /app goes to WEBAPP_URL, the query kept; never to an address built from the
    request's Host or scheme. The page is under /app/, beside /healthz; every answer has the headers."""
    page = mount_webapp(catalog, app.services.storage.progress, TOKEN, clock)
    async with webhook_client(app, page=page, page_url=PAGE_URL) as client:
        bare = await client.get("/app", headers=EVIL)
        asked = await client.get("/app?roadmap=devops-platform-engineer", headers=EVIL)
        head = await client.head("/app", headers=EVIL)
        posted = await client.post("/app", headers=EVIL)
        served = await client.get("/app/")
        health = await client.get("/healthz")
    assert (posted.status_code, set(posted.headers["allow"].split(", "))) == (405, {"GET", "HEAD"})
    assert "location" not in posted.headers
    assert [(r.status_code, r.headers["location"]) for r in (bare, asked, head)] == [
        (307, PAGE_URL),
        (307, f"{PAGE_URL}?roadmap=devops-platform-engineer"),
        (307, PAGE_URL),
    ]
    assert (served.status_code, health.status_code) == (200, 200)
    assert "<html" in served.text.lower()
    for answer in (bare, asked, head, posted, served, health):
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["referrer-policy"] == "no-referrer"


async def test_without_a_page_address_the_page_is_served_and_app_is_not_a_redirect(
    app: RoadmapBot, catalog: Catalog, clock: Clock
) -> None:
    """A page mounted without WEBAPP_URL: /app/ is the page, /app nothing (no redirect to guess)."""
    page = mount_webapp(catalog, app.services.storage.progress, TOKEN, clock)
    async with webhook_client(app, page=page) as client:
        served, bare = await client.get("/app/"), await client.get("/app")
    assert (served.status_code, bare.status_code) == (200, 404)
    assert "location" not in bare.headers


async def test_an_update_through_the_webhook_goes_through_the_bot_s_door(
    client: httpx.AsyncClient, api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """The webhook hands the update itself to the bot's update processor, whose door turns away an
    update from a chat Telegram could not have: answered 200 (Telegram must not send it again),
    nothing sent, and the warning names the update."""
    update = api.message_update(2**70, "/start")
    calls = len(api.calls)
    answer = await client.post("/hooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 200
    assert api.calls[calls:] == [], "no answer to a chat that cannot exist"
    turned = f"turned away update {update['update_id']}: its chat or user id is outside Telegram's range"
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.updates"] == [("WARNING", turned)]


@pytest.mark.parametrize("secret", ["a", "XXXX", "0_-"])
async def test_an_update_without_the_header_is_refused_however_short_the_secret(
    app: RoadmapBot, api: FakeBotAPI, secret: str
) -> None:
    """A missing header is no secret at all: it never matches, whatever the secret (Telegram takes
    1 to 256 characters of letters, digits, `_` and `-`: even one of a few letters)."""
    web = build_web_app(app.application, app.services.storage, URL, secret)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://bot") as client:
        without = await client.post("/hooks/telegram", json=api.message_update(5, "/start"))
        assert not api.calls_of("sendMessage", 5)
        right = await client.post(
            "/hooks/telegram", json=api.message_update(5, "/start"), headers={SECRET_HEADER: secret}
        )
    assert (without.status_code, without.text, right.status_code) == (403, "forbidden", 200)
    assert api.calls_of("sendMessage", 5), "with the header, the same update is handled"


async def test_a_websocket_knocking_at_the_bot_s_server_is_closed_not_crashed(app: RoadmapBot) -> None:
    """The server speaks plain HTTP (uvicorn runs it without WebSockets); should a WebSocket reach
    the app all the same, at any path, it is closed politely, not an error."""
    web = build_web_app(app.application, app.services.storage, URL, SECRET)
    sent: list[tuple[str, str]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    paths = ("/hooks/telegram", "/healthz", "/nope")
    for path in paths:
        scope = {"type": "websocket", "path": path, "raw_path": path.encode(), "query_string": b"", "headers": []}
        scope |= {"scheme": "ws", "root_path": "", "subprotocols": [], "asgi": {"version": "3.0"}}

        async def send(message: dict[str, Any], path: str = path) -> None:
            sent.append((path, message["type"]))

        await web(scope, receive, send)
    assert sent == [(path, "websocket.close") for path in paths]


@pytest.mark.parametrize("which", ["webhook", "metrics"])
async def test_both_servers_go_through_uvicorn_s_lifespan_start_and_stop(app: RoadmapBot, which: str) -> None:
    """uvicorn tells an app when the server starts and stops (ASGI's lifespan); the webhook's app
    and the metrics port's each pass it through their headers layer and answer both."""
    web = build_web_app(app.application, app.services.storage, URL, SECRET) if which == "webhook" else metrics_app()
    told = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    answers: list[str] = []

    async def receive() -> dict[str, Any]:
        return next(told)

    async def send(message: dict[str, Any]) -> None:
        answers.append(message["type"])

    await web({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    assert answers == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
