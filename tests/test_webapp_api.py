"""The Mini App's API through the real Starlette app mounted at /app, on SQLite and PostgreSQL:
what a user reads and marks, the rows it writes, and what it refuses."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY, generate_latest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from handlers.roadmap_views import render_roadmap
from i18n.shared_views import nothing_to_count, signals_legend
from progress import Mark, Progress, StepState
from roadmaps import Catalog
from storage import ProgressStore, Storage
from storage.tables import chat_roadmaps, chats, reminders, step_notes, step_states
from tests.fakebotapi import TOKEN
from tests.miniapp import USER, authorization, client_for, init_data, served_app
from tests.support import ChatSession, Clock
from webapp import ProgressAccess, build_webapp, payloads
from webapp.api import CONTENT_SECURITY_POLICY, MAX_BODY, STATIC_DIR

# In English, as the tests speak.
NOTHING_TO_COUNT, SIGNALS_LEGEND = nothing_to_count(), signals_legend()

SEED = "backend-engineer-ai-era"
FIRST = "typed-language-and-git"
STATE_URL = f"/app/api/roadmaps/{SEED}/steps/{FIRST}/state"
NO_ROADMAP, NO_STEP = "there is no such roadmap", "this roadmap has no such step"
ONE_OF = 'send {"state": …} with one of: todo, working, done, skipped'
TOO_BIG = "a mark is at most 1024 bytes"
# The seed's step 8, whose topic (containers) DevOps's step 6 teaches too.
CONTAINERS = "containers-and-deployment"
COUNT_URL = f"/app/api/roadmaps/{SEED}/steps/{CONTAINERS}/count-here"
DEVOPS = "devops-platform-engineer"
OTHER_BOT = "987654321:ANOTHER-bot-token-abcdefghijklmnopq"


@pytest.fixture
async def client(catalog: Catalog, storage: Storage, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(served_app(catalog, storage, clock)) as client:
        yield client


@pytest.fixture
def auth(clock: Clock) -> dict[str, str]:
    """The header of a page opened a minute ago by user 1001."""
    return authorization(init_data(signed_at=clock() - dt.timedelta(minutes=1)))


async def rows(storage: Storage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row a mark could touch."""
    async with storage.engine.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in await connection.execute(select(table)))
            for table in (chats, chat_roadmaps, step_states, step_notes, reminders)
        }


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize("name", ["progress_of", "progress_of_chat", "set_step_state", "count_here", "other_roadmaps"])
def test_storage_is_the_progress_access_the_page_needs(name: str) -> None:
    wanted = inspect.signature(getattr(ProgressAccess, name)).parameters
    offered = inspect.signature(getattr(ProgressStore, name)).parameters
    assert list(offered)[: len(wanted)] == list(wanted), "the same calls, by the same names"
    extra = list(offered.values())[len(wanted) :]
    assert all(p.default is not inspect.Parameter.empty for p in extra), "anything more is optional"


async def test_the_catalog_lists_every_roadmap_with_its_progress_line(
    client: httpx.AsyncClient, auth: dict[str, str], storage: Storage, catalog: Catalog, clock: Clock
) -> None:
    roadmap = catalog.get(SEED)
    assert roadmap is not None
    for step in roadmap.steps[:3]:
        await storage.progress.set_step_state(USER["id"], SEED, step, StepState.DONE, clock())
    response = await client.get("/app/api/roadmaps", headers=auth)
    assert response.status_code == 200
    listed = response.json()["roadmaps"]
    assert [(r["id"], r["title"], r["summary"], r["steps"]) for r in listed] == [
        (r.id, r.title, r.summary, len(r.steps)) for r in catalog
    ]
    assert (listed[0]["progress"]["done"], listed[0]["progress"]["percent"]) == (3, 30)
    assert listed[0]["progress"]["line"] == "30% · 3 of 10 steps done"
    assert listed[0]["progress"]["started"] is True
    assert listed[1]["progress"] == {
        "done": 0,
        "working": 0,
        "skipped": 0,
        "total": 25,
        "percent": 0,
        "line": "0% · 0 of 25 steps done",
        "started": False,
        "covered": False,
        "completed": False,
    }


