"""Taps when things go wrong: quick taps, failed answers, stale ids, other chats' buttons,
messages that cannot be edited, and Telegram or the database failing."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from telegram import Update

from bot.application import RoadmapBot
from handlers.error_views import not_saved
from progress import StepState
from storage import Storage
from storage.tables import chat_roadmaps, chats, step_states
from tests.fakebotapi import FakeBotAPI
from tests.support import SEED, ChatSession, answers, find_button, open_seed_step


async def row_counts(storage: Storage) -> tuple[int, int, int]:
    async with storage.engine.connect() as connection:
        counts = [
            (await connection.execute(select(func.count()).select_from(table))).scalar_one()
            for table in (chats, chat_roadmaps, step_states)
        ]
    return counts[0], counts[1], counts[2]


async def test_two_quick_taps_on_one_card_leave_it_agreeing_with_the_database(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    chat = ChatSession(app, api, 31)
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    done, skip = (find_button(chat.last, label)["callback_data"] for label in ("✅ Mark done", "⏭ Skip"))
    api.delay("editMessageText", 0.05)  # the first tap's edit is slow on the network

    async def tap(data: str) -> None:
        application = app.application
        update = Update.de_json(api.callback_update(31, data, message_id=card), application.bot)
        await application.update_processor.process_update(update, application.process_update(update))

    await asyncio.gather(tap(done), tap(skip))
    progress = await storage.progress.progress_of(31, "backend-engineer-ai-era")
    assert set(progress.marks) == {"typed-language-and-git"}
    stored = progress.marks["typed-language-and-git"].state
    assert stored is StepState.SKIPPED, "taps of one chat are handled in the order they came"
    assert "State: ⏭ Skipped" in chat.message(card).text  # the first reminder's question came below it


async def test_a_failed_answer_does_not_leave_an_edit_behind_to_land_after_the_next_tap(
    chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    api.fail("answerCallbackQuery", "Forbidden: bot was blocked by the user", error_code=403)
    api.delay("editMessageText", 0.3)
    tapped = await chat.tap("✅ Mark done")  # the answer fails at once; the edit takes a while
    [failed] = [c for c in tapped if c.method == "answerCallbackQuery"]
    [done] = [c for c in tapped if c.method == "editMessageText"]
    assert not failed.ok and done.ok, "the slow edit landed before the tap's handling ended"
    undone = await chat.press("u:backend-engineer-ai-era:typed-language-and-git", card)
    [undo] = [c for c in undone if c.method == "editMessageText"]
    assert api.begun.count("editMessageText") == len(api.calls_of("editMessageText")), "no edit is left running"
    assert api.calls_of("editMessageText")[-2:] == [done, undo], "the edits landed in the order of the taps"
    assert (await storage.progress.progress_of(chat.chat_id, "backend-engineer-ai-era")).marks == {}
    assert "✅ Mark done" in api.messages[chat.chat_id, card].button_texts, "the card agrees with the database"
    api.open_queries.clear()  # the first tap's answer failed: Telegram stops that spinner itself


async def test_a_failed_edit_still_waits_for_the_tap_s_answer_before_the_tap_is_done(
    chat: ChatSession, api: FakeBotAPI
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    api.fail("editMessageText", "Forbidden: bot was blocked by the user", error_code=403)
    api.delay("answerCallbackQuery", 0.3)
    tapped = await chat.tap("✅ Mark done")  # the edit fails at once; the answer takes a while
    [answered] = [c for c in tapped if c.method == "answerCallbackQuery"]
    [failed] = [c for c in tapped if c.method == "editMessageText"]
    assert answered.ok and not failed.ok, "the slow answer landed before the tap's handling ended"
    assert api.begun.count("answerCallbackQuery") == len(api.calls_of("answerCallbackQuery")), "none left running"


async def test_a_button_for_a_roadmap_or_step_that_does_not_exist_shows_the_current_view(
    chat: ChatSession, storage: Storage
) -> None:
    await chat.send("/start")
    calls = await chat.press("d:no-such-roadmap:first")
    assert answers(calls) == ["That roadmap is no longer available. Here are the ones I have."]
    assert "📚 Roadmaps" in chat.last.text
    calls = await chat.press("d:backend-engineer-ai-era:no-such-step")
    assert answers(calls) == ["That step is no longer in this roadmap. Here is the roadmap as it is now."]
    assert "0% · 0 of 10 steps done" in chat.last.text
    assert await row_counts(storage) == (0, 0, 0), "nothing was written for a button that names nothing"


async def test_a_button_only_ever_changes_the_chat_it_is_pressed_in(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    alice, bob = ChatSession(app, api, 1), ChatSession(app, api, 2)
    await open_seed_step(alice, "1. A typed language + git")
    await bob.send("/start")
    done_button = next(b for row in alice.last.buttons for b in row if b["text"] == "✅ Mark done")
    await bob.press(done_button["callback_data"])  # Bob replays Alice's button in his chat
    assert (await storage.progress.progress_of(1, "backend-engineer-ai-era")).marks == {}
    assert set((await storage.progress.progress_of(2, "backend-engineer-ai-era")).marks) == {"typed-language-and-git"}


async def test_pressing_a_button_that_shows_what_is_already_there_is_not_an_error(
    chat: ChatSession, api: FakeBotAPI
) -> None:
    await chat.send("/start backend-engineer-ai-era")
    await chat.press("r:backend-engineer-ai-era:0")
    calls = await chat.press("r:backend-engineer-ai-era:0")
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert not edit.ok  # Telegram answered "message is not modified": swallowed, query still answered
    assert answers(calls) == [None]


async def test_a_message_that_can_no_longer_be_edited_gets_a_fresh_one(chat: ChatSession, api: FakeBotAPI) -> None:
    await chat.send("/start")
    api.fail("editMessageText", "Bad Request: message can't be edited")
    await chat.tap(SEED)
    assert len(chat.sent()) == 2
    assert "0% · 0 of 10 steps done" in chat.last.text


@pytest.mark.logs_errors
async def test_a_database_failure_is_answered_and_the_bot_keeps_going(
    chat: ChatSession, storage: Storage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await open_seed_step(chat, "1. A typed language + git")

    async def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE step_states", {}, Exception("disk I/O error"))

    with monkeypatch.context() as patch:
        patch.setattr(storage.progress, "set_step_state", broken)
        calls = await chat.tap("✅ Mark done")
    assert answers(calls) == [not_saved()]
    assert [r for r in caplog.records if r.levelno == logging.ERROR and "OperationalError in" in r.getMessage()]

    calls = await chat.tap("✅ Mark done")
    assert answers(calls) == ["✅ Marked done"]


@pytest.mark.logs_errors
async def test_a_telegram_error_while_replying_is_logged_and_the_next_update_works(
    chat: ChatSession, api: FakeBotAPI
) -> None:
    api.fail("sendMessage", "Forbidden: bot was blocked by the user", error_code=403)
    calls = await chat.send("/start")
    assert not chat.api.messages
    assert [c.method for c in calls] == ["sendMessage"], "no apology to a chat that blocked the bot"
    await chat.send("/start")
    assert "Welcome" in chat.last.text
