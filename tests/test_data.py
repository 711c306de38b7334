"""A chat's own data: /export, import, /reset and /forget, through the real Application."""

from __future__ import annotations

import json

import pytest

from bot.application import RoadmapBot
from storage import Storage
from tests.fakebotapi import FakeBotAPI
from tests.support import (
    SEED,
    SEED_ID,
    CardChat,
    ChatSession,
    Clock,
    answers,
    every_row,
    export_files,
    find_button,
    open_seed_step,
    rows_about,
    some_progress,
)


async def test_export_sends_a_checklist_and_json(chat: ChatSession, clock: Clock) -> None:
    await chat.send("/export")
    assert chat.last.text.startswith("Nothing to export yet")
    await some_progress(chat, clock)
    markdown, data = await export_files(chat)
    assert "## Backend Engineer (AI era)" in markdown and "## Frontend Engineer" in markdown
    assert "- [x] 1. A typed language + git (done 27 Nov 2026)\n  > Go tour, then <generics> & errors" in markdown
    assert "- [~] 2. HTTP & REST APIs (in progress since 27 Nov 2026)" in markdown
    assert "- [-] 3. Relational databases & SQL (skipped 27 Nov 2026)" in markdown
    assert "- [ ] 4. Auth & security" in markdown
    document = json.loads(data)
    assert (document["format"], document["version"]) == ("roadmap-bot/progress", 1)
    seed = next(r for r in document["roadmaps"] if r["id"] == SEED_ID)
    assert [s["state"] for s in seed["steps"][:4]] == ["done", "working", "skipped", "todo"]
    assert seed["steps"][0]["note"] == "Go tour, then <generics> & errors"


