"""What the page's API allows one person, through the real app mounted at /app on both databases:
how many calls a minute (a 429 in words past them, per person, refilled by the clock), how old
initData may be (INIT_DATA_MAX_AGE), and what a request whose body never came whole does (nothing)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from roadmaps import Catalog
from storage import Storage
from tests.miniapp import USER, authorization, client_for, init_data, served_app
from tests.support import Clock
from webapp import PageRules
from webapp.limits import REMEMBERED, CallsPerPerson

SEED = "backend-engineer-ai-era"
STATE_URL = f"/app/api/roadmaps/{SEED}/steps/typed-language-and-git/state"
OTHER = {"id": 2002, "first_name": "Grace"}


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_past_their_calls_a_person_gets_429_in_words_and_when_to_come_back(
    catalog: Catalog, storage: Storage, clock: Clock
) -> None:
    rules = PageRules(calls_per_minute=6)
    ada = authorization(init_data(signed_at=clock()))
    grace = authorization(init_data(OTHER, signed_at=clock()))
    before = metric("roadmap_bot_webapp_requests_total", endpoint="catalog", status="429")
    async with client_for(served_app(catalog, storage, clock, rules)) as client:
        taken = [(await client.get("/app/api/roadmaps", headers=ada)).status_code for _ in range(6)]
        refused = await client.get("/app/api/roadmaps", headers=ada)
        marked = await client.put(STATE_URL, json={"state": "done"}, headers=ada)
        others = (await client.get("/app/api/roadmaps", headers=grace)).status_code
        clock.advance(seconds=9)
        still = await client.get("/app/api/roadmaps", headers=ada)
        clock.advance(seconds=1)
        again = (await client.get("/app/api/roadmaps", headers=ada)).status_code
    assert taken == [200] * 6, "a burst of the minute's calls is taken"
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "That was a lot of changes at once. Wait 10 seconds and try again, or reopen the page from the chat.",
        "retry_after": 10,
    }
    assert refused.headers["retry-after"] == "10"
    assert marked.status_code == 429 and (await storage.progress.progress_of(USER["id"], SEED)).marks == {}
    assert others == 200, "one person's calls are theirs alone"
    assert still.json()["retry_after"] == 1, "a call every 10 s comes back"
    assert again == 200
    assert metric("roadmap_bot_webapp_requests_total", endpoint="catalog", status="429") == before + 2


async def test_a_refused_initdata_does_not_use_up_anyone_s_calls(
    catalog: Catalog, storage: Storage, clock: Clock
) -> None:
    rules = PageRules(calls_per_minute=1)
    forged = {"Authorization": f"tma {init_data(signed_at=clock())}0"}
    async with client_for(served_app(catalog, storage, clock, rules)) as client:
        statuses = [(await client.get("/app/api/roadmaps", headers=forged)).status_code for _ in range(3)]
        ada = await client.get("/app/api/roadmaps", headers=authorization(init_data(signed_at=clock())))
    assert statuses == [401] * 3 and ada.status_code == 200


@pytest.mark.parametrize(
    ("max_age", "opened", "status"),
    [
        (None, dt.timedelta(minutes=60), 200),
        (None, dt.timedelta(minutes=60, seconds=1), 401),
        (dt.timedelta(hours=6), dt.timedelta(hours=5), 200),
        (dt.timedelta(minutes=5), dt.timedelta(minutes=6), 401),
    ],
    ids=["default-an-hour", "default-past-an-hour", "six-hours", "five-minutes"],
)
async def test_how_old_initdata_may_be_is_the_operator_s_to_say(
    catalog: Catalog, storage: Storage, clock: Clock, max_age: dt.timedelta | None, opened: dt.timedelta, status: int
) -> None:
    rules = PageRules() if max_age is None else PageRules(init_data_max_age=max_age)
    header = authorization(init_data(signed_at=clock() - opened))
    async with client_for(served_app(catalog, storage, clock, rules)) as client:
        response = await client.get("/app/api/roadmaps", headers=header)
    assert response.status_code == status
    if status == 401:
        assert response.json() == {"error": "initData has expired; reopen the page from the bot", "reason": "expired"}


async def test_a_mark_whose_body_never_comes_whole_does_nothing_and_is_counted_as_499(
    catalog: Catalog, storage: Storage, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "webapp.api")
    app = served_app(catalog, storage, clock)
    header = authorization(init_data(signed_at=clock()))["Authorization"]
    sent: list[dict[str, Any]] = []
    messages = [
        {"type": "http.request", "body": b'{"state": ', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"authorization", header.encode()), (b"content-type", b"application/json"), (b"content-length", b"40")]
    scope = {"type": "http", "method": "PUT", "path": STATE_URL, "raw_path": STATE_URL.encode(), "headers": headers}
    scope |= {"query_string": b"", "root_path": "", "scheme": "http", "server": ("bot", 80), "asgi": {"version": "3.0"}}
    before = {s: metric("roadmap_bot_webapp_requests_total", endpoint="mark", status=s) for s in ("499", "500")}
    await app(scope, receive, send)
    after = {s: metric("roadmap_bot_webapp_requests_total", endpoint="mark", status=s) for s in ("499", "500")}
    assert after == {"499": before["499"] + 1, "500": before["500"]}
    assert sent[0]["status"] == 499, "what is answered to nobody"
    assert (await storage.progress.progress_of(USER["id"], SEED)).marks == {}
    gone = "mini app: a PUT request's body did not arrive whole (the client went away or was too slow); nothing was"
    gone += " done"
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "webapp.api"] == [("INFO", gone)]


async def test_no_redirect_is_built_from_the_host_header(catalog: Catalog, storage: Storage, clock: Clock) -> None:
    auth = authorization(init_data(signed_at=clock()))
    transport = httpx.ASGITransport(app=served_app(catalog, storage, clock))
    async with httpx.AsyncClient(transport=transport, base_url="http://evil.example.org") as client:
        answers = [
            await client.get(path, headers=auth) for path in ("/app/api/roadmaps/", f"/app/api/roadmaps/{SEED}/")
        ]
    assert [(a.status_code, "location" in a.headers) for a in answers] == [(404, False), (404, False)]
    assert [json.loads(a.text) for a in answers] == [{"error": "Not Found"}] * 2


def test_a_person_quiet_for_a_minute_is_forgotten_once_many_are_remembered() -> None:
    calls, now = CallsPerPerson(per_minute=60), dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    for person in range(REMEMBERED):
        assert calls.wait_for(person, now) == 0
    later = now + dt.timedelta(minutes=1)
    assert calls.wait_for(REMEMBERED, later) == 0
    assert list(calls.buckets) == [REMEMBERED], "everyone quiet for a minute is full again: forgotten"
    for person in range(REMEMBERED):
        calls.wait_for(person, later)
    assert len(calls.buckets) == REMEMBERED + 1, "at most once a minute: those just seen are kept"
