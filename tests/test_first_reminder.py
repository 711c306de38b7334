"""The first reminder is the learner's choice: the first step marked brings one question (a weekday
evening, a weekend morning, pick a time, no reminders), the zone asked when the chat never told one;
until it is answered the reminder is on at the first suggestion; a zone told before is kept."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.application import RoadmapBot
from bot.runner import first_question, zone_seen
from progress import ReminderStatus
from progress.schedule import QUIET_FROM, QUIET_UNTIL, first_slot, quiet
from roadmaps import Catalog
from storage import Storage
from storage.tables import chats
from tests.fakebotapi import FakeBotAPI
from tests.miniapp import USER, authorization, client_for, init_data, served_app
from tests.support import ChatSession, Clock, answers, export_files, open_seed_step, pass_at, reminder_of
from webapp import PageHooks

FRIDAY_0930 = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)  # the clock fixture's start
QUESTION = "⏰ When should I nudge you toward your next step each week?"


def question_of(chat: ChatSession) -> str:
    """The question's text (the chat's newest message), its HTML dropped."""
    return chat.last.text


async def test_the_first_step_marked_asks_when_and_the_reminder_is_on_at_the_first_suggestion(
    app: RoadmapBot, chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    calls = await chat.tap("✅ Mark done")
    assert answers(calls) == ["✅ Marked done"]
    assert "nudge" not in chat.api.messages[(chat.chat_id, card)].text, "the card stays a card"
    assert chat.last.message_id != card
    assert question_of(chat) == (
        f"{QUESTION} Until you choose, every Friday at 19:00 (UTC), first on Fri 4 Dec, 19:00.\n\n"
        "🌍 Times are in UTC. Not your zone? Tap 🌍 below or send /timezone and your city."
    )
    assert chat.last.button_texts == [
        "• Fri 19:00",
        "Sat 10:00",
        "🕐 Pick a time…",
        "🔕 No reminders",
        "🌍 My time zone…",
    ]
    reminder = await reminder_of(storage, chat.chat_id)
    assert (reminder.status, reminder.weekdays, reminder.hour, reminder.timezone) == (
        ReminderStatus.ACTIVE,
        frozenset({4}),
        19,
        "UTC",
    )
    # Nobody who ignores the question loses the weekly nudge.
    assert await pass_at(app, dt.datetime(2026, 12, 4, 18, 59, tzinfo=dt.UTC)) == "nothing due"
    assert await pass_at(app, dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC)) == "1 sent"


async def test_the_weekend_morning_answers_the_question(chat: ChatSession, storage: Storage) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    question = chat.last.message_id
    calls = await chat.tap("Sat 10:00")
    assert answers(calls) == ["⏰ Now every Saturday at 10:00 (UTC)"]
    assert chat.api.messages[(chat.chat_id, question)].text == (
        "⏰ Done: I'll nudge you every Saturday at 10:00 (UTC), first on Sat 5 Dec, 10:00. /remind changes it."
    )
    assert chat.api.messages[(chat.chat_id, question)].button_texts == []
    reminder = await reminder_of(storage, chat.chat_id)
    assert (reminder.weekdays, reminder.hour) == (frozenset({5}), 10)
    assert reminder.due_at == dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)


async def test_no_reminders_pauses_them_and_pick_opens_the_reminders_screen(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.tap("🕐 Pick a time…")
    assert "Tap days to choose them" in chat.last.text and "• Fr" in chat.last.button_texts
    await chat.tap("07:00")  # a time picked explicitly is kept, quiet hours or not
    assert (await reminder_of(storage, chat.chat_id)).hour == 7
    await open_seed_step(chat, "2. HTTP & REST APIs")
    await chat.tap("✅ Mark done")
    assert QUESTION not in question_of(chat), "asked once, when the first roadmap starts"

    other = ChatSession(chat.app, chat.api, chat.chat_id + 1)
    await open_seed_step(other, "1. A typed language + git")
    await other.tap("✅ Mark done")
    calls = await other.tap("🔕 No reminders")
    assert answers(calls) == ["🔕 Reminders paused"]
    assert (await reminder_of(storage, other.chat_id)).status is ReminderStatus.PAUSED


async def test_a_zone_told_before_the_first_mark_is_kept_and_not_asked_again(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    clock.now = dt.datetime(2026, 11, 26, 22, 0, tzinfo=dt.UTC)  # Friday 01:00 in Moscow: quiet hours
    await chat.send("/timezone Москва")
    assert chat.last.text.startswith("🌍 Your time zone is now Europe/Moscow. When you mark your first step")
    async with storage.database.reading() as connection:
        told = (await connection.execute(select(chats.c.timezone).where(chats.c.id == chat.chat_id))).scalar()
    assert told == "Europe/Moscow"
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("🟡 Working on it")
    assert question_of(chat) == (
        f"{QUESTION} Until you choose, every Friday at 19:00 (Europe/Moscow), first on Fri 4 Dec, 19:00."
    ), "not 01:00, the hour of the mark, and no question about the zone"
    assert "🌍 My time zone…" not in chat.last.button_texts
    reminder = await reminder_of(storage, chat.chat_id)
    assert (reminder.timezone, reminder.hour) == ("Europe/Moscow", 19)
    assert reminder.due_at == dt.datetime(2026, 12, 4, 16, 0, tzinfo=dt.UTC)


async def test_the_zone_asked_in_the_same_flow_moves_the_suggestion_to_local_time(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.tap("🌍 My time zone…")
    assert "Pick an offset or a place below" in chat.last.text
    await chat.send("/timezone Bangalore")
    reminder = await reminder_of(storage, chat.chat_id)
    assert (reminder.timezone, reminder.hour, reminder.weekdays) == ("Asia/Kolkata", 19, frozenset({4}))
    assert "every Friday at 19:00 (Asia/Kolkata)" in chat.last.text
    # 19:00 in Bangalore is 13:30 UTC, hours after the first mark: the first nudge still comes a week on.
    assert reminder.due_at == dt.datetime(2026, 12, 4, 13, 30, tzinfo=dt.UTC)


async def test_in_a_group_anyone_answers_the_question_as_remind_is_answered(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    group = ChatSession(app, api, -4242, user_id=1)
    member = ChatSession(app, api, -4242, user_id=2)
    await open_seed_step(group, "1. A typed language + git")
    await group.tap("✅ Mark done")
    assert QUESTION in question_of(group)
    await member.tap("Sat 10:00")
    reminder = await reminder_of(storage, -4242)
    assert (reminder.weekdays, reminder.hour) == (frozenset({5}), 10)


def test_the_default_is_never_in_quiet_hours_whatever_the_hour_of_the_first_mark() -> None:
    for hour in range(24 * 7):
        started = FRIDAY_0930 + dt.timedelta(hours=hour)
        for zone in ("UTC", "Europe/Moscow", "America/Los_Angeles", "Asia/Kolkata"):
            _, default_hour, due = first_slot(started, zone)
            assert not quiet(default_hour)
            local = due.astimezone(ZoneInfo(zone))
            assert QUIET_UNTIL <= local.hour < QUIET_FROM
            assert dt.timedelta(days=6) <= due - started < dt.timedelta(days=10)


async def test_the_pages_browser_zone_starts_the_first_reminder_unless_the_chat_told_one(
    app: RoadmapBot, api: FakeBotAPI, catalog: Catalog, storage: Storage, clock: Clock
) -> None:
    page = served_app(catalog, storage, clock, hooks=PageHooks(zone_seen=zone_seen(storage)))
    url = "/app/api/roadmaps/backend-engineer-ai-era/steps/typed-language-and-git/state"
    async with client_for(page) as client:
        headers = {**authorization(init_data(signed_at=clock())), "X-Time-Zone": "Europe/Berlin"}
        response = await client.put(url, json={"state": "done"}, headers=headers)
        assert response.status_code == 200, response.text
        reminder = await reminder_of(storage, USER["id"])
        assert (reminder.timezone, reminder.weekdays, reminder.hour) == ("Europe/Berlin", frozenset({4}), 19)
        assert reminder.due_at == dt.datetime(2026, 12, 4, 18, 0, tzinfo=dt.UTC)

        told = ChatSession(app, api, USER["id"] + 1)
        await told.send("/timezone Tokyo")
        forged = {
            **authorization(init_data({**USER, "id": told.chat_id}, signed_at=clock())),
            "X-Time-Zone": "Mars/Base",
        }
        response = await client.put(url, json={"state": "done"}, headers=forged)
        assert response.status_code == 200, "a zone tzdata does not have is left out, the mark kept"
        headers = {
            **authorization(init_data({**USER, "id": told.chat_id}, signed_at=clock())),
            "X-Time-Zone": "Europe/Berlin",
        }
        await client.put(url, json={"state": "working"}, headers=headers)
    assert (await reminder_of(storage, told.chat_id)).timezone == "Asia/Tokyo", "a zone the chat told wins"


async def test_a_first_mark_on_the_page_asks_when_in_the_chat(
    app: RoadmapBot, api: FakeBotAPI, catalog: Catalog, storage: Storage, clock: Clock
) -> None:
    hooks = PageHooks(reminder_on=first_question(app.application.bot))
    page = served_app(catalog, storage, clock, hooks=hooks)
    url = "/app/api/roadmaps/backend-engineer-ai-era/steps/typed-language-and-git/state"

    def questions() -> list[str]:
        sent = api.calls_of("sendMessage", USER["id"])
        return [c.params["text"] for c in sent if "<b>When should I nudge you</b>" in c.params["text"]]

    async with client_for(page) as client:
        response = await client.put(url, json={"state": "done"}, headers=authorization(init_data(signed_at=clock())))
        assert response.status_code == 200, response.text
        [question] = await asyncio.to_thread(api.wait_for, questions)
        assert question.startswith("⏰ <b>When should I nudge you</b> toward your next step each week? Until you ")
        [message] = [c for c in api.calls_of("sendMessage", USER["id"]) if c.params["text"] == question]
        labels = [b["text"] for row in message.params["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["• Fri 19:00", "Sat 10:00", "🕐 Pick a time…", "🔕 No reminders", "🌍 My time zone…"]
        second = "/app/api/roadmaps/backend-engineer-ai-era/steps/http-rest-apis/state"
        response = await client.put(second, json={"state": "done"}, headers=authorization(init_data(signed_at=clock())))
        assert response.status_code == 200
    assert len(questions()) == 1, "asked once: the reminder was on already at the second mark"


async def test_a_first_progress_brought_by_an_import_asks_when(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    before = ChatSession(app, api, 3003)  # the same person's earlier chat
    await open_seed_step(before, "1. A typed language + git")
    await before.tap("✅ Mark done")
    _, data = await export_files(before)

    chat = ChatSession(app, api, 3004)
    await chat.process(api.document_update(chat.chat_id, "progress.json", data))
    sent = [c.params["text"] for c in api.calls_of("sendMessage", chat.chat_id)]
    assert len(sent) == 2 and "When should I nudge you" not in sent[0], "the import's answer first"
    assert question_of(chat).startswith(QUESTION), "then the question"
    reminder = await reminder_of(storage, chat.chat_id)
    assert (reminder.status, reminder.hour) == (ReminderStatus.ACTIVE, 19)

    await chat.process(api.document_update(chat.chat_id, "progress.json", data))  # the same file again
    assert not question_of(chat).startswith(QUESTION), "asked once: the reminder was on already"
