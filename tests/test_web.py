"""Webhook mode's ASGI app, in process: the secret is checked, updates are handled, health is told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.application import RoadmapBot
from bot.web import webhook_path
from roadmaps import Catalog
from storage import Storage, create_engine
from tests.fakebotapi import FakeBotAPI
from tests.support import WEBHOOK_SECRET as SECRET
from tests.support import WEBHOOK_URL as URL
from tests.support import AppFactory, webhook_client


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


async def test_health_and_metrics(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "database": "ok"})
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert "roadmap_bot_handler_seconds_bucket" in metrics.text


async def test_health_is_503_when_the_database_is_unreachable(
    make_app: AppFactory, catalog: Catalog, tmp_path: Path
) -> None:
    unreachable = Storage(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'bot.sqlite3'}"))
    app = await make_app(catalog)
    async with webhook_client(app, unreachable) as client:
        before = (await client.get("/metrics")).text
        health = await client.get("/healthz")
        after = (await client.get("/metrics")).text
    await unreachable.close()
    assert (health.status_code, health.json()) == (503, {"status": "unavailable", "database": "unreachable"})
    assert _errors(after) == _errors(before) + 1


def _errors(metrics: str) -> float:
    line = next(line for line in metrics.splitlines() if line.startswith("roadmap_bot_database_errors_total "))
    return float(line.split()[1])