async def test_a_roadmap_is_the_seed_page_with_the_users_states_and_notes(
    client: httpx.AsyncClient, auth: dict[str, str], storage: Storage, catalog: Catalog, clock: Clock
) -> None:
    roadmap = catalog.get(SEED)
    assert roadmap is not None
    await storage.progress.set_step_state(USER["id"], SEED, roadmap.steps[1], StepState.WORKING, clock())
    await storage.progress.set_note(USER["id"], SEED, roadmap.steps[1], "RFC 9110 <b>first</b>", clock())

    response = await client.get(f"/app/api/roadmaps/{SEED}", headers=auth)
    assert response.status_code == 200
    page = response.json()
    assert (page["id"], page["title"]) == (SEED, "Backend Engineer (AI era)")
    assert page["summary"].startswith("From language fundamentals to AI-augmented services")
    assert [(s["name"], s["level"]) for s in page["signals"]] == [
        ("Importance", "High"),
        ("Market demand", "Medium"),
        ("Automation risk", "Low"),
    ]
    assert page["legend"] == SIGNALS_LEGEND
    assert page["progress"]["line"] == "0% · 0 of 10 steps done · 1 in progress"
    assert page["next_step"] == roadmap.steps[1].id
    assert page["effort_left"] == {"low": 245, "high": 490}, "every step still to do, the one in progress too"
    assert page["words"] == {
        "effort_left": "⏱ About 245–490 hours left",
        "countable": None,
        "next_step": "👉 Next step: HTTP & REST APIs",
    }
    assert page["steps"][1]["words"]["state_line"] == "State: 🟡 Working on it since 27 Nov 2026"
    assert len(page["steps"]) == 10
    first, second = page["steps"][:2]
    assert first == {
        "id": FIRST,
        "number": 1,
        "title": "A typed language + git",
        "summary": "Go, TypeScript, or Python with types. Master the language before the framework.",
        "section": None,
        "signals": [
            {"name": "Importance", "level": "High", "value": "high"},
            {"name": "Market demand", "level": "High", "value": "high"},
            {"name": "Automation risk", "level": "Low", "value": "low"},
        ],
        "resources": [{"title": r.title, "url": r.url} for r in roadmap.steps[0].resources],
        "why": roadmap.steps[0].why,
        "done_when": [check.text for check in roadmap.steps[0].done_when],
        "checks_ticked": [False] * len(roadmap.steps[0].done_when),
        "practice": roadmap.steps[0].practice,
        "effort_hours": {"low": 40, "high": 80},
        "state": "todo",
        "changed_at": None,
        "note": None,
        "elsewhere": None,
        "words": {"state_line": "State: ⬜ Not yet", "effort": "⏱ About 40–80 hours"},
    }
    assert (second["number"], second["state"], second["note"]) == (2, "working", "RFC 9110 <b>first</b>")
    assert second["changed_at"] == clock().isoformat()


async def test_marking_a_step_done_writes_the_row_a_tap_writes(
    client: httpx.AsyncClient, auth: dict[str, str], storage: Storage, clock: Clock
) -> None:
    before = metric("roadmap_bot_webapp_requests_total", endpoint="mark", status="200")
    response = await client.put(STATE_URL, json={"state": "done"}, headers=auth)
    assert response.status_code == 200
    page = response.json()
    assert page["progress"]["line"] == "10% · 1 of 10 steps done"
    assert (page["steps"][0]["state"], page["steps"][0]["changed_at"]) == ("done", clock().isoformat())
    assert page["next_step"] == "http-rest-apis"

    async with storage.engine.connect() as connection:
        marks = (await connection.execute(select(step_states))).all()
    assert [(r.chat_id, r.roadmap_id, r.step_id, r.state, r.changed_at) for r in marks] == [
        (1001, SEED, FIRST, "done", clock())
    ]
    assert metric("roadmap_bot_webapp_requests_total", endpoint="mark", status="200") == before + 1


