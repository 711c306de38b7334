"""A fleet serving one catalog: two `roadmap-bot run` instances on one PostgreSQL database, each with
a folder of its own; `roadmap-bot roadmaps publish DIR` makes both serve the published catalog
within a minute (their /healthz says its version), and `--withdraw` sends them back to their folders."""

from __future__ import annotations

import json
import signal
import time
from contextlib import ExitStack
from pathlib import Path

from roadmaps import inspect_folders
from tests.conftest import POSTGRES_URL, require_postgres
from tests.databases import ProcessDatabase, schema_for_processes
from tests.fakebotapi import FakeBotAPI, FakeBotAPIServer
from tests.process import roadmap_bot
from tests.running import HttpChat, free_ports, get, running_bot

PAGE = "https://bot.example.org/app/"
CHAT = 4242
MINUTE = 60.0


def write_roadmap(folder: Path, roadmap_id: str, title: str) -> Path:
    """A one-step roadmap in a folder of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{roadmap_id}.yaml").write_text(
        f"id: {roadmap_id}\ntitle: {title}\nsummary: One community's own.\n"
        "signals: {importance: high, market_demand: high, automation_risk: low}\nsteps:\n"
        f"  - id: start\n    title: Start {title}\n    summary: The first step.\n"
        "    signals: {importance: high, market_demand: low, automation_risk: medium}\n",
        encoding="utf-8",
    )
    return folder


def version_on(port: int) -> str:
    """The catalog version an instance's /healthz reports."""
    status, body = get(port, "/healthz")
    assert status == 200, body
    return str(json.loads(body)["catalog"])


def wait_for_versions(ports: list[int], version: str) -> float:
    """Wait (at most a minute) until every instance reports `version`; the seconds it took."""
    started = time.monotonic()
    while any(version_on(port) != version for port in ports):
        assert time.monotonic() - started < MINUTE, f"not every instance serves {version} within a minute"
        time.sleep(0.2)
    return time.monotonic() - started


def test_two_instances_with_different_folders_serve_the_published_catalog_within_a_minute(tmp_path: Path) -> None:
    require_postgres()
    alpha = write_roadmap(tmp_path / "alpha", "alpha-track", "Alpha track")
    beta = write_roadmap(tmp_path / "beta", "beta-track", "Beta track")
    gamma = write_roadmap(tmp_path / "gamma", "gamma-track", "Gamma track")
    ports = free_ports(2)
    apis = [FakeBotAPI(), FakeBotAPI()]
    with schema_for_processes(POSTGRES_URL, "fleet") as url, ExitStack() as stack:
        database = ProcessDatabase("postgresql", url, tmp_path)
        bots = []
        for api, port, folder, name in zip(apis, ports, (alpha, beta), ("one", "two"), strict=True):
            server = stack.enter_context(FakeBotAPIServer(api))
            settings = {"ROADMAPS_DIR": str(folder), "WEBAPP_URL": PAGE, "PORT": str(port)}
            bots.append(stack.enter_context(running_bot(server, database, tmp_path / f"{name}.log", "polling", port,
                                                        **settings)))  # fmt: skip
        own = [inspect_folders([alpha]).catalog.version, inspect_folders([beta]).catalog.version]
        assert [version_on(port) for port in ports] == own and own[0] != own[1]

        published = roadmap_bot("roadmaps", "publish", str(gamma), cwd=tmp_path, DATABASE_URL=url)
        assert published.returncode == 0, published.stderr
        version = inspect_folders([gamma]).catalog.version
        assert f"catalog version {version}, 6 roadmaps; every instance on this database serves it within" in (
            published.stdout
        )
        took = wait_for_versions(ports, version)
        for api in apis:
            roadmaps = HttpChat(api, CHAT).send("/roadmaps").button_texts
            assert "Gamma track · 1 step" in roadmaps
            assert not any("Alpha" in text or "Beta" in text for text in roadmaps)

        bots[0].send_signal(signal.SIGHUP)  # the folder does not win over a publication
        log = tmp_path / "one.log"
        deadline = time.monotonic() + MINUTE
        while "a published catalog is served" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.05)
        assert version_on(ports[0]) == version

        withdrawn = roadmap_bot("roadmaps", "publish", "--withdraw", cwd=tmp_path, DATABASE_URL=url)
        assert withdrawn.returncode == 0 and "withdrawn" in withdrawn.stdout, withdrawn.stderr
        for port, folder_version in zip(ports, own, strict=True):
            wait_for_versions([port], folder_version)
        assert "Alpha track · 1 step" in HttpChat(apis[0], CHAT).send("/roadmaps").button_texts
    print(f"both instances served the published catalog {took:.1f} s after `roadmaps publish`")
    for bot in bots:
        assert bot.returncode == 0


def test_publish_refuses_an_invalid_folder_and_publishes_nothing(tmp_path: Path) -> None:
    (tmp_path / "roadmaps").mkdir()
    (tmp_path / "roadmaps" / "broken.yaml").write_text("id: broken\n", encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    result = roadmap_bot("roadmaps", "publish", str(tmp_path / "roadmaps"), cwd=tmp_path, DATABASE_URL=url)
    assert result.returncode == 1
    assert "broken.yaml: title: is missing" in result.stderr and "nothing was published" in result.stderr
    assert not (tmp_path / "bot.sqlite3").exists()
    neither = roadmap_bot("roadmaps", "publish", cwd=tmp_path, DATABASE_URL=url)
    assert neither.returncode == 2 and "give a folder to publish, or --withdraw" in neither.stderr
