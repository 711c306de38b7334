"""The page is the chat too: a person who answers each nudge by marking a step on the page (and
never writes in the chat) is heard from, so their reminders are not paused for silence."""

from __future__ import annotations

import datetime as dt

from bot.application import RoadmapBot
from progress import ReminderStatus
from roadmaps import Catalog
from storage import Storage
from tests.fakebotapi import FakeBotAPI
from tests.miniapp import USER, authorization, client_for, init_data, served_app
from tests.support import ChatSession, Clock, pass_at, reminder_of
from webapp import PageHooks

SEED_ID = "backend-engineer-ai-era"
FIRST_DUE = dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC)  # the first reminder's first suggestion
WEEK = dt.timedelta(days=7)
PAUSE_WARNING = "I'll pause these reminders after this one"
STEPS = ["http-rest-apis", "relational-databases-sql", "auth-and-security"]


def nudge_texts(api: FakeBotAPI, chat_id: int) -> list[str]:
    calls = api.calls_of("sendMessage", chat_id)
    return [c.params["text"] for c in calls if c.ok and c.params["text"].startswith("⏰ <b>Your next step")]


async def test_marks_on_the_page_after_each_nudge_keep_reminders_on(
    app: RoadmapBot, api: FakeBotAPI, catalog: Catalog, storage: Storage, clock: Clock
) -> None:
    chat = ChatSession(app, api, USER["id"])
    await chat.send(f"/start {SEED_ID}")
    await chat.tap("1. A typed language + git")
    await chat.tap("✅ Mark done")
    page = served_app(catalog, storage, clock, hooks=PageHooks(heard=app.services.presence.note))
    async with client_for(page) as client:
        for week, step in enumerate(STEPS):
            sent_before = len(nudge_texts(api, chat.chat_id))
            assert await pass_at(app, FIRST_DUE + week * WEEK) in ("1 sent", "1 sent, then paused")
            assert len(nudge_texts(api, chat.chat_id)) == sent_before + 1
            clock.now = FIRST_DUE + week * WEEK + dt.timedelta(hours=2)  # the person opens the page, marks a step
            headers = authorization(init_data(signed_at=clock()))
            url = f"/app/api/roadmaps/{SEED_ID}/steps/{step}/state"
            response = await client.put(url, json={"state": "done"}, headers=headers)
            assert response.status_code == 200, response.text
            await app.flush_presence()  # as the bot's job does every few seconds
    texts = nudge_texts(api, chat.chat_id)
    assert len(texts) == 3 and not any(PAUSE_WARNING in text for text in texts), texts[-1]
    reminder = await reminder_of(storage, chat.chat_id)
    assert reminder.status is ReminderStatus.ACTIVE and reminder.due_at == FIRST_DUE + 3 * WEEK


async def test_without_the_page_three_unanswered_nudges_still_pause(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    chat = ChatSession(app, api, USER["id"])
    await chat.send(f"/start {SEED_ID}")
    await chat.tap("1. A typed language + git")
    await chat.tap("✅ Mark done")
    for week in range(3):
        await pass_at(app, FIRST_DUE + week * WEEK)
    assert PAUSE_WARNING in nudge_texts(api, chat.chat_id)[-1], "the same walk, silent, is paused"
    assert (await reminder_of(storage, chat.chat_id)).status is ReminderStatus.IDLE