async def test_every_state_the_page_offers(
    client: httpx.AsyncClient, auth: dict[str, str], storage: Storage, clock: Clock
) -> None:
    lines = {}
    for state in ("working", "skipped", "done", "todo"):
        clock.advance(minutes=1)
        response = await client.put(STATE_URL, json={"state": state}, headers=auth)
        assert response.status_code == 200
        assert response.json()["steps"][0]["state"] == state
        lines[state] = response.json()["progress"]["line"]
    assert lines == {
        "working": "0% · 0 of 10 steps done · 1 in progress",
        "skipped": "0% · 0 of 10 steps done · 1 skipped",
        "done": "10% · 1 of 10 steps done",
        "todo": "0% · 0 of 10 steps done",
    }
    assert (await rows(storage))["step_states"] == [], "not started is no row, as in the chat"
    assert (await storage.progress.progress_of(USER["id"], SEED)).started, "the roadmap stays started"


async def test_a_mark_keeps_the_note_in_its_answer(
    client: httpx.AsyncClient, auth: dict[str, str], storage: Storage, catalog: Catalog, clock: Clock
) -> None:
    roadmap = catalog.get(SEED)
    assert roadmap is not None
    await storage.progress.set_note(USER["id"], SEED, roadmap.steps[0], "git rebase -i", clock())
    response = await client.put(STATE_URL, json={"state": "done"}, headers=auth)
    assert response.json()["steps"][0]["note"] == "git rebase -i"


async def test_chat_and_page_share_one_progress(
    client: httpx.AsyncClient, auth: dict[str, str], chat: ChatSession
) -> None:
    await chat.send(f"/start {SEED}")
    await chat.tap("1. A typed language + git")
    await chat.tap("✅ Mark done")
    page = (await client.get(f"/app/api/roadmaps/{SEED}", headers=auth)).json()
    assert page["steps"][0]["state"] == "done" and page["progress"]["line"] == "10% · 1 of 10 steps done"

    response = await client.put(
        f"/app/api/roadmaps/{SEED}/steps/http-rest-apis/state", json={"state": "done"}, headers=auth
    )
    assert response.json()["progress"]["line"] == "20% · 2 of 10 steps done"
    await chat.send("/progress")
    assert "20% · 2 of 10 steps done" in chat.last.text


