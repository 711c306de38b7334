"""Buttons that do what they say: Undo puts back what the step was (with its day, kept in the
database), ⏭ Skip · next moves on, Revisit opens a skipped step other than the one in front of
you; and a walk through every screen finds no button that does nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.application import RoadmapBot
from handlers.actions import Noop
from handlers.callback_data import decode
from storage import Storage, tables
from tests.fakebotapi import FakeBotAPI
from tests.support import SEED, SEED_ID, CardChat, ChatSession, Clock, answers, every_row, open_seed_step

SEED_STEP_IDS = ("typed-language-and-git", "http-rest-apis", "relational-databases-sql")


@pytest.fixture
def chat(app: RoadmapBot, api: FakeBotAPI) -> ChatSession:
    """The chat of these tests reads its cards (the first reminder's question waits below them)."""
    return CardChat(app, api, chat_id=1001)


async def mark_rows(storage: Storage, chat_id: int) -> dict[str, tuple[str, dt.datetime]]:
    """The chat's stored marks on the seed roadmap, read back."""
    states = tables.step_states
    query = select(states.c.step_id, states.c.state, states.c.changed_at).where(
        states.c.chat_id == chat_id, states.c.roadmap_id == SEED_ID
    )
    async with storage.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return {step_id: (state, changed_at.replace(tzinfo=dt.UTC)) for step_id, state, changed_at in rows}


async def test_undo_puts_back_working_on_it_with_its_day(chat: ChatSession, storage: Storage, clock: Clock) -> None:
    await open_seed_step(chat, "2. HTTP")
    await chat.tap("🟡 Working on it")
    since = clock()
    clock.advance(days=3)
    await chat.tap("✅ Mark done")
    assert (await mark_rows(storage, chat.chat_id))["http-rest-apis"] == ("done", clock())

    calls = await chat.tap("↩️ Undo")
    assert answers(calls) == ["↩️ Undone: back to 🟡 Working on it"]
    assert f"State: 🟡 Working on it since {since:%-d %b %Y}" in chat.last.text
    assert (await mark_rows(storage, chat.chat_id))["http-rest-apis"] == ("working", since)
    assert "✅ Mark done" in chat.last.button_texts and "↩️ Undo" not in chat.last.button_texts


async def test_undo_skip_puts_back_done_with_its_day_and_undo_of_a_first_mark_clears_it(
    chat: ChatSession, storage: Storage, clock: Clock
) -> None:
    await open_seed_step(chat, "2. HTTP")
    await chat.tap("✅ Mark done")
    done_on = clock()
    clock.advance(days=2)
    await chat.press(f"k:{SEED_ID}:http-rest-apis", chat.last.message_id)
    calls = await chat.tap("↩️ Undo skip")
    assert answers(calls) == ["↩️ Undone: back to ✅ Done"]
    assert f"State: ✅ Done on {done_on:%-d %b %Y}" in chat.last.text
    assert await mark_rows(storage, chat.chat_id) == {"http-rest-apis": ("done", done_on)}

    await chat.tap("Step 3 ▶")
    await chat.tap("✅ Mark done")
    calls = await chat.tap("↩️ Undo")
    assert answers(calls) == ["↩️ Undone"]
    assert "State: ⬜ Not yet" in chat.last.text
    assert await mark_rows(storage, chat.chat_id) == {"http-rest-apis": ("done", done_on)}


async def test_an_old_undo_button_on_a_step_not_marked_changes_nothing(chat: ChatSession, storage: Storage) -> None:
    await open_seed_step(chat, "2. HTTP")
    card = chat.last.message_id
    await chat.tap("✅ Mark done")
    await chat.tap("↩️ Undo")
    calls = await chat.press(f"ud:{SEED_ID}:http-rest-apis", card)
    assert answers(calls) == ["↩️ Undone"] and "State: ⬜ Not yet" in chat.last.text
    assert await mark_rows(storage, chat.chat_id) == {}


async def test_skip_and_next_skips_and_opens_the_next_step(chat: ChatSession, storage: Storage, clock: Clock) -> None:
    await open_seed_step(chat, "2. HTTP")
    card = chat.last.message_id
    assert chat.last.button_texts[:2] == ["✅ Done · next ▶", "⏭ Skip · next ▶"]
    calls = await chat.tap("⏭ Skip · next ▶")
    assert answers(calls) == ["⏭ Step 2 skipped. To undo: ◀ back to it, then ↩️ Undo skip."]
    assert chat.last.message_id == card and "Step 3 of 10" in chat.last.text
    assert await mark_rows(storage, chat.chat_id) == {"http-rest-apis": ("skipped", clock())}


async def test_revisit_opens_a_skipped_step_other_than_the_card_it_is_on(chat: ChatSession) -> None:
    await chat.send(f"/start {SEED_ID}")
    steps = [f"s:{SEED_ID}:{step_id}" for step_id in SEED_STEP_IDS]
    await chat.press(steps[0], chat.last.message_id)
    for _ in range(10):
        await chat.tap("✅ Done · next ▶")
    assert "🎉 You completed" in chat.last.text
    await chat.press(f"k:{SEED_ID}:http-rest-apis", chat.last.message_id)
    assert "Every step is done or skipped: 9 of 10 done · 1 skipped." in chat.last.text
    assert not [label for label in chat.last.button_texts if "Revisit" in label], "not to the card it is on"

    await chat.press(f"k:{SEED_ID}:relational-databases-sql", chat.last.message_id)
    await chat.tap("⏭ Revisit the 1 skipped")
    assert "Step 2 of 10" in chat.last.text, "the other skipped step"
    await chat.tap("🗺 Back to roadmap")
    await chat.tap("⏭ Revisit the 2 skipped")
    assert "Step 2 of 10" in chat.last.text, "the first skipped step"


# --- every button on every screen of a walk does something ---------------------------------------


async def test_every_button_of_a_walk_does_something(chat: ChatSession, storage: Storage, clock: Clock) -> None:
    """From /start through the catalog, the seed roadmap's pages and cards in every state, /progress:
    each callback button, tapped on a fresh copy of its screen, changes the screen, answers with a
    toast, or changes rows."""
    screens = {"/start": None, "/roadmaps": None, "/progress": None, "/remind": None}
    seen: set[str] = set()
    tapped = 0
    queue: list[tuple[str, str]] = [(command, "") for command in screens]
    await open_seed_step(chat, "1. A typed language")
    await chat.tap("🟡 Working on it")
    await chat.tap("Step 2 ▶")
    await chat.tap("✅ Mark done")
    await chat.tap("Step 3 ▶")
    await chat.tap("⏭ Skip")
    queue += [("/next", "")]
    while queue:
        command, path = queue.pop(0)
        await chat.send(command)
        for data in path.split() if path else []:
            await chat.press(data, chat.last.message_id)
        screen = chat.last
        for data in [b["callback_data"] for row in screen.buttons for b in row if "callback_data" in b]:
            assert not isinstance(decode(data), Noop), ("a button that only labels", command, path, screen.button_texts)
            if data in seen or decode(data) is None:
                continue
            seen.add(data)
            await chat.send(command)  # a fresh copy of the screen, then the same path to it
            for step in path.split() if path else []:
                await chat.press(step, chat.last.message_id)
            before, rows = chat.last, await every_row(storage)
            if data not in [b.get("callback_data") for row in before.buttons for b in row]:
                seen.discard(data)  # the marks moved on since: this screen is another now; try it elsewhere
                continue
            shown = (before.text, before.button_texts)  # the message changes in place when edited
            calls = await chat.press(data, before.message_id)
            tapped += 1
            after = chat.last
            changed_screen = (after.text, after.button_texts) != shown
            sent_more = any(c.method in ("sendMessage", "sendPhoto", "sendDocument") for c in calls)
            toast = any(answers(calls))
            changed_rows = await every_row(storage) != rows
            assert changed_screen or sent_more or toast or changed_rows, (command, path, data, shown[1])
            if changed_screen and len(path.split()) < 3 and SEED in after.text + " ".join(after.button_texts):
                queue.append((command, f"{path} {data}".strip()))
    assert tapped >= 40, tapped
