"""A roadmap removed from the catalog (a file deleted, then a reload): its progress and notes stay
(the export carries them, and it comes back with the file), reminders and the catalog skip it, an
open card or page says it is no longer offered, /progress says so once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from progress import StepState
from roadmaps import inspect_folders
from storage import Storage
from tests.fakebotapi import FakeBotAPI
from tests.miniapp import USER, authorization, client_for, init_data, served_app
from tests.support import AppFactory, CardChat, Clock, answers

VALID = """\
  - id: basics
    title: Basics
    summary: The first step.
    signals: {importance: high, market_demand: low, automation_risk: medium}
  - id: web
    title: Web
    summary: The second step.
    signals: {importance: high, market_demand: low, automation_risk: medium}
"""


def folder_with_extra(tmp_path: Path) -> Path:
    folder = tmp_path / "ours"
    folder.mkdir()
    (folder / "community-python.yaml").write_text(
        "id: community-python\ntitle: Community Python\nsummary: Ours.\n"
        "signals: {importance: high, market_demand: high, automation_risk: low}\nsteps:\n" + VALID,
        encoding="utf-8",
    )
    return folder


async def test_a_removed_roadmap_keeps_its_progress_and_notes_is_skipped_and_said_once(
    make_app: AppFactory, api: FakeBotAPI, storage: Storage, clock: Clock, tmp_path: Path
) -> None:
    with_it = inspect_folders([folder_with_extra(tmp_path)]).catalog
    app = await make_app(with_it)
    chat = CardChat(app, api, chat_id=1001)
    await chat.send("/start community-python")
    await chat.tap("1. Basics")
    await chat.tap("✅ Mark done")
    card = chat.last
    await chat.send("/note Use the REPL daily")

    app.services.live.swap(inspect_folders([]).catalog)  # the file deleted, then a reload
    calls = await chat.tap("Step 2 ▶", card.message_id)
    assert answers(calls) == ["That roadmap is no longer available. Here are the ones I have."]
    await chat.send("/roadmaps")
    assert not any("Community Python" in text for text in chat.last.button_texts), "the catalog skips it"

    await chat.send("/progress")
    told = chat.last.text
    assert told.startswith(
        "📦 No longer offered here: community-python. Your progress on it is kept (/export has it) "
        "and comes back if the roadmap returns."
    ), told
    await chat.send("/progress")
    assert "No longer offered" not in chat.last.text, "said once"

    documents = len(api.documents)
    await chat.send("/export")
    markdown, exported = api.documents[documents:]
    text = markdown.content.decode()
    assert "## community-python\n\nNo longer offered; your progress on it is kept.\n\n- [x] basics (done " in text
    assert "  > Use the REPL daily" in text
    [entry] = [r for r in json.loads(exported.content)["roadmaps"] if r["id"] == "community-python"]
    assert entry["offered"] is False
    [basics] = entry["steps"]
    assert (basics["id"], basics["state"], basics["note"]) == ("basics", "done", "Use the REPL daily")

    sent = len(api.calls_of("sendMessage", chat.chat_id))
    report = await app.nudges.run_pass(clock.now + dt.timedelta(days=8))
    assert str(report) == "1 with nothing to nudge"
    assert len(api.calls_of("sendMessage", chat.chat_id)) == sent, "no nudge toward a roadmap no longer offered"

    app.services.live.swap(with_it)  # the file is back
    await chat.send("/progress")
    assert "Community Python" in chat.last.text and "50% · 1 of 2 steps done" in chat.last.text
    rows = await storage.progress.progress_of_chat(chat.chat_id, with_notes=True)
    assert [(p.roadmap_id, sorted(p.marks), sorted(p.notes)) for p in rows] == [
        ("community-python", ["basics"], ["basics"])
    ]


async def test_the_page_says_a_removed_roadmap_is_no_longer_offered_to_whoever_has_progress_on_it(
    storage: Storage, clock: Clock, tmp_path: Path
) -> None:
    with_it = inspect_folders([folder_with_extra(tmp_path)]).catalog
    roadmap = with_it.get("community-python")
    assert roadmap is not None
    await storage.progress.set_step_state(USER["id"], roadmap.id, roadmap.steps[0], StepState.DONE, clock())
    without = inspect_folders([]).catalog
    async with client_for(served_app(without, storage, clock)) as client:
        auth = authorization(init_data(signed_at=clock() - dt.timedelta(minutes=1)))
        answer = await client.get("/app/api/roadmaps/community-python", headers=auth)
        assert (answer.status_code, answer.json()["error"]) == (
            404,
            "this roadmap is no longer offered; your progress on it is kept",
        )
        answer = await client.get("/app/api/roadmaps/never-was", headers=auth)
        assert (answer.status_code, answer.json()["error"]) == (404, "there is no such roadmap")