async def test_a_topic_done_in_another_roadmap_shows_on_its_step_and_counts_here_on_that_day(
    client: httpx.AsyncClient, auth: dict[str, str], storage: Storage, clock: Clock
) -> None:
    done_there = clock()
    response = await client.put(
        f"/app/api/roadmaps/{DEVOPS}/steps/containers/state", json={"state": "done"}, headers=auth
    )
    assert response.status_code == 200
    clock.advance(days=3)
    auth = authorization(init_data(signed_at=clock()))  # the page opened again, three days on

    page = (await client.get(f"/app/api/roadmaps/{SEED}", headers=auth)).json()
    shown = {step["id"]: step["elsewhere"] for step in page["steps"] if step["elsewhere"]}
    assert shown == {
        CONTAINERS: {
            "roadmap_id": DEVOPS,
            "roadmap": "DevOps & Platform Engineer",
            "step_number": 6,
            "step": "Containers & images",
            "done_at": done_there.isoformat(),
            "line": "✅ Done in DevOps & Platform Engineer on 27 Nov 2026 (step 6, Containers & images)",
        }
    }
    assert page["steps"][7]["state"] == "todo", "shown, never counted on its own"

    # A mark of another step answers with the topic still shown where it was.
    marked = await client.put(
        f"/app/api/roadmaps/{SEED}/steps/testing-and-ci/state", json={"state": "working"}, headers=auth
    )
    assert marked.json()["steps"][7]["elsewhere"] == shown[CONTAINERS]
    # Observability done in DevOps too: counting containers leaves observability's shown in the answer.
    response = await client.put(
        f"/app/api/roadmaps/{DEVOPS}/steps/logs-and-traces/state", json={"state": "done"}, headers=auth
    )
    assert response.status_code == 200

    before = metric("roadmap_bot_webapp_requests_total", endpoint="count_here", status="200")
    counted = await client.post(COUNT_URL, headers=auth)
    assert counted.status_code == 200
    observability, containers = counted.json()["steps"][6:8]
    assert (containers["state"], containers["changed_at"], containers["elsewhere"]) == (
        "done",
        done_there.isoformat(),
        None,
    )
    assert observability["elsewhere"]["step"] == "Logs & traces" and observability["state"] == "todo"
    assert counted.json()["progress"]["line"] == "10% · 1 of 10 steps done · 1 in progress"
    assert metric("roadmap_bot_webapp_requests_total", endpoint="count_here", status="200") == before + 1
    marks = {(r[1], r[2]): (r[3], r[4]) for r in (await rows(storage))["step_states"]}
    assert marks[SEED, CONTAINERS] == ("done", done_there), "done here on the day it was done there"
    assert marks[DEVOPS, "containers"] == ("done", done_there)

    # Counted already, or undone there: nothing to count, and nothing changes.
    again = await client.post(COUNT_URL, headers=auth)
    assert again.status_code == 409 and again.json()["error"] == NOTHING_TO_COUNT
    await client.put(f"/app/api/roadmaps/{SEED}/steps/{CONTAINERS}/state", json={"state": "todo"}, headers=auth)
    await client.put(f"/app/api/roadmaps/{DEVOPS}/steps/containers/state", json={"state": "todo"}, headers=auth)
    before_rows = await rows(storage)
    undone = await client.post(COUNT_URL, headers=auth)
    assert undone.status_code == 409 and undone.json()["error"] == NOTHING_TO_COUNT
    assert await rows(storage) == before_rows


async def test_the_page_and_the_chat_count_the_same_topic_the_same_way(
    client: httpx.AsyncClient, auth: dict[str, str], chat: ChatSession, clock: Clock
) -> None:
    done_there = clock()
    await chat.send(f"/start {DEVOPS}")
    await chat.press(f"s:{DEVOPS}:containers", chat.last.message_id)
    await chat.tap("✅ Mark done")
    clock.advance(days=2)
    auth = authorization(init_data(signed_at=clock()))
    await chat.send(f"/start {SEED}")
    await chat.press(f"s:{SEED}:{CONTAINERS}", chat.last.message_id)
    assert "✅ Done in DevOps &amp; Platform Engineer on 27 Nov 2026" in chat.last.html
    page = (await client.get(f"/app/api/roadmaps/{SEED}", headers=auth)).json()
    assert page["steps"][7]["elsewhere"]["done_at"] == done_there.isoformat()

    await client.post(COUNT_URL, headers=auth)
    await chat.send("/progress")
    assert "10% · 1 of 10 steps done" in chat.last.text
    await chat.send(f"/start {SEED}")
    await chat.press(f"s:{SEED}:{CONTAINERS}", chat.last.message_id)
    assert "Done in DevOps" not in chat.last.text and "✅ Count it here" not in chat.last.button_texts


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        (f"/app/api/roadmaps/{SEED}/steps/http-rest-apis/count-here", 409, NOTHING_TO_COUNT),
        (f"/app/api/roadmaps/{SEED}/steps/testing-and-ci/count-here", 409, NOTHING_TO_COUNT),
        (f"/app/api/roadmaps/{SEED}/steps/no-such-step/count-here", 404, "no such step"),
        ("/app/api/roadmaps/no-such-roadmap/steps/x/count-here", 404, "no such roadmap"),
    ],
)
async def test_counting_a_step_with_nothing_done_elsewhere_is_refused(
    client: httpx.AsyncClient, auth: dict[str, str], storage: Storage, path: str, status: int, message: str
) -> None:
    before = await rows(storage)
    response = await client.post(path, headers=auth)
    assert (response.status_code, response.headers["content-type"]) == (status, "application/json")
    assert message in response.json()["error"]
    assert await rows(storage) == before


