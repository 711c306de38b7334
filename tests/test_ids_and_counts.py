"""Ids that belong somewhere else, and counts that must not round up: a tap naming a step of another
roadmap, an import naming steps or a roadmap this bot does not have, a mark on a renamed step, 199
steps of 200. Each test reads the rows back from the database, not what a call returned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.application import RoadmapBot
from roadmaps import BUILTIN_DIR, Catalog, load_catalog
from storage import Storage
from storage.tables import chat_roadmaps, step_states
from tests.fakebotapi import FakeBotAPI
from tests.support import SEED, SEED_ID, VALID_STEP, AppFactory, CardChat, ChatSession, answers, every_row

STEP_GONE = "That step is no longer in this roadmap. Here is the roadmap as it is now."
# A step of the DevOps roadmap that teaches the same topic (git) as the seed's first step: the
# likeliest id to be mixed up with one of the seed's.
OTHER_ROADMAP, OTHER_STEP = "devops-platform-engineer", "git-workflows"
# Every button about one step: mark done, skip, undo, working on it, done and next, open, more,
# count a topic done elsewhere, remove a note.
STEP_BUTTONS = ["d", "k", "u", "w", "a", "s", "o", "t", "e"]


@pytest.fixture
def chat(app: RoadmapBot, api: FakeBotAPI) -> ChatSession:
    """The chat of these tests reads what an import says (the first reminder's question follows it)."""
    return CardChat(app, api, chat_id=1001)


def export_file(*roadmaps: dict[str, Any]) -> bytes:
    """An export file of these roadmaps, valid in every field."""
    return json.dumps({"format": "roadmap-bot/progress", "version": 1, "roadmaps": list(roadmaps)}).encode()


def saved(roadmap_id: str, title: str, *done: str) -> dict[str, Any]:
    """One roadmap of an export file, as /export writes it, with these steps done."""
    steps = [{"id": step, "title": step, "state": "done", "changed_at": "2026-11-02T00:00:00+00:00"} for step in done]
    times = {"started_at": "2026-11-01T00:00:00+00:00", "last_used_at": "2026-11-03T00:00:00+00:00"}
    return {"id": roadmap_id, "title": title, **times, "steps": steps}


async def marks_in_database(storage: Storage, chat_id: int) -> set[tuple[str, str, str]]:
    """(roadmap, step id, state) of every mark stored for a chat, read from the table."""
    query = select(step_states.c.roadmap_id, step_states.c.step_id, step_states.c.state)
    async with storage.engine.connect() as connection:
        return {tuple(row) for row in await connection.execute(query.where(step_states.c.chat_id == chat_id))}


async def roadmaps_in_database(storage: Storage, chat_id: int) -> set[str]:
    """The roadmaps a chat has a row for, read from the table."""
    query = select(chat_roadmaps.c.roadmap_id).where(chat_roadmaps.c.chat_id == chat_id)
    async with storage.engine.connect() as connection:
        return set((await connection.execute(query)).scalars())


async def send_file(chat: ChatSession, data: bytes) -> None:
    await chat.process(chat.api.document_update(chat.chat_id, "roadmap-progress.json", data))


# --- a tap names a roadmap and a step: the step must be that roadmap's --------------------------


@pytest.mark.parametrize("button", STEP_BUTTONS)
async def test_a_tap_naming_a_step_of_another_roadmap_is_refused_and_writes_nothing(
    chat: ChatSession, storage: Storage, button: str
) -> None:
    await chat.send(f"/start {SEED_ID}")
    await chat.tap("1. A typed language + git")
    await chat.send("/note read the git book")
    await chat.send(f"/start {SEED_ID}")
    view = chat.last.message_id
    before = await every_row(storage)

    calls = await chat.press(f"{button}:{SEED_ID}:{OTHER_STEP}", view)
    assert answers(calls) == [STEP_GONE]
    assert chat.last.text.startswith(f"🗺 {SEED}\n") and "0% · 0 of 10 steps done" in chat.last.text, (
        "the seed's own view"
    )
    assert await every_row(storage) == before, "no mark, note, card or roadmap written"
    assert await marks_in_database(storage, chat.chat_id) == set()
    assert await roadmaps_in_database(storage, chat.chat_id) == {SEED_ID}, "only the note's roadmap"


async def test_the_same_step_under_its_own_roadmap_is_marked(chat: ChatSession, storage: Storage) -> None:
    """The other half of the rule: the id refused above is a real step, taken under its roadmap."""
    await chat.send(f"/start {OTHER_ROADMAP}")
    calls = await chat.press(f"d:{OTHER_ROADMAP}:{OTHER_STEP}", chat.last.message_id)
    assert answers(calls) == ["✅ Marked done"]
    assert await marks_in_database(storage, chat.chat_id) == {(OTHER_ROADMAP, OTHER_STEP, "done")}


# --- an import keeps only what this bot has ------------------------------------------------------


async def test_an_import_leaves_out_steps_the_roadmap_does_not_have_and_does_not_count_them(
    chat: ChatSession, storage: Storage
) -> None:
    data = export_file(saved(SEED_ID, SEED, "typed-language-and-git", OTHER_STEP))
    await send_file(chat, data)
    text = chat.last.text
    assert text.startswith("📥 Imported.\n• Backend Engineer (AI era): 1 of 10 steps done"), text
    assert "2 of 10" not in text
    assert "Left out: 1 step these roadmaps no longer have." in text
    assert await marks_in_database(storage, chat.chat_id) == {(SEED_ID, "typed-language-and-git", "done")}
    await chat.send("/progress")
    assert "10% · 1 of 10 steps done" in chat.last.text


async def test_an_import_of_an_unknown_roadmap_alone_is_refused_for_that_reason(
    chat: ChatSession, storage: Storage
) -> None:
    data = export_file(saved("retired-roadmap", "Retired roadmap", "typed-language-and-git"))
    await send_file(chat, data)
    assert chat.last.text == "That file has no roadmap I know. Nothing was changed."
    assert set((await every_row(storage))["step_states"]) == set()
    assert await roadmaps_in_database(storage, chat.chat_id) == set()


async def test_an_import_leaves_out_an_unknown_roadmap_by_name_and_takes_the_known_one(
    chat: ChatSession, storage: Storage
) -> None:
    data = export_file(
        saved("retired-roadmap", "Retired roadmap", "typed-language-and-git", "http-rest-apis"),
        saved(SEED_ID, SEED, "observability"),
    )
    await send_file(chat, data)
    text = chat.last.text
    assert text.startswith("📥 Imported.\n• Backend Engineer (AI era): 1 of 10 steps done\n"), text
    assert "Left out, as I no longer have them: Retired roadmap." in text
    assert await marks_in_database(storage, chat.chat_id) == {(SEED_ID, "observability", "done")}
    assert await roadmaps_in_database(storage, chat.chat_id) == {SEED_ID}


# --- a percent is rounded down: 100% means every step --------------------------------------------


def long_roadmap(directory: Path, steps: int) -> Catalog:
    """A catalog of one roadmap, `long`, with this many steps named s1, s2, …"""
    signals = "signals: {importance: high, market_demand: high, automation_risk: low}\n"
    header = "id: long\ntitle: Long\nsummary: Many steps.\n" + signals
    body = "".join(
        VALID_STEP.replace("id: first", f"id: s{n}").replace("title: First", f"title: S{n}")
        for n in range(1, steps + 1)
    )
    (directory / "long.yaml").write_text(header + "steps:\n" + body, encoding="utf-8")
    return load_catalog(directory)


async def test_199_of_200_steps_done_is_99_percent_not_100(
    make_app: AppFactory, api: FakeBotAPI, storage: Storage, tmp_path: Path
) -> None:
    chat = CardChat(await make_app(long_roadmap(tmp_path, 200)), api, 7)
    await send_file(chat, export_file(saved("long", "Long", *(f"s{n}" for n in range(1, 200)))))
    assert chat.last.text.startswith("📥 Imported.\n• Long: 199 of 200 steps done"), chat.last.text
    assert len(await marks_in_database(storage, 7)) == 199
    await chat.send("/progress")
    assert "99% · 199 of 200 steps done" in chat.last.text, chat.last.text
    await chat.send("/start long")
    assert "99% · 199 of 200 steps done" in chat.last.text
    assert "100%" not in chat.last.text and "🎉" not in chat.last.text


# --- a renamed step's mark is stored under its current id ----------------------------------------


async def test_a_mark_on_a_renamed_step_is_stored_under_its_current_id(
    make_app: AppFactory, api: FakeBotAPI, catalog: Catalog, storage: Storage, tmp_path: Path
) -> None:
    chat = CardChat(await make_app(catalog), api, 7)
    await chat.send(f"/start {SEED_ID}")
    await chat.tap("1. A typed language + git")
    await chat.tap("🟡 Working on it")
    assert await marks_in_database(storage, 7) == {(SEED_ID, "typed-language-and-git", "working")}

    # The next version renames the step and keeps the old id as a former one.
    text = (BUILTIN_DIR / f"{SEED_ID}.yaml").read_text(encoding="utf-8")
    renamed = text.replace("id: typed-language-and-git", "id: typed-language\n    formerly: [typed-language-and-git]")
    renamed = renamed.replace("id: http-rest-apis", "id: http-apis\n    formerly: [http-rest-apis]")  # never marked
    (tmp_path / f"{SEED_ID}.yaml").write_text(renamed, encoding="utf-8")
    chat = CardChat(await make_app(load_catalog(tmp_path)), api, 7)
    await chat.send(f"/start {SEED_ID}")
    await chat.tap("1. A typed language + git")
    calls = await chat.tap("✅ Mark done")
    assert answers(calls) == ["✅ Marked done"]
    assert await marks_in_database(storage, 7) == {(SEED_ID, "typed-language", "done")}, "one row, the current id"

    # A later version drops the former id: the mark, stored under the current one, still counts.
    plain = text.replace("id: typed-language-and-git", "id: typed-language")
    (tmp_path / f"{SEED_ID}.yaml").write_text(plain, encoding="utf-8")
    chat = CardChat(await make_app(load_catalog(tmp_path)), api, 7)
    await chat.send("/progress")
    assert "10% · 1 of 10 steps done" in chat.last.text, chat.last.text
