"""Fifty taps at once on one chat, through the running Application with concurrent updates on:
the chat's updates run one at a time in the order they came (their answers come in that order),
so the database and the card end as that order says, while another chat's taps run beside them."""

from __future__ import annotations

import asyncio
import random

from telegram import Update

from bot.application import RoadmapBot, updates_at_once
from handlers.step_views import STATE_BUTTONS
from handlers.toast_views import state_changed
from progress import OPEN_STATES, StepState
from roadmaps import Catalog
from storage import Storage
from tests.fakebotapi import FakeBotAPI
from tests.support import ChatSession

STATE_CHANGED = {state: state_changed(state) for state in StepState}  # the toasts, in English

SEED = "backend-engineer-ai-era"
TAPS = 50
LETTERS = {"d": StepState.DONE, "k": StepState.SKIPPED, "u": StepState.TODO, "w": StepState.WORKING}


async def test_fifty_taps_at_once_end_as_their_order_says_on_the_card_and_in_the_database(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    catalog: Catalog,
) -> None:
    roadmap = catalog.get(SEED)
    assert roadmap is not None
    chats = [ChatSession(app, api, chat_id) for chat_id in (5, 6)]
    views = {}
    for chat in chats:
        await chat.send(f"/start {SEED}")
        views[chat.chat_id] = chat.last.message_id
    rng = random.Random(50)
    taps = {chat.chat_id: [(rng.choice(roadmap.steps[:4]), rng.choice("dkuw")) for _ in range(TAPS)] for chat in chats}
    updates = [
        api.callback_update(chat_id, f"{letter}:{SEED}:{step.id}", message_id=views[chat_id])
        for i in range(TAPS)
        for chat_id in taps
        for step, letter in [taps[chat_id][i]]
    ]

    application = app.application
    await application.start()  # the update processor takes the queue: many updates at once
    try:
        for update in updates:
            await application.update_queue.put(Update.de_json(update, application.bot))
        await asyncio.to_thread(api.wait_for, lambda: len(api.calls_of("answerCallbackQuery")) == 2 * TAPS, 60)
    finally:
        await application.stop()  # waits for the updates in flight

    assert len(api.calls_of("answerCallbackQuery")) == 2 * TAPS
    chat_of = {u["callback_query"]["id"]: u["callback_query"]["message"]["chat"]["id"] for u in updates}
    for chat_id, chat_taps in taps.items():  # answered one after another, in the order tapped
        said = [
            c.params["text"]
            for c in api.calls_of("answerCallbackQuery")
            if chat_of[str(c.params["callback_query_id"])] == chat_id
        ]
        assert said == [STATE_CHANGED[LETTERS[letter]] for _, letter in chat_taps]
    for chat_id, chat_taps in taps.items():
        progress = await storage.progress.progress_of(chat_id, SEED)
        for step in roadmap.steps[:4]:
            last = [LETTERS[letter] for tapped, letter in chat_taps if tapped is step]
            assert progress.state_of(step) is (last[-1] if last else StepState.TODO), step.id
        # The card shows the last tapped step, its buttons those of its state in the database.
        final_step, _ = chat_taps[-1]
        card = api.messages[chat_id, views[chat_id]]
        assert final_step.title in card.text
        state_row = card.buttons[1] if progress.state_of(final_step) in OPEN_STATES else card.buttons[0]
        assert state_row == [
            {"text": label, "callback_data": f"{letter}:{SEED}:{final_step.id}"}
            for label, target in STATE_BUTTONS[progress.state_of(final_step)]
            for letter in [next(k for k, v in {**LETTERS, "ud": None}.items() if v is target)]  # ud: Undo
        ]
        assert f"{progress.done_count(roadmap)} of {len(roadmap.steps)} steps done" in card.text


async def test_the_updates_handled_at_once_are_as_many_as_the_database_calls_for(
    app: RoadmapBot, storage: Storage
) -> None:
    """PostgreSQL, in another process, gets more updates at once than SQLite, in this one: while a
    batch is at PostgreSQL the others keep this process busy (bot/application.py)."""
    dialect = storage.database.dialect
    assert app.application.update_processor.max_concurrent_updates == updates_at_once(dialect)
    assert updates_at_once(dialect) == {"postgresql": 128, "sqlite": 64}[dialect]