async def test_export_forget_import_gives_back_exactly_the_same_progress_and_notes(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    await some_progress(chat, clock)
    before = await storage.progress.progress_of_chat(chat.chat_id, with_notes=True)
    _, data = await export_files(chat)

    await chat.send("/forget")
    assert "Forget everything about this chat?" in chat.last.text
    calls = await chat.tap("🧹 Yes, forget it all")
    assert answers(calls) == ["🧹 Forgotten"]
    assert set((await rows_about(storage, chat.chat_id)).values()) == {0}, "no row about the chat, in any table"
    await chat.send("/progress")
    assert "You have not started a roadmap yet" in chat.last.text

    clock.advance(days=3)
    await chat.process(chat.api.document_update(chat.chat_id, "roadmap-progress.json", data))
    assert (
        "📥 Imported.\n• Frontend Engineer: 0 of 12 steps done\n• Backend Engineer (AI era): 1 of 10 steps done, 1 note"
        in chat.last.text
    )
    after = await storage.progress.progress_of_chat(chat.chat_id, with_notes=True)
    assert after == before
    assert [p.notes for p in after] == [p.notes for p in before]
    assert await storage.reminders.reminder_of(chat.chat_id) is not None, (
        "reminders are back on, as for a chat starting"
    )


async def test_an_import_over_existing_progress_asks_first(chat: ChatSession, clock: Clock, storage: Storage) -> None:
    await some_progress(chat, clock)
    _, data = await export_files(chat)
    await chat.send("/reset")
    await chat.tap(f"↩️ {SEED}")
    await chat.tap("↩️ Yes, reset it")
    await open_seed_step(chat, "5. Testing & CI")
    await chat.tap("✅ Mark done")
    current = await storage.progress.progress_of(chat.chat_id, SEED_ID)

    await chat.process(chat.api.document_update(chat.chat_id, "progress.json", data))
    assert chat.last.text.startswith("📥 This file has:\n• Frontend Engineer: 0 of 12 steps done\n")
    assert "Importing replaces what you have now on Frontend Engineer, Backend Engineer (AI era)" in chat.last.text
    assert await storage.progress.progress_of(chat.chat_id, SEED_ID) == current, "nothing overwritten yet"
    calls = await chat.tap("✖️ Cancel")
    assert answers(calls) == ["Cancelled"] and chat.last.text == "Nothing was changed."
    assert await storage.progress.progress_of(chat.chat_id, SEED_ID) == current

    await chat.process(chat.api.document_update(chat.chat_id, "progress.json", data))
    replace = find_button(chat.last, "✅ Replace my progress")["callback_data"]
    calls = await chat.tap("✅ Replace my progress")
    assert answers(calls) == ["📥 Imported"]
    imported = await storage.progress.progress_of(chat.chat_id, SEED_ID)
    assert set(imported.marks) == {"typed-language-and-git", "http-rest-apis", "relational-databases-sql"}
    calls = await chat.press(replace)  # the same button again, from an older message
    assert answers(calls) == ["Nothing to import"] and "no longer waiting" in chat.last.text


async def test_files_that_are_not_an_export_get_a_clear_answer_and_change_nothing(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    await some_progress(chat, clock)
    before = await rows_about(storage, chat.chat_id)
    cases = [
        ("notes.txt", b"hello", "send me the .json file that /export made"),
        ("a.json", b"{not json", "I can't import that file: it is not JSON"),
        ("a.json", b'{"format": "other-app"}', "it is not a progress export from this bot"),
        ("a.json", b'{"format": "roadmap-bot/progress", "version": 9}', "it has version 9; this bot reads version 1"),
        (
            "a.json",
            json.dumps(
                {
                    "format": "roadmap-bot/progress",
                    "version": 1,
                    "roadmaps": [
                        {
                            "id": SEED_ID,
                            "started_at": "2026-11-01T00:00:00",
                            "steps": [{"id": "observability", "state": "finished"}],
                        }
                    ],
                }
            ).encode(),
            "roadmaps[0].steps[0].state: unknown state 'finished'",
        ),
        (
            "a.json",
            b'{"format": "roadmap-bot/progress", "version": 1, "roadmaps": '
            b'[{"id": "gone", "started_at": "2026-11-01T00:00:00+00:00", "steps": []}]}',
            "no roadmap I know",
        ),
    ]
    for filename, content, words in cases:
        await chat.process(chat.api.document_update(chat.chat_id, filename, content))
        assert words in chat.last.text, chat.last.text
        assert chat.last.text.endswith("Nothing was changed.") or filename.endswith(".txt")
    assert await rows_about(storage, chat.chat_id) == before


async def test_reset_starts_one_roadmap_over_and_leaves_the_others(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    await chat.send("/reset")
    assert "nothing to reset" in chat.last.text
    await some_progress(chat, clock)
    await chat.send("/reset")
    assert chat.last.button_texts == ["↩️ Frontend Engineer", f"↩️ {SEED}", "✖️ Cancel"]
    await chat.tap(f"↩️ {SEED}")
    assert "Start Backend Engineer (AI era) over?" in chat.last.text
    calls = await chat.tap("↩️ Yes, reset it")
    assert answers(calls) == ["↩️ Reset"]
    assert (await rows_about(storage, chat.chat_id))["step_states"] == 1, "Frontend's step in progress stays"
    assert (await rows_about(storage, chat.chat_id))["step_notes"] == 0
    assert [p.roadmap_id for p in await storage.progress.progress_of_chat(chat.chat_id)] == ["frontend-engineer"]
    await chat.send("/start backend-engineer-ai-era")
    assert "0% · 0 of 10 steps done" in chat.last.text


async def test_forget_leaves_other_chats_alone(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock
) -> None:
    mine, theirs = ChatSession(app, api, 501), ChatSession(app, api, 502)
    await some_progress(mine, clock)
    await some_progress(theirs, clock)
    await mine.send("/forget")
    await mine.tap("✖️ Cancel")
    assert mine.last.text == "Nothing was changed." and mine.last.button_texts == ["📚 All roadmaps"]
    assert (await rows_about(storage, 501))["step_states"] == 4
    await mine.send("/forget")
    await mine.tap("🧹 Yes, forget it all")
    assert set((await rows_about(storage, 501)).values()) == {0}
    assert (await rows_about(storage, 502))["step_states"] == 4 and (await rows_about(storage, 502))["reminders"] == 1


async def test_an_import_puts_back_when_each_roadmap_was_started_and_last_used(
    chat: ChatSession, storage: Storage
) -> None:
    data = {
        "format": "roadmap-bot/progress",
        "version": 1,
        "roadmaps": [
            {
                "id": SEED_ID,
                "started_at": "2026-10-01T08:00:00+00:00",
                "last_used_at": "2026-10-20T08:00:00+00:00",
                "steps": [{"id": "observability", "state": "done", "changed_at": "2026-10-05T08:00:00+00:00"}],
            }
        ],
    }
    await chat.process(chat.api.document_update(chat.chat_id, "progress.json", json.dumps(data).encode()))
    assert chat.last.text.startswith("📥 Imported.")
    started = await storage.chat_data.started_at(chat.chat_id)
    assert {k: (a.isoformat(), b.isoformat()) for k, (a, b) in started.items()} == {
        SEED_ID: ("2026-10-01T08:00:00+00:00", "2026-10-20T08:00:00+00:00")
    }
    await chat.send("/progress")
    assert SEED in chat.last.text and "10% · 1 of 10 steps done" in chat.last.text, "started, so listed"
    markdown, _ = await export_files(chat)
    assert "10% · 1 of 10 steps done · started 1 Oct 2026" in markdown


async def test_a_reset_question_about_a_roadmap_never_started_says_there_was_nothing_to_reset(
    chat: ChatSession, storage: Storage
) -> None:
    await chat.send("/start")
    await chat.press("q:frontend-engineer", chat.last.message_id)  # a question about a roadmap never started
    assert "Start Frontend Engineer over?" in chat.last.text
    calls = await chat.tap("↩️ Yes, reset it")
    assert answers(calls) == ["Nothing to reset"]
    rows = await rows_about(storage, chat.chat_id)
    assert rows.pop("chat_days") == 1, "the chat was there today, and that is all"
    assert set(rows.values()) == {0}


async def test_cancelling_an_older_import_question_keeps_the_newer_file_waiting(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    await some_progress(chat, clock)
    _, data = await export_files(chat)
    await chat.process(chat.api.document_update(chat.chat_id, "a.json", data))
    older = chat.last.message_id
    newer_file = data.replace(b'"version": 1', b'"version": 1, "copy": 2', 1)  # another file, as valid
    await chat.process(chat.api.document_update(chat.chat_id, "b.json", newer_file))
    newer = chat.last.message_id
    calls = await chat.tap("✖️ Cancel", message_id=older)
    assert answers(calls) == ["Cancelled"]
    assert len((await every_row(storage))["pending_imports"]) == 1, "the newer file still waits"
    calls = await chat.tap("✅ Replace my progress", message_id=newer)
    assert answers(calls) == ["📥 Imported"]
    assert (await every_row(storage))["pending_imports"] == []


async def test_a_forget_question_is_out_of_date_after_a_new_note_or_a_file_waiting(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    await some_progress(chat, clock)
    _, data = await export_files(chat)
    for change in ("a note", "a file"):
        await chat.send("/forget")
        question = chat.last.message_id
        if change == "a note":
            await open_seed_step(chat, "1. A typed language + git")
            await chat.send("/note a second thought")
        else:
            await chat.process(chat.api.document_update(chat.chat_id, "a.json", data))
        before = await every_row(storage)
        calls = await chat.tap("🧹 Yes, forget it all", message_id=question)
        assert answers(calls) == ["This question is out of date"], change
        assert await every_row(storage) == before, f"nothing forgotten after {change}"


@pytest.fixture
def chat(app: RoadmapBot, api: FakeBotAPI) -> ChatSession:
    """The chat of these tests reads what an import says (a chat's first progress brings the first
    reminder's question after it)."""
    return CardChat(app, api, chat_id=1001)
