"""Webhook mode's ASGI app, in process: the secret is checked, updates are handled, health is told."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from bot.application import RoadmapBot
from bot.web import HEALTH_TIMEOUT, Health, metrics_app, webhook_path
from roadmaps import Catalog
from storage import Storage, create_engine
from tests.fakebotapi import FakeBotAPI
from tests.support import WEBHOOK_SECRET as SECRET
from tests.support import WEBHOOK_URL as URL
from tests.support import AppFactory, webhook_client
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


async def test_health_and_metrics(client: httpx.AsyncClient, app: RoadmapBot) -> None:
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
    assert "roadmap_bot_handler_seconds_bucket" in metrics.text


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