NOT_SIGNED = ("bad_hash", "initData is not signed for this bot")


def forged(clock: Clock) -> dict[str, tuple[str | None, str, str]]:
    """Authorization headers that must not prove anyone: the header, the reason counted and the words."""
    good = init_data(signed_at=clock())
    missing = ("missing", "send Telegram.WebApp.initData as 'Authorization: tma …'")
    return {
        "missing": (None, *missing),
        "empty": ("", *missing),
        "other scheme": (f"Bearer {good}", "malformed", "the Authorization scheme must be tma"),
        "no init data": ("tma ", "missing", "no initData"),
        "one byte changed": (f"tma {good.replace('%22id%22%3A1001', '%22id%22%3A1002')}", *NOT_SIGNED),
        "expired": (
            f"tma {init_data(signed_at=clock() - dt.timedelta(days=1, seconds=1))}",
            "expired",
            "initData has expired; reopen the page from the bot",
        ),
        "another bot": (f"tma {init_data(signed_at=clock(), bot_token=OTHER_BOT)}", *NOT_SIGNED),
        "no hash": (f"tma {good.rsplit('&hash=', 1)[0]}", "no_hash", "initData has no hash"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing", "empty", "other scheme", "no init data", "one byte changed", "expired", "another bot", "no hash"],
)
async def test_without_valid_init_data_nothing_is_read_or_changed(
    client: httpx.AsyncClient, storage: Storage, catalog: Catalog, clock: Clock, case: str
) -> None:
    roadmap = catalog.get(SEED)
    assert roadmap is not None
    await storage.progress.set_step_state(USER["id"], SEED, roadmap.steps[2], StepState.SKIPPED, clock())
    devops = catalog.get(DEVOPS)
    assert devops is not None
    containers = devops.step("containers")
    assert containers is not None
    await storage.progress.set_step_state(
        USER["id"], DEVOPS, containers, StepState.DONE, clock()
    )  # a count would write
    header, reason, words = forged(clock)[case]
    headers = {} if header is None else {"Authorization": header}
    before, failures = await rows(storage), _auth_failures()

    answers = [
        await client.get("/app/api/roadmaps", headers=headers),
        await client.get(f"/app/api/roadmaps/{SEED}", headers=headers),
        await client.put(STATE_URL, json={"state": "done"}, headers=headers),
        await client.put(
            f"/app/api/roadmaps/{SEED}/steps/{roadmap.steps[2].id}/state", json={"state": "todo"}, headers=headers
        ),
        await client.put("/app/api/roadmaps/nope/steps/nope/state", content=b"{", headers=headers),
        await client.post(COUNT_URL, headers=headers),
    ]
    for answer in answers:
        assert answer.status_code == 401, answer.text
        assert answer.headers["www-authenticate"] == "tma"
        assert answer.json() == {"error": words, "reason": reason}
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert await rows(storage) == before
    counted = _auth_failures()
    assert counted.pop(reason) == failures.pop(reason, 0) + len(answers), f"counted as {reason}"
    assert counted == failures, "and under no other reason"


@pytest.mark.parametrize("header", ["TMA {}", "Tma {}", "tma  {}", "tma {} "])
async def test_the_scheme_is_read_as_http_reads_it(client: httpx.AsyncClient, clock: Clock, header: str) -> None:
    """Any case of the scheme, and spaces around the credentials, as HTTP allows."""
    response = await client.get(
        "/app/api/roadmaps", headers={"Authorization": header.format(init_data(signed_at=clock()))}
    )
    assert response.status_code == 200, response.text


def _auth_failures() -> dict[str, float]:
    return {
        sample.labels["reason"]: sample.value
        for family in REGISTRY.collect()
        if family.name == "roadmap_bot_webapp_auth_failures"
        for sample in family.samples
        if sample.name.endswith("_total")
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("GET", "/app/api/roadmaps/no-such-roadmap", None, 404, NO_ROADMAP),
        ("PUT", "/app/api/roadmaps/no-such-roadmap/steps/x/state", b'{"state": "done"}', 404, NO_ROADMAP),
        ("PUT", f"/app/api/roadmaps/{SEED}/steps/no-such-step/state", b'{"state": "done"}', 404, NO_STEP),
        ("PUT", STATE_URL, b'{"state": "finished"}', 422, "state must be one of: todo, working, done, skipped"),
        ("PUT", STATE_URL, b'{"state": 1}', 422, ONE_OF),
        ("PUT", STATE_URL, b'["done"]', 422, ONE_OF),
        ("PUT", STATE_URL, b"{not json", 400, "the body is not valid JSON"),
        ("PUT", STATE_URL, b"\xff\xfe", 400, "the body is not valid JSON"),
        ("PUT", STATE_URL, b'{"state": "done", "pad": "' + b"x" * 2000 + b'"}', 413, TOO_BIG),
        ("GET", STATE_URL, None, 405, "Method Not Allowed"),
        ("GET", COUNT_URL, None, 405, "Method Not Allowed"),
        ("POST", f"/app/api/roadmaps/{SEED}", b"{}", 405, "Method Not Allowed"),
        ("POST", "/app/api/roadmaps", b"{}", 405, "Method Not Allowed"),
        ("GET", "/app/api/nothing/here", None, 404, "Not Found"),
    ],
)
async def test_bad_input_gets_a_clear_4xx_and_changes_nothing(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    storage: Storage,
    method: str,
    path: str,
    body: bytes | None,
    status: int,
    message: str,
) -> None:
    before = await rows(storage)
    headers = {**auth, "Content-Type": "application/json"}
    response = await client.request(method, path, content=body, headers=headers)
    assert (response.status_code, response.headers["content-type"]) == (status, "application/json")
    assert response.json() == {"error": message}
    assert response.headers["cache-control"] == "no-store"
    assert "www-authenticate" not in response.headers, "only a 401 says how to authenticate"
    if status == 405:
        allowed = {"state": {"PUT"}, "count-here": {"POST"}}.get(path.rsplit("/", 1)[1], {"GET", "HEAD"})
        assert set(response.headers["allow"].split(", ")) == allowed, "a 405 names the methods allowed"
    assert await rows(storage) == before


