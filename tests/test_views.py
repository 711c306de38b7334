"""Views at the edges: content at every validated limit fits Telegram, and content is escaped."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.application import RoadmapBot
from handlers.catalog_views import render_catalog, render_progress
from handlers.roadmap_views import render_roadmap
from handlers.step_views import CardOptions, render_step
from progress import Mark, Note, Progress, StepState
from roadmaps import MAX_ID_PAIR_BYTES, Catalog, Level, Resource, Roadmap, Signals, Step, load_catalog
from roadmaps.limits import MAX_RESOURCES, MAX_STEPS, MAX_SUMMARY, MAX_TITLE, MAX_URL
from tests.fakebotapi import MAX_CALLBACK_DATA, FakeBotAPI, html_to_text
from tests.support import AppFactory, ChatSession

SIGNALS = Signals(Level.HIGH, Level.MEDIUM, Level.LOW)
NASTY = "<b>&amp; \"quotes\" & <script>alert(1)</script> 'n' </i>"


def biggest_roadmap(number: int = 0) -> Roadmap:
    """A roadmap with every field at the loader's limit, in characters that escaping lengthens."""
    roadmap_id = f"r{number}-" + "x" * (MAX_ID_PAIR_BYTES // 2 - 3)
    steps = tuple(
        Step(
            f"s{n}-" + "y" * (MAX_ID_PAIR_BYTES - len(roadmap_id) - len(f"s{n}-")),
            "&" * MAX_TITLE,
            "<" * MAX_SUMMARY,
            SIGNALS,
            resources=tuple(
                Resource(">" * MAX_TITLE, "https://e.org/?" + "&" * (MAX_URL - 15)) for _ in range(MAX_RESOURCES)
            ),
            section="&" * MAX_TITLE,
        )
        for n in range(MAX_STEPS)
    )
    return Roadmap(roadmap_id, "&" * MAX_TITLE, "<" * MAX_SUMMARY, SIGNALS, steps)


def test_every_screen_fits_telegram_at_the_content_limits() -> None:
    roadmap = biggest_roadmap()
    done = Progress(
        roadmap.id, {s.id: Mark(StepState.DONE, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) for s in roadmap.steps}
    )
    catalog = Catalog(tuple(biggest_roadmap(n) for n in range(12)))
    noted = Progress(roadmap.id, done.marks, notes={roadmap.steps[-1].id: Note("<&>" * 333, dt.datetime.now(dt.UTC))})
    screens = [
        render_step(roadmap, roadmap.steps[-1], done, CardOptions(celebrate=True)),
        render_step(roadmap, roadmap.steps[-1], noted, CardOptions(celebrate=True)),
        render_roadmap(roadmap, done, page=24),
        render_catalog(catalog, [], note="x" * 200),
        render_progress(catalog, [Progress(r.id, {}) for r in catalog], dt.datetime.now(dt.UTC)),
    ]
    for screen in screens:
        assert len(html_to_text(screen.text)) <= 4096
        buttons = [b for row in (screen.keyboard.inline_keyboard if screen.keyboard else ()) for b in row]
        assert len(buttons) <= 100
        assert all(len(b.callback_data.encode()) <= MAX_CALLBACK_DATA for b in buttons)


@pytest.fixture
def nasty_catalog(tmp_path: Path) -> Catalog:
    Q = json.dumps(NASTY)
    (tmp_path / "nasty.yaml").write_text(
        f"""
id: nasty
title: {Q}
summary: {Q}
signals: {{importance: high, market_demand: high, automation_risk: low}}
steps:
  - id: one
    title: {Q}
    summary: {Q}
    section: {Q}
    signals: {{importance: low, market_demand: low, automation_risk: high}}
    resources:
      - {{title: {Q}, url: 'https://example.org/?a=1&b="2"<x>'}}
""",
        encoding="utf-8",
    )
    return load_catalog(tmp_path)


async def test_content_is_escaped_everywhere_it_is_shown(
    make_app: AppFactory, api: FakeBotAPI, nasty_catalog: Catalog
) -> None:
    chat = ChatSession(await make_app(nasty_catalog), api, 5)
    await chat.send("/roadmaps")  # the fake Bot API refuses HTML Telegram would refuse
    assert NASTY in chat.last.text
    await chat.tap("· 1 step")
    assert chat.last.text.count(NASTY) >= 2
    await chat.tap("1.")
    assert chat.last.text.count(NASTY) >= 3  # the heading, the title, the summary
    await chat.tap("🛠 More ▾")  # why, done when, practice and resources
    assert chat.last.text.count(NASTY) >= 4
    assert 'href="https://example.org/?a=1&amp;b=&quot;2&quot;&lt;x&gt;"' in chat.last.html
    await chat.tap("Less ▴")
    await chat.tap("✅ Mark done")
    await chat.send("/progress")
    assert NASTY in chat.last.text


async def test_every_message_is_html_without_link_previews_and_every_caption_is_html(
    app: RoadmapBot, api: FakeBotAPI
) -> None:
    """The bot has no python-telegram-bot Defaults: each call says it is HTML (handlers/replies.py).
    A screen sent, a tap's edit, a one-line reply, a picture's caption and a file's caption all do."""
    chat = ChatSession(app, api, 1001)
    await chat.send("/start backend-engineer-ai-era")
    await chat.tap("1.")
    await chat.tap("✅ Mark done")
    await chat.send("/help")
    await chat.send("/card")
    await chat.send("/export")
    await chat.send("/import")  # how to import: a reply of one line
    texts = [c.params for m in ("sendMessage", "editMessageText") for c in api.calls_of(m, 1001)]
    captions = [c.params for m in ("sendPhoto", "sendDocument") for c in api.calls_of(m, 1001)]
    assert len(texts) >= 4 and len(captions) == 3, (len(texts), len(captions))
    for params in texts:
        options = params.get("link_preview_options")
        assert params.get("parse_mode") == "HTML", params.get("text")
        assert (json.loads(options) if isinstance(options, str) else options) == {"is_disabled": True}
    assert [params.get("parse_mode") for params in captions] == ["HTML"] * 3
