"""The chat's data at its edges, as probing found them: an export of a roadmap with nothing but a
note, an import naming one roadmap many times or a time in the future, and the longest answers an
import can get, through the real Application on both databases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from bot.application import RoadmapBot
from roadmaps import load_catalog
from storage import Storage
from tests.fakebotapi import MAX_TEXT, FakeBotAPI
from tests.support import (
    SEED,
    SEED_ID,
    VALID_STEP,
    AppFactory,
    CardChat,
    ChatSession,
    Clock,
    every_row,
    export_files,
    open_seed_step,
)

NOTHING_CHANGED = "Nothing was changed."


def export_file(*roadmaps: dict[str, Any]) -> bytes:
    """An export file of these roadmaps."""
    return json.dumps({"format": "roadmap-bot/progress", "version": 1, "roadmaps": list(roadmaps)}).encode()


def saved(
    roadmap_id: str, *done: str, at: str = "2026-11-02T00:00:00+00:00", last_used: str | None = None
) -> dict[str, Any]:
    """One roadmap of an export file, with these steps done at `at`."""
    steps = [{"id": step, "state": "done", "changed_at": at} for step in done]
    times = {"started_at": "2026-11-01T00:00:00+00:00", "last_used_at": last_used or "2026-11-03T00:00:00+00:00"}
    return {"id": roadmap_id, "title": roadmap_id, **times, "steps": steps}


async def send_file(chat: ChatSession, data: bytes) -> None:
    await chat.process(chat.api.document_update(chat.chat_id, "roadmap-progress.json", data))


async def test_a_roadmap_with_only_a_note_exports_and_comes_back(chat: ChatSession, storage: Storage) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.send("Go tour first", reply_to=chat.last)  # a note; nothing marked
    markdown, data = await export_files(chat)
    assert f"## {SEED}" in markdown and "  > Go tour first" in markdown, markdown
    assert "- [ ] 1. A typed language + git" in markdown
    assert not [m for m in chat.sent() if "Sorry" in m.text], "no apology"
    [roadmap] = json.loads(data)["roadmaps"]
    assert (roadmap["id"], roadmap["started_at"]) == (SEED_ID, None), "a note does not start a roadmap"
    assert next((s["id"], s["state"], s.get("note")) for s in roadmap["steps"]) == (
        "typed-language-and-git",
        "todo",
        "Go tour first",
    )

    await chat.send("/forget")
    await chat.tap("🧹 Yes, forget it all")
    await send_file(chat, data)
    assert chat.last.text.startswith("📥 Imported."), chat.last.text
    [progress] = await storage.progress.progress_of_chat(chat.chat_id, with_notes=True)
    assert {step: note.text for step, note in progress.notes.items()} == {"typed-language-and-git": "Go tour first"}
    assert progress.marks == {}


async def test_an_import_naming_a_roadmap_twice_is_refused_and_changes_nothing(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    before = await every_row(storage)
    await send_file(chat, export_file(*[saved(SEED_ID, "http-rest-apis") for _ in range(90)]))
    assert chat.last.text == (
        f"I can't import that file: roadmaps[1]: '{SEED_ID}' is in the file twice. {NOTHING_CHANGED}"
    )
    assert await every_row(storage) == before
    assert await storage.chat_data.held_import(chat.chat_id) is None


async def test_an_import_with_a_time_in_the_future_is_refused_and_one_within_the_skew_is_not(
    chat: ChatSession, storage: Storage, clock: Clock
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    before = await every_row(storage)
    for future in (saved(SEED_ID, "http-rest-apis", at="2099-01-01T00:00:00+00:00"),
                   saved(SEED_ID, "http-rest-apis", last_used="2099-01-01T00:00:00+00:00")):  # fmt: skip
        await send_file(chat, export_file(future))
        assert "'2099-01-01T00:00:00+00:00' is in the future" in chat.last.text, chat.last.text
        assert chat.last.text.startswith("I can't import that file: roadmaps[0].")
        assert chat.last.text.endswith(NOTHING_CHANGED)
        assert await every_row(storage) == before

    ahead = (clock() + dt.timedelta(minutes=5)).isoformat()  # the exporter's clock runs fast
    await send_file(chat, export_file(saved(SEED_ID, "typed-language-and-git", "http-rest-apis", at=ahead)))
    assert chat.last.text.startswith("📥 This file has:"), "asked first: it replaces the chat's progress"
    await chat.tap("✅ Replace my progress")
    assert chat.last.text.startswith("📥 Imported.")
    marks = (await storage.progress.progress_of(chat.chat_id, SEED_ID)).marks
    assert sorted(marks) == ["http-rest-apis", "typed-language-and-git"]


def many_roadmaps(directory: Path, count: int) -> None:
    """`count` roadmaps of one step each, their titles as long as a title may be (120 characters,
    ampersands that HTML writes as five)."""
    for n in range(count):
        title = f"R{n:03d} " + "& " * 57 + "x"
        assert len(title) == 120
        signals = "signals: {importance: high, market_demand: high, automation_risk: low}\n"
        text = f'id: roadmap-{n:03d}\ntitle: "{title}"\nsummary: Long titles.\n{signals}steps:\n{VALID_STEP}'
        (directory / f"roadmap-{n:03d}.yaml").write_text(text, encoding="utf-8")


async def test_the_longest_answers_an_import_gets_stay_within_telegram_s_limit(
    make_app: AppFactory, api: FakeBotAPI, storage: Storage, tmp_path: Path
) -> None:
    many_roadmaps(tmp_path, 100)
    chat = CardChat(await make_app(load_catalog(tmp_path)), api, 7)
    everything = export_file(*[saved(f"roadmap-{n:03d}", "first") for n in range(97)],
                             *[saved(f"gone-{n}-" + "x" * 50) for n in range(3)])  # fmt: skip
    await send_file(chat, everything)  # nothing to replace: imported at once
    first = chat.last.text
    await send_file(chat, everything)  # now it would replace all 97: asked first
    question = chat.last.text
    await chat.tap("✅ Replace my progress")
    imported = chat.last.text
    for answer in (first, question, imported):
        assert len(answer) <= MAX_TEXT, len(answer)  # the fake Bot API refuses longer ones, as Telegram does
    assert first.startswith("📥 Imported.\n• R000 & & &") and "• and 87 more roadmaps" in first
    assert question.startswith("📥 This file has:") and "and 87 more. Go ahead?" in question
    assert "Left out, as I no longer have them:" in imported and "and 87 more roadmaps" in imported
    assert len(await storage.progress.progress_of_chat(chat.chat_id)) == 97


@pytest.fixture
def chat(app: RoadmapBot, api: FakeBotAPI) -> ChatSession:
    """The chat of these tests reads what an import says (a chat's first progress brings the first
    reminder's question after it)."""
    return CardChat(app, api, chat_id=1001)