async def test_a_mark_may_name_its_charset(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    headers = {**auth, "Content-Type": "application/json; charset=utf-8"}
    response = await client.put(STATE_URL, content=b'{"state": "done"}', headers=headers)
    assert response.status_code == 200 and response.json()["steps"][0]["state"] == "done"


async def test_a_body_declared_too_big_is_refused_before_it_is_read(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    read: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            read.append(1)
            yield b" " * 1000

    headers = {**auth, "Content-Type": "application/json", "Content-Length": str(10 * 1024 * 1024)}
    response = await client.put(STATE_URL, content=endless(), headers=headers)
    assert (response.status_code, response.json()) == (413, {"error": TOO_BIG})
    assert read == [], "refused on the declared length, before any of the ten megabytes is read"


@pytest.mark.parametrize("content_type", ["text/plain", None])
async def test_a_mark_must_be_json(client: httpx.AsyncClient, auth: dict[str, str], content_type: str | None) -> None:
    headers = auth if content_type is None else {**auth, "Content-Type": content_type}
    response = await client.put(STATE_URL, content=b'{"state": "done"}', headers=headers)
    assert response.status_code == 415 and response.json() == {"error": "send the mark as application/json"}


def padded_mark(size: int) -> bytes:
    """A valid mark (done) padded with an unknown field to exactly `size` bytes."""
    bare = b'{"state": "done", "pad": ""}'
    return bare[:-2] + b"x" * (size - len(bare)) + b'"}'


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_mark_is_at_most_max_body_bytes_however_it_is_sent(
    client: httpx.AsyncClient, auth: dict[str, str], storage: Storage, declared: bool
) -> None:
    """Up to MAX_BODY bytes a mark is read; one byte more is refused, whether the request says its
    length or streams its body in chunks without saying it."""

    def sent(body: bytes) -> bytes | AsyncIterator[bytes]:
        if declared:
            return body

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 100):
                yield body[start : start + 100]

        return chunks()

    headers = {**auth, "Content-Type": "application/json"}
    too_big = await client.put(STATE_URL, content=sent(padded_mark(MAX_BODY + 1)), headers=headers)
    assert (too_big.status_code, too_big.json()) == (413, {"error": TOO_BIG})
    assert (await rows(storage))["step_states"] == []
    just_fits = await client.put(STATE_URL, content=sent(padded_mark(MAX_BODY)), headers=headers)
    assert just_fits.status_code == 200 and just_fits.json()["steps"][0]["state"] == "done"


class Unreachable:
    """Progress access whose database does not answer: every call is refused, whatever it is."""

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def refused(*args: object, **kwargs: object) -> Any:
            raise OperationalError(name, {}, ConnectionRefusedError("connection refused"))

        return refused


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/app/api/roadmaps"),
        ("GET", f"/app/api/roadmaps/{SEED}"),
        ("PUT", STATE_URL),
        ("POST", COUNT_URL),
    ],
)
async def test_a_database_that_does_not_answer_is_a_503(
    catalog: Catalog, clock: Clock, auth: dict[str, str], method: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable: ProgressAccess = Unreachable()
    app = Starlette(routes=[Mount("/app", app=build_webapp(catalog, unreachable, TOKEN, clock))])
    async with client_for(app) as client:
        response = await client.request(method, path, json={"state": "done"}, headers=auth)
    assert response.status_code == 503
    assert response.json() == {"error": "the database is not answering; try again in a moment"}
    [logged] = [r for r in caplog.records if r.name == "webapp.api"]
    said = logged.getMessage()
    assert said.startswith("mini app: database error: ") and "connection refused" in said, said


class Broken(Unreachable):
    """Progress access that fails in a way nothing expects."""

    async def progress_of_chat(self, chat_id: int) -> list[Progress]:
        raise RuntimeError("a bug")


async def test_an_unexpected_error_is_a_500_and_counted_as_one(
    catalog: Catalog, clock: Clock, auth: dict[str, str]
) -> None:
    broken: ProgressAccess = Broken()
    app = Starlette(routes=[Mount("/app", app=build_webapp(catalog, broken, TOKEN, clock))])
    before = metric("roadmap_bot_webapp_requests_total", endpoint="catalog", status="500")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        response = await client.get("/app/api/roadmaps", headers=auth)
    assert response.status_code == 500
    assert metric("roadmap_bot_webapp_requests_total", endpoint="catalog", status="500") == before + 1


async def test_the_page_and_its_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/app/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="https://telegram.org/js/telegram-web-app.js"></script>' in page.text
    for path, kind in (("/app/app.js", "javascript"), ("/app/app.css", "text/css"), ("/app/icon.svg", "svg")):
        asset = await client.get(path)
        assert asset.status_code == 200 and kind in asset.headers["content-type"]
        assert asset.headers["cache-control"] == "no-cache"
    for response in (page, await client.get("/app/api/roadmaps"), await client.get("/app/missing.txt")):
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"

    policy = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self' https://telegram.org", "no inline script; Telegram's script only"
    assert policy["style-src"] == "'self'", "no inline style"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"].split() == [
        "https://web.telegram.org",
        "https://webk.telegram.org",
        "https://webz.telegram.org",
    ]
    assert (await client.get("/app/api/roadmaps")).headers["cache-control"] == "no-store"


