"""Done-when checks a learner ticks: ☐/☑ under More, stored per chat by the check's id, counted on
the card, and all ticked says it is time to mark the step done; ids in the roadmap files that the
loader requires, and translations and renames that follow them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.application import RoadmapBot
from progress import StepState
from roadmaps import Catalog, load_catalog
from roadmaps.loader import check_roadmaps
from storage import Storage, tables
from tests.fakebotapi import FakeBotAPI
from tests.support import (
    SEED_ID,
    VALID_STEP,
    AppFactory,
    CardChat,
    ChatSession,
    Clock,
    answers,
    export_files,
    open_seed_step,
)

HTTP_CHECKS = ("say-methods", "built-endpoint", "written-openapi")


@pytest.fixture
def chat(app: RoadmapBot, api: FakeBotAPI) -> ChatSession:
    """The chat of these tests reads its cards (the first reminder's question waits below them)."""
    return CardChat(app, api, chat_id=1001)


async def ticks_of(storage: Storage, chat_id: int) -> set[tuple[str, str, str]]:
    """The chat's ticked checks, read back: (roadmap, step, check)."""
    ticks = tables.check_ticks
    query = select(ticks.c.roadmap_id, ticks.c.step_id, ticks.c.check_id).where(ticks.c.chat_id == chat_id)
    async with storage.engine.connect() as connection:
        return {tuple(row) for row in await connection.execute(query)}  # type: ignore[misc]


async def test_a_learner_ticks_checks_under_more_and_the_card_counts_them(chat: ChatSession, storage: Storage) -> None:
    step = load_catalog().get(SEED_ID).step("http-rest-apis")  # type: ignore[union-attr]
    assert step is not None and tuple(check.id for check in step.done_when) == HTTP_CHECKS
    await open_seed_step(chat, "1. A typed language")
    await chat.tap("✅ Done · next ▶")
    card = chat.last.message_id
    await chat.tap("🛠 More ▾")
    assert chat.last.button_texts[:3] == ["☐ 1", "☐ 2", "☐ 3"]
    assert f"☐ 1. {step.done_when[0].text}" in chat.last.text

    calls = await chat.tap("☐ 2")
    assert answers(calls) == ["☑ Ticked"]
    assert chat.last.message_id == card and chat.last.button_texts[:3] == ["☐ 1", "☑ 2", "☐ 3"]
    assert f"☑ 2. {step.done_when[1].text}" in chat.last.text, "the card stays at More"
    assert await ticks_of(storage, chat.chat_id) == {(SEED_ID, "http-rest-apis", "built-endpoint")}
    await chat.tap("Less ▴")
    assert "State: ⬜ Not yet · ☑️ 1 of 3 checks" in chat.last.text
    await chat.tap("🗺 Back to roadmap")
    assert "⬜ 2. HTTP & REST APIs · ☑️ 1/3" in chat.last.button_texts
    await chat.send("/progress")
    assert "Next: HTTP & REST APIs · ☑️ 1 of 3 checks" in chat.last.text
    await chat.send("/next")

    await chat.tap("🛠 More ▾")
    await chat.tap("☐ 1")
    calls = await chat.tap("☐ 3")
    assert answers(calls) == ["☑ Every check ticked: the step looks done!"]
    assert "✅ Every check is ticked: time to tap ✅ Mark done?" in chat.last.text
    assert "✅ Mark done" in chat.last.button_texts
    calls = await chat.tap("☑ 1")
    assert answers(calls) == ["☐ Unticked"] and "Every check is ticked" not in chat.last.text
    assert await ticks_of(storage, chat.chat_id) == {
        (SEED_ID, "http-rest-apis", "built-endpoint"),
        (SEED_ID, "http-rest-apis", "written-openapi"),
    }
    await chat.tap("☐ 1")
    await chat.tap("✅ Mark done")
    assert "checks" not in chat.last.text, "a step done is past its checks"


async def test_ticks_follow_a_check_renamed_with_formerly(
    make_app: AppFactory, api: FakeBotAPI, storage: Storage, tmp_path: Path
) -> None:
    text = (Path("roadmaps") / f"{SEED_ID}.yaml").read_text(encoding="utf-8")
    (tmp_path / f"{SEED_ID}.yaml").write_text(text, encoding="utf-8")
    chat = ChatSession(await make_app(load_catalog(tmp_path)), api, 7)
    await open_seed_step(chat, "2. HTTP")
    await chat.tap("🛠 More ▾")
    await chat.tap("☐ 2")
    renamed = text.replace(
        "      - id: built-endpoint\n", "      - id: paginated-endpoint\n        formerly: [built-endpoint]\n"
    )
    assert renamed != text
    (tmp_path / f"{SEED_ID}.yaml").write_text(renamed, encoding="utf-8")
    chat = ChatSession(await make_app(load_catalog(tmp_path)), api, 7)
    await open_seed_step(chat, "2. HTTP")
    assert "☑️ 1 of 3 checks" in chat.last.text
    await chat.tap("🛠 More ▾")
    await chat.tap("☑ 2")
    assert await ticks_of(storage, 7) == set(), "unticked under its former id too"


def test_the_loader_requires_check_ids_and_a_translation_follows_them(tmp_path: Path) -> None:
    signals = "signals: {importance: high, market_demand: high, automation_risk: low}\n"
    header = f"id: demo\ntitle: Demo\nsummary: A roadmap.\n{signals}steps:\n"
    checks = "    done_when:\n      - {id: one, text: First.}\n      - {id: two, text: Second.}\n"
    (tmp_path / "demo.yaml").write_text(header + VALID_STEP + checks, encoding="utf-8")
    translation = "id: demo\nsteps:\n  first:\n    done_when:\n      two: Segundo.\n"
    (tmp_path / "demo.es.yaml").write_text(translation, encoding="utf-8")
    assert check_roadmaps(tmp_path) == []
    step = load_catalog(tmp_path).in_language("es").get("demo").steps[0]  # type: ignore[union-attr]
    assert [(check.id, check.text) for check in step.done_when] == [("one", "First."), ("two", "Segundo.")]

    (tmp_path / "demo.es.yaml").write_text(translation.replace("two:", "three:"), encoding="utf-8")
    assert [(p.field, p.message) for p in check_roadmaps(tmp_path)] == [
        ("steps.first.done_when.three", "the step has no check 'three' (one, two)")
    ]
    (tmp_path / "demo.es.yaml").unlink()
    (tmp_path / "demo.yaml").write_text(header + VALID_STEP + checks.replace("{id: one, ", "{"), encoding="utf-8")
    assert [(p.field, p.message) for p in check_roadmaps(tmp_path)] == [
        ("steps[0] (first).done_when[0].id", "is missing")
    ]


async def test_ticks_export_and_import_by_check_id(chat: ChatSession, storage: Storage, clock: Clock) -> None:
    await open_seed_step(chat, "2. HTTP")
    await chat.tap("🟡 Working on it")
    await chat.tap("🛠 More ▾")
    await chat.tap("☐ 1")
    await chat.tap("☐ 3")
    _, data = await export_files(chat)
    [step] = [s for s in json.loads(data)["roadmaps"][0]["steps"] if s["id"] == "http-rest-apis"]
    assert step["checks"] == ["say-methods", "written-openapi"]

    await chat.send("/forget")
    await chat.tap("🧹 Yes, forget it all")
    assert await ticks_of(storage, chat.chat_id) == set()
    clock.advance(days=1)
    await chat.process(chat.api.document_update(chat.chat_id, "roadmap-progress.json", data))
    assert "📥 Imported." in chat.last.text
    assert await ticks_of(storage, chat.chat_id) == {
        (SEED_ID, "http-rest-apis", "say-methods"),
        (SEED_ID, "http-rest-apis", "written-openapi"),
    }

    step["checks"] = "say-methods"
    document = json.loads(data)
    document["roadmaps"] = [document["roadmaps"][0] | {"steps": [step]}]
    await chat.process(chat.api.document_update(chat.chat_id, "bad.json", json.dumps(document).encode()))
    assert "roadmaps[0].steps[0].checks: not a list of the step's check ids" in chat.last.text


# --- done elsewhere, shown and counted in one tap -----------------------------------------------


async def test_steps_done_in_another_roadmap_show_with_a_link_and_count_all_in_one_tap(
    chat: ChatSession, storage: Storage, clock: Clock
) -> None:
    devops = "devops-platform-engineer"
    await chat.send(f"/start {devops}")
    for step_id in ("git-workflows", "containers", "logs-and-traces"):  # git is no topic the seed shares
        await chat.press(f"d:{devops}:{step_id}", chat.last.message_id)
    done_there = clock()
    clock.advance(days=2)
    await chat.send(f"/start {SEED_ID}")
    await chat.press(f"s:{SEED_ID}:observability", chat.last.message_id)
    await chat.tap("🟡 Working on it")
    await chat.send("/progress")
    assert "🔗 Done in another roadmap, not counted here yet: 7. Observability, 8. Containers & deployment" in (
        chat.last.text
    )

    await chat.send(f"/start {SEED_ID}")
    assert "🔗 8. Containers & deployment" in chat.last.button_texts, "not started here: 🔗"
    assert "🟡 7. Observability" in chat.last.button_texts, "in progress here: its own state"
    calls = await chat.tap("✅ Count all 2 here")
    assert answers(calls) == ["✅ 2 steps counted here, each on the day it was done"]
    assert "20% · 2 of 10 steps done" in chat.last.text
    assert not [label for label in chat.last.button_texts if "Count all" in label]
    states = tables.step_states
    query = select(states.c.step_id, states.c.state, states.c.changed_at).where(states.c.roadmap_id == SEED_ID)
    async with storage.engine.connect() as connection:
        rows = {(s, state, at.replace(tzinfo=None)) for s, state, at in await connection.execute(query)}
    moment = done_there.replace(tzinfo=None)
    assert rows == {("observability", "done", moment), ("containers-and-deployment", "done", moment)}


async def test_a_group_that_became_a_supergroup_keeps_the_checks_ticked_under_either_id(
    storage: Storage, catalog: Catalog, clock: Clock
) -> None:
    group, supergroup = -5006, -1_000_000_005_006
    seed = catalog.get(SEED_ID)
    assert seed is not None
    http = seed.steps[1]
    await storage.progress.set_step_state(group, SEED_ID, http, StepState.WORKING, clock())
    await storage.progress.toggle_check(group, SEED_ID, http, http.done_when[0], clock())
    await storage.progress.set_step_state(supergroup, SEED_ID, seed.steps[0], StepState.DONE, clock())
    await storage.progress.toggle_check(supergroup, SEED_ID, http, http.done_when[2], clock())

    assert await storage.chats.move_chat(group, supergroup) is True
    assert await ticks_of(storage, supergroup) == {
        (SEED_ID, http.id, http.done_when[0].id),
        (SEED_ID, http.id, http.done_when[2].id),
    }
    assert await ticks_of(storage, group) == set()