async def test_the_metrics_are_in_the_default_registry(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await client.get("/app/", headers=auth)
    await client.get("/app/api/roadmaps", headers=auth)
    await client.get("/app/api/roadmaps")
    text = generate_latest().decode()
    assert 'roadmap_bot_webapp_requests_total{endpoint="page",status="200"}' in text
    assert 'roadmap_bot_webapp_requests_total{endpoint="catalog",status="200"}' in text
    assert 'roadmap_bot_webapp_requests_total{endpoint="catalog",status="401"}' in text
    assert 'roadmap_bot_webapp_auth_failures_total{reason="missing"}' in text


def test_the_page_is_built_without_html_strings() -> None:
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script
    assert re.findall(r"<script\b[^>]*>", page) == [
        '<script src="https://telegram.org/js/telegram-web-app.js">',
        '<script src="app.js" defer>',
    ], "no inline script"
    assert "<style" not in page and not re.search(r"\s(style|on[a-z]+)=", page), "no inline style or handler"


@pytest.mark.parametrize(
    "marks",
    [
        {},
        {0: StepState.DONE},
        {0: StepState.DONE, 1: StepState.DONE, 2: StepState.DONE, 4: StepState.WORKING},
        {i: StepState.SKIPPED for i in range(10)},
        {i: StepState.DONE for i in range(10)},
    ],
)
def test_the_page_speaks_the_chats_words(catalog: Catalog, marks: dict[int, StepState]) -> None:
    roadmap = catalog.get(SEED)
    assert roadmap is not None
    at = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    progress = Progress(SEED, {roadmap.steps[i].id: Mark(state, at) for i, state in marks.items()})
    page = payloads.roadmap_payload(roadmap, progress)
    chat_view = render_roadmap(roadmap, progress).text
    assert f"\n{page['progress']['line']}\n" in chat_view + "\n", "the page's line is the chat's"
    assert f"<i>{page['legend']}</i>" in chat_view, "and so is its legend"


async def test_a_page_file_that_cannot_be_read_is_a_500_with_the_security_headers(
    catalog: Catalog, storage: Storage, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreadable(*args: object) -> Response:
        raise PermissionError("app.js")

    monkeypatch.setattr(StaticFiles, "get_response", unreadable)
    before = metric("roadmap_bot_webapp_requests_total", endpoint="page", status="500")
    transport = httpx.ASGITransport(app=served_app(catalog, storage, clock), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as broken:
        response = await broken.get("/app/app.js")
    assert response.status_code == 500
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert metric("roadmap_bot_webapp_requests_total", endpoint="page", status="500") == before + 1


async def test_a_websocket_knocking_is_closed_not_crashed(catalog: Catalog, storage: Storage, clock: Clock) -> None:
    """The page speaks plain HTTP; a WebSocket upgrade to any of its paths is closed politely."""
    app = served_app(catalog, storage, clock)
    sent: list[tuple[str, str]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    for path in ("/app/api/roadmaps", "/app/"):
        scope = {"type": "websocket", "path": path, "raw_path": path.encode(), "query_string": b"", "headers": []}
        scope |= {"scheme": "ws", "root_path": "", "subprotocols": [], "asgi": {"version": "3.0"}}

        async def send(message: dict[str, Any], path: str = path) -> None:
            sent.append((path, message["type"]))

        await app(scope, receive, send)
    assert sent == [("/app/api/roadmaps", "websocket.close"), ("/app/", "websocket.close")]
