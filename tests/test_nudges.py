"""Weekly nudges: the schedule in the database, passes that send each due nudge once, and
Telegram's answers, all with a clock the tests move (nothing sleeps)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from telegram import Update
from telegram.request import RequestData

import bot.nudges
from bot.application import RoadmapBot
from bot.nudges import BATCH, HOLD, NudgeDispatcher, plan_due_nudges
from progress import Reminder, ReminderStatus
from progress.nudges import MAX_FAILURES, RETRY_DELAY
from roadmaps import Catalog
from storage import Storage
from storage.tables import facts, reminders
from tests.fakebotapi import FakeBotAPI, FakeRequest
from tests.support import (
    DUE,
    SEED,
    SEED_ID,
    AppFactory,
    ChatSession,
    Clock,
    StorageFactory,
    answers,
    load_due_reminders,
    pass_at,
    reminder_columns,
    reminder_of,
    start_roadmap,
)

WEEK = dt.timedelta(days=7)
FRIDAY_0930 = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)  # the clock fixture's start
FIRST_DUE = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
# The first suggestion, the reminder of a chat that did not answer the first reminder's question.
DEFAULT_DUE = dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC)
NUDGE_START = "⏰ <b>Your next step</b>"


def nudges_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The texts of the nudges a chat was sent."""
    return [
        c.params["text"]
        for c in api.calls_of("sendMessage", chat_id)
        if c.ok and c.params["text"].startswith(NUDGE_START)
    ]


async def start_seed(chat: ChatSession, *, mark_first_done: bool = True) -> None:
    """The seed roadmap opened and (unless told) its first step done, the first reminder's question
    answered with Pick a time…: Fridays at 09:00 (UTC), the first due on FIRST_DUE."""
    await chat.send("/start")
    await chat.tap(SEED)
    if mark_first_done:
        await chat.tap("1. A typed language + git")
        await chat.tap("✅ Mark done")
        await pick_nine_oclock(chat)


async def pick_nine_oclock(chat: ChatSession) -> None:
    """Answer the first reminder's question with Pick a time… and 09:00."""
    await chat.tap("🕐 Pick a time…")
    await chat.tap("09:00")


async def test_the_first_step_marked_turns_on_a_weekly_reminder_and_says_so(
    chat: ChatSession, storage: Storage
) -> None:
    await chat.send("/start")
    await chat.tap(SEED)
    await chat.tap("1. A typed language + git")
    assert "I'll nudge you" not in chat.last.text and await storage.reminders.reminder_of(chat.chat_id) is None
    await chat.tap("🟡 Working on it")
    assert chat.last.text.startswith("⏰ When should I nudge you toward your next step each week?")
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.status is ReminderStatus.ACTIVE
    assert reminder.due_at == FIRST_DUE + dt.timedelta(hours=10), "the first suggestion: Friday 19:00"
    await pick_nine_oclock(chat)
    assert (await reminder_of(storage, chat.chat_id)).due_at == FIRST_DUE
    await chat.send("/start frontend-engineer")
    await chat.tap("1. HTML")
    await chat.tap("✅ Mark done")
    assert "nudge you" not in chat.last.text, "asked once, when the first roadmap starts"
    assert (await reminder_of(storage, chat.chat_id)).due_at == FIRST_DUE


async def test_a_week_on_one_nudge_names_the_next_step_and_its_button_marks_it_done(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    clock: Clock,
    storage: Storage,
) -> None:
    await start_seed(chat)
    assert await pass_at(app, FIRST_DUE - dt.timedelta(minutes=1)) == "nothing due"
    assert nudges_to(api, chat.chat_id) == []

    clock.now = FIRST_DUE + dt.timedelta(days=1)
    assert await pass_at(app, clock.now) == "1 sent"
    [nudge] = nudges_to(api, chat.chat_id)
    assert f"in {SEED}" in nudge and "<b>HTTP &amp; REST APIs</b>" in nudge
    sent = api.calls_of("sendMessage", chat.chat_id)[-1].params
    assert sent["parse_mode"] == "HTML", "the nudge is HTML, as every message"
    preview = sent["link_preview_options"]
    assert (json.loads(preview) if isinstance(preview, str) else preview) == {"is_disabled": True}
    assert "Status codes, idempotency, pagination, versioning." in nudge
    assert "10% · 1 of 10 steps done" in nudge
    assert "No steps done in the last seven days" in nudge, "the first nudge looks back a week"
    assert chat.last.button_texts == ["✅ Mark done", "📖 Open", "⏰ Later…", "🔕 Stop reminders"]

    calls = await chat.tap("✅ Mark done")
    assert answers(calls) == ["✅ Marked done"]
    assert "HTTP & REST APIs" in chat.last.text and "State: ✅ Done" in chat.last.text
    assert "20% · 2 of 10 steps done" in chat.last.text

    assert await pass_at(app, clock.now) == "nothing due", "the same pass again sends nothing"
    assert len(nudges_to(api, chat.chat_id)) == 1
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.due_at == FIRST_DUE + dt.timedelta(days=7)
    assert reminder.unanswered == 0, "tapping the nudge answered it"


async def test_the_nudge_counts_steps_done_since_the_last_one_and_lists_other_roadmaps(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    clock: Clock,
) -> None:
    await start_seed(chat)
    await pass_at(app, FIRST_DUE)
    clock.now = FIRST_DUE + dt.timedelta(days=2)
    await chat.send("/start frontend-engineer")
    await chat.tap("1. HTML")
    await chat.tap("✅ Mark done")
    await chat.tap("Step 2 ▶")
    await chat.tap("✅ Mark done")
    await pass_at(app, FIRST_DUE + dt.timedelta(days=7))
    nudge = nudges_to(api, chat.chat_id)[-1]
    assert "in Frontend Engineer" in nudge, "the roadmap used last leads"
    assert "✅ 2 steps done since my last reminder" in nudge
    assert "🔥 2 weeks in a row" in nudge  # the week of 23 Nov and the week of 30 Nov
    assert "⏱ At 2 steps a week you finish around" in nudge
    assert f"Also in progress:\n• {SEED} · 10% · 1 of 10 steps done" in nudge


async def test_finished_roadmaps_are_never_nudged(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    await start_seed(chat, mark_first_done=False)
    await chat.tap("1. A typed language + git")
    card = chat.last.message_id
    for number in range(1, 11):
        await chat.tap("⏭ Skip" if number % 2 else "✅ Mark done", card)
        if number == 1:
            await pick_nine_oclock(chat)
        if number < 10:
            await chat.tap(f"Step {number + 1} ▶", card)
    assert "Every step is done or skipped: 5 of 10 done · 5 skipped." in chat.api.messages[(chat.chat_id, card)].text
    assert await pass_at(app, FIRST_DUE) == "1 with nothing to nudge"
    assert nudges_to(api, chat.chat_id) == []
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.due_at == FIRST_DUE + dt.timedelta(days=7), "checked again next week"
    recorded = await reminder_columns(storage, reminders.c.status, reminders.c.unanswered, reminders.c.claimed_at)
    assert recorded == [("active", 0, None)], "still on, nothing unanswered, the claim over (its hold is a week too)"


async def test_remind_says_no_nudge_comes_while_every_started_roadmap_is_finished(
    app: RoadmapBot, chat: ChatSession, storage: Storage
) -> None:
    await start_seed(chat, mark_first_done=False)
    await chat.tap("1. A typed language + git")
    card = chat.last.message_id
    for number in range(1, 11):
        await chat.tap("✅ Mark done", card)
        if number == 1:
            await pick_nine_oclock(chat)
        if number < 10:
            await chat.tap(f"Step {number + 1} ▶", card)
    await chat.send("/remind")
    assert (
        "⏰ Reminders are on, every Friday at 09:00 (UTC), but every roadmap you started is done, so no "
        "nudge comes until there is a next step: start another one with /roadmaps."
    ) in chat.last.text
    assert "Next:" not in chat.last.text
    assert not [b for b in chat.last.button_texts if b.startswith("⏰ ")], "no snooze of a nudge that will not come"
    assert await pass_at(app, FIRST_DUE) == "1 with nothing to nudge"
    await chat.send("/start frontend-engineer")
    await chat.tap("1. HTML")
    await chat.tap("🟡 Working on it")
    await chat.send("/remind")
    assert "Reminders are on, every Friday at 09:00 (UTC).\nNext: Fri 11 Dec, 09:00." in chat.last.text


async def test_after_six_in_the_evening_the_evening_snooze_says_tomorrow_evening(
    app: RoadmapBot, chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    await start_seed(chat)
    await pass_at(app, FIRST_DUE)
    clock.now = FIRST_DUE.replace(hour=18, minute=10)  # 18:10 UTC, the chat's zone
    await chat.tap("⏰ Later…")
    assert chat.last.button_texts[2:] == ["1 hour", "Tomorrow evening", "Tomorrow", "Next week"]
    calls = await chat.tap("Tomorrow evening")
    assert answers(calls) == ["⏰ I'll remind you again Sat 5 Dec, 19:00."]
    assert (await reminder_of(storage, chat.chat_id)).due_at == dt.datetime(2026, 12, 5, 19, 0, tzinfo=dt.UTC)
    await chat.send("/remind")
    assert "⏰ Tomorrow evening" in chat.last.button_texts and "⏰ This evening" not in chat.last.button_texts
    clock.now = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
    await chat.send("/remind")
    assert "⏰ This evening" in chat.last.button_texts


async def test_after_downtime_a_missed_slot_gets_one_nudge_not_one_per_week(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    await start_seed(chat)
    late = FIRST_DUE + dt.timedelta(days=20, hours=3)
    assert await pass_at(app, late) == "1 sent"
    assert await pass_at(app, late) == "nothing due"
    assert len(nudges_to(api, chat.chat_id)) == 1
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.due_at == FIRST_DUE + dt.timedelta(days=21)


async def test_tomorrow_snoozes_once_to_the_reminders_hour_tomorrow(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    clock: Clock,
    storage: Storage,
) -> None:
    await start_seed(chat)
    await pass_at(app, FIRST_DUE)
    clock.now = FIRST_DUE + dt.timedelta(hours=2)
    nudge = chat.last.message_id
    await chat.tap("⏰ Later…")
    assert chat.last.button_texts == ["✅ Mark done", "📖 Open", "1 hour", "This evening", "Tomorrow", "Next week"]
    calls = await chat.tap("Tomorrow")
    assert answers(calls) == ["⏰ I'll remind you again Sat 5 Dec, 09:00."]
    assert chat.api.messages[(chat.chat_id, nudge)].button_texts[2:] == ["⏰ Later…", "🔕 Stop reminders"]
    assert NUDGE_START.removesuffix("</b>").replace("<b>", "") in chat.api.messages[(chat.chat_id, nudge)].text
    tomorrow_at_nine = FIRST_DUE + dt.timedelta(days=1)
    assert await pass_at(app, tomorrow_at_nine - dt.timedelta(minutes=1)) == "nothing due"
    assert await pass_at(app, tomorrow_at_nine) == "1 sent"
    assert len(nudges_to(api, chat.chat_id)) == 2
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.due_at == FIRST_DUE + dt.timedelta(days=7), "back on the weekly slot"


async def test_pause_and_resume(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    clock: Clock,
    storage: Storage,
) -> None:
    await start_seed(chat)
    await chat.send("/remind")
    assert "Reminders are on, every Friday at 09:00 (UTC).\nNext: Fri 4 Dec, 09:00." in chat.last.text
    calls = await chat.tap("🔕 Pause reminders")
    assert answers(calls) == ["🔕 Reminders paused"]
    assert "Reminders are paused." in chat.last.text
    assert await pass_at(app, FIRST_DUE + dt.timedelta(days=30)) == "nothing due"

    clock.now = FIRST_DUE + dt.timedelta(days=30)  # Sunday 3 January 2027
    calls = await chat.tap("▶️ Resume")
    assert answers(calls) == ["⏰ Reminders on"]
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.due_at == dt.datetime(2027, 1, 8, 9, 0, tzinfo=dt.UTC)
    assert await pass_at(app, reminder.due_at) == "1 sent"
    assert len(nudges_to(api, chat.chat_id)) == 1


async def test_stop_reminders_on_a_nudge_pauses_them(
    app: RoadmapBot,
    chat: ChatSession,
    storage: Storage,
) -> None:
    await start_seed(chat)
    await pass_at(app, FIRST_DUE)
    calls = await chat.tap("🔕 Stop reminders")
    assert answers(calls) == ["🔕 Reminders paused"]
    assert "▶️ Resume" in chat.last.button_texts
    assert (await reminder_of(storage, chat.chat_id)).status is ReminderStatus.PAUSED


async def test_three_unanswered_nudges_pause_reminders_and_the_third_says_so(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    clock: Clock,
    storage: Storage,
) -> None:
    await start_seed(chat)
    week = dt.timedelta(days=7)
    for n in range(3):
        expected = "1 sent, then paused" if n == 2 else "1 sent"
        assert await pass_at(app, FIRST_DUE + n * week) == expected
    sent = nudges_to(api, chat.chat_id)
    assert len(sent) == 3
    assert "pause" not in sent[1]
    assert "I'll pause these reminders after this one. Tap a button here or write to me" in sent[2]
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.status is ReminderStatus.IDLE and reminder.due_at is None
    assert await pass_at(app, FIRST_DUE + 5 * week) == "nothing due"

    clock.now = FIRST_DUE + 5 * week
    await chat.send("/remind")  # any word from the chat brings them back
    assert "Reminders are on" in chat.last.text
    assert (await reminder_of(storage, chat.chat_id)).status is ReminderStatus.ACTIVE


async def test_answering_the_third_nudge_keeps_reminders_on(
    app: RoadmapBot,
    chat: ChatSession,
    clock: Clock,
    storage: Storage,
) -> None:
    await start_seed(chat)
    for n in range(3):
        await pass_at(app, FIRST_DUE + n * WEEK)
    clock.now = FIRST_DUE + 2 * WEEK + dt.timedelta(minutes=10)
    await chat.tap("✅ Mark done")
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.status is ReminderStatus.ACTIVE
    assert reminder.due_at == FIRST_DUE + 3 * WEEK


async def test_an_answer_while_the_batch_is_still_sending_counts(
    app: RoadmapBot, api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick, slow = ChatSession(app, api, 1), ChatSession(app, api, 2)
    await start_seed(quick)
    await start_seed(slow)
    delivered, answered = asyncio.Event(), asyncio.Event()
    send = FakeRequest.do_request

    async def chat_two_waits_for_the_answer(
        request: FakeRequest, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Chat 1's nudge arrives at once; chat 2's only after chat 1 answered (rate limits, a slow network)."""
        sending = url.endswith("/sendMessage") and request_data is not None
        chat = str(request_data.parameters.get("chat_id")) if sending and request_data else None
        if chat == "2":
            await asyncio.wait_for(answered.wait(), 30)
        answer = await send(request, url, method, request_data, **kwargs)
        if chat == "1":
            delivered.set()
        return answer

    monkeypatch.setattr(FakeRequest, "do_request", chat_two_waits_for_the_answer)
    before = len(api.calls)
    passing = asyncio.create_task(pass_at(app, FIRST_DUE))
    await asyncio.wait_for(delivered.wait(), 30)
    tap = await quick.tap("📖 Open")
    assert not passing.done(), "the answer came while the batch was still sending"
    answered.set()
    assert await passing == "2 sent"
    [to_two] = [c for c in api.calls[before:] if c.method == "sendMessage" and c.params["chat_id"] == 2]
    position = {id(call): i for i, call in enumerate(api.calls)}
    assert position[id(tap[-1])] < position[id(to_two)], "chat 2's nudge went out after chat 1's answer"
    monkeypatch.undo()
    for week in (1, 2):
        await pass_at(app, FIRST_DUE + week * WEEK)
    texts = nudges_to(api, 1)
    assert len(texts) == 3 and "pause" not in texts[2], "the answer to the first nudge was counted"


@pytest.mark.parametrize("change", ["/timezone America/New_York", "+1h", "Sa,• Fr"])
async def test_moving_the_schedule_right_after_a_nudge_brings_no_second_one_that_week(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    clock: Clock,
    storage: Storage,
    change: str,
) -> None:
    await start_seed(chat)
    clock.now = FIRST_DUE
    assert await pass_at(app, FIRST_DUE) == "1 sent"
    clock.now = FIRST_DUE + dt.timedelta(minutes=5)
    if change.startswith("/"):
        await chat.send(change)
    else:
        await chat.send("/remind")
        for tap in change.split(","):  # Friday moved to Saturday: add it, take Friday away
            await chat.tap(tap)
    assert await pass_at(app, FIRST_DUE + dt.timedelta(days=5)) == "nothing due"
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.due_at is not None
    assert FIRST_DUE + dt.timedelta(days=6) <= reminder.due_at <= FIRST_DUE + dt.timedelta(days=13)


async def test_a_time_zone_change_keeps_the_local_day_and_hour_of_the_reminder(
    chat: ChatSession, storage: Storage
) -> None:
    await start_seed(chat)  # Friday 09:30 UTC: reminders on Fridays at 09:00 UTC
    await chat.send("/timezone Asia/Tokyo")
    assert "every Friday at 09:00 (Asia/Tokyo)" in chat.last.text
    assert (await reminder_of(storage, chat.chat_id)).due_at == FIRST_DUE - dt.timedelta(hours=9)


async def test_unblocking_does_not_undo_a_pause_the_chat_chose(
    chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    await start_seed(chat)
    await chat.send("/remind")
    await chat.tap("🔕 Pause reminders")
    await chat.process(api.my_chat_member_update(chat.chat_id, "member", "kicked"))
    await chat.process(api.my_chat_member_update(chat.chat_id, "kicked", "member"))
    assert (await reminder_of(storage, chat.chat_id)).status is ReminderStatus.PAUSED


async def test_any_message_between_nudges_resets_the_back_off(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    await start_seed(chat)
    week = dt.timedelta(days=7)
    for n in range(4):
        await pass_at(app, FIRST_DUE + n * week)
        if n == 1:
            await chat.send("/progress")
    sent = nudges_to(api, chat.chat_id)
    assert len(sent) == 4 and not any("pause" in text for text in sent)
    assert (await reminder_of(storage, chat.chat_id)).unanswered == 2


async def test_presence_is_written_in_one_go_by_the_bots_flush_not_on_every_update(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    await start_seed(chat)
    await pass_at(app, FIRST_DUE)
    assert (await reminder_of(storage, chat.chat_id)).unanswered == 1
    await app.application.process_update(Update.de_json(api.message_update(chat.chat_id, "/help"), app.application.bot))
    assert (await reminder_of(storage, chat.chat_id)).unanswered == 1, "not yet written"
    await app.flush_presence()
    assert (await reminder_of(storage, chat.chat_id)).unanswered == 0


async def test_a_chat_that_blocked_the_bot_gets_no_further_attempts_until_it_writes_again(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    clock: Clock,
    storage: Storage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await start_seed(chat)
    api.fail("sendMessage", "Forbidden: bot was blocked by the user", error_code=403)
    caplog.set_level(logging.INFO, logger="bot.nudges")
    assert await pass_at(app, FIRST_DUE) == "1 blocked"
    said = [r.getMessage() for r in caplog.records if r.name == "bot.nudges"]
    assert f"chat {chat.chat_id} stopped the bot (Forbidden: bot was blocked by the user): reminders stop" in said
    attempts = len(api.calls_of("sendMessage", chat.chat_id))
    for weeks in range(1, 5):
        assert await pass_at(app, FIRST_DUE + dt.timedelta(weeks=weeks)) == "nothing due"
    assert len(api.calls_of("sendMessage", chat.chat_id)) == attempts, "no further attempts"
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.status is ReminderStatus.BLOCKED and reminder.due_at is None

    clock.now = FIRST_DUE + dt.timedelta(weeks=5, hours=1)
    await chat.send("/progress")  # the person unblocked the bot and wrote to it
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.status is ReminderStatus.ACTIVE
    assert reminder.due_at == FIRST_DUE + dt.timedelta(weeks=6)


async def test_news_of_a_chat_from_before_it_blocked_the_bot_does_not_bring_reminders_back(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    clock: Clock,
    storage: Storage,
) -> None:
    await start_seed(chat)
    seen_earlier = clock.now  # another instance heard from the chat here, and writes it late
    clock.advance(seconds=1)
    await chat.process(api.my_chat_member_update(chat.chat_id, "member", "kicked"))
    await storage.chats.note_presence({chat.chat_id: seen_earlier})
    assert (await reminder_of(storage, chat.chat_id)).status is ReminderStatus.BLOCKED
    await storage.chats.note_presence({chat.chat_id: clock.now + dt.timedelta(seconds=1)})
    assert (await reminder_of(storage, chat.chat_id)).status is ReminderStatus.ACTIVE


@pytest.mark.logs_errors
async def test_presence_that_could_not_be_written_is_written_on_the_next_flush(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await start_seed(chat)
    await pass_at(app, FIRST_DUE)
    await app.application.process_update(Update.de_json(api.message_update(chat.chat_id, "/help"), app.application.bot))
    with monkeypatch.context() as patch:

        async def locked(*args: object) -> None:
            raise OperationalError("UPDATE reminders", {}, Exception("database is locked"))

        patch.setattr(storage.chats, "note_presence", locked)
        with pytest.raises(OperationalError):
            await app.flush_presence()
    await app.flush_presence()
    assert (await reminder_of(storage, chat.chat_id)).unanswered == 0


async def test_being_blocked_or_removed_stops_reminders_and_being_let_back_resumes_them(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    await start_seed(chat)
    await chat.process(api.my_chat_member_update(chat.chat_id, "member", "kicked"))
    assert (await reminder_of(storage, chat.chat_id)).status is ReminderStatus.BLOCKED
    assert await pass_at(app, FIRST_DUE) == "nothing due"
    await chat.process(api.my_chat_member_update(chat.chat_id, "kicked", "member"))
    assert (await reminder_of(storage, chat.chat_id)).status is ReminderStatus.ACTIVE


async def test_a_group_that_became_a_supergroup_keeps_its_progress_and_gets_the_nudge(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    group, supergroup = -4242, -1_000_000_004_242
    chat = ChatSession(app, api, group, user_id=7)
    await start_seed(chat)
    api.fail("sendMessage", "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=supergroup)
    assert await pass_at(app, FIRST_DUE) == "1 moved to a supergroup, 1 sent"
    [nudge] = nudges_to(api, supergroup)
    assert "HTTP &amp; REST APIs" in nudge
    assert set((await storage.progress.progress_of(supergroup, "backend-engineer-ai-era")).marks) == {
        "typed-language-and-git"
    }
    assert await storage.reminders.reminder_of(group) is None
    assert (await reminder_of(storage, supergroup)).due_at == FIRST_DUE + dt.timedelta(days=7)


async def test_a_migration_message_moves_the_group_at_once(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    chat = ChatSession(app, api, -77, user_id=7)
    await start_seed(chat)
    await chat.process(api.migration_update(-77, -1_000_000_000_077))
    assert await storage.reminders.reminder_of(-77) is None
    assert (await storage.progress.progress_of(-1_000_000_000_077, "backend-engineer-ai-era")).marks


async def test_a_group_the_bot_already_moved_still_gets_the_nudge_it_was_claimed_for(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    group, supergroup = -4242, -1_000_000_004_242
    chat = ChatSession(app, api, group, user_id=7)
    await start_seed(chat)
    read_progress = storage.progress.progress_of_chats

    async def read_then_migrate(*args: object, **kwargs: object) -> object:
        progresses = await read_progress(*args, **kwargs)  # type: ignore[arg-type]
        await chat.process(api.migration_update(group, supergroup))  # handled between claim and send
        return progresses

    storage.progress.progress_of_chats = read_then_migrate  # type: ignore[method-assign]
    api.fail("sendMessage", "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=supergroup)
    assert await pass_at(app, FIRST_DUE) == "1 moved to a supergroup, 1 sent"
    assert nudges_to(api, supergroup)
    assert (await reminder_of(storage, supergroup)).due_at == FIRST_DUE + WEEK


@pytest.mark.logs_errors
async def test_one_chat_failing_unexpectedly_loses_nothing_of_its_batch(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The chat whose nudge failed in a way nothing expects is tried again, its error logged with
    the chat named and the traceback; the other chat's nudge is recorded as sent."""
    group, other = ChatSession(app, api, -42, user_id=7), ChatSession(app, api, 5)
    await start_seed(group)
    await start_seed(other)
    # The group's own messages fail (not the next one sent, which may be either chat's: the pass
    # sends both at once).
    api.migrated_chats[-42] = -100042

    async def locked(*args: object) -> bool:
        raise OperationalError("UPDATE chats", {}, Exception("database is locked"))

    monkeypatch.setattr(storage.chats, "move_chat", locked)
    caplog.set_level(logging.INFO, logger="bot.nudges")
    assert await pass_at(app, FIRST_DUE) == "1 sent, 1 to retry"
    [logged] = [r for r in caplog.records if r.name == "bot.nudges" and r.levelno == logging.ERROR]
    assert logged.getMessage() == "nudge to chat -42 failed unexpectedly"
    assert logged.exc_info is not None and "database is locked" in str(logged.exc_info[1])
    retrying = [r.getMessage() for r in caplog.records if r.name == "bot.nudges" and r.levelno == logging.INFO]
    assert "nudge to chat -42 failed (an unexpected error): retrying in 0:05:00" in retrying
    reminder = await storage.reminders.reminder_of(5)
    assert reminder is not None and reminder.last_sent_at == FIRST_DUE and reminder.due_at == FIRST_DUE + WEEK
    retried = await storage.reminders.reminder_of(-42)
    assert retried is not None and retried.due_at == FIRST_DUE + RETRY_DELAY


@pytest.mark.logs_errors
async def test_a_nudge_that_keeps_failing_unexpectedly_waits_for_the_next_slot(
    app: RoadmapBot,
    chat: ChatSession,
    storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await start_seed(chat)

    def broken(*args: object) -> None:
        raise RuntimeError("a bug in planning this chat's nudge")

    monkeypatch.setattr(bot.nudges, "plan_nudge", broken)
    reports = [await pass_at(app, FIRST_DUE + n * RETRY_DELAY) for n in range(MAX_FAILURES)]
    assert reports == ["1 to retry"] * (MAX_FAILURES - 1) + ["1 given up"], "as network failures are"
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.due_at == FIRST_DUE + WEEK and reminder.failures == 0


async def test_a_chat_telegram_does_not_know_stops(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    await start_seed(chat)
    api.fail("sendMessage", "Bad Request: chat not found")
    assert await pass_at(app, FIRST_DUE) == "1 gone"
    assert (await reminder_of(storage, chat.chat_id)).status is ReminderStatus.GONE
    assert await pass_at(app, FIRST_DUE + dt.timedelta(days=7)) == "nothing due"


@pytest.mark.parametrize("failure", ["timeout", "bad gateway"])
async def test_timeouts_and_server_errors_keep_the_slot_and_retry_later(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
    failure: str,
) -> None:
    await start_seed(chat)
    if failure == "timeout":
        api.time_out("sendMessage")
    else:
        api.fail("sendMessage", "Bad Gateway", error_code=502)
    assert await pass_at(app, FIRST_DUE) == "1 to retry"
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.due_at == FIRST_DUE + RETRY_DELAY and reminder.failures == 1
    assert await pass_at(app, FIRST_DUE + RETRY_DELAY) == "1 sent"
    assert len(nudges_to(api, chat.chat_id)) == 1
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.failures == 0 and reminder.due_at == FIRST_DUE + dt.timedelta(days=7)


@pytest.mark.logs_errors
async def test_a_token_telegram_refuses_is_logged_as_such(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await start_seed(chat)
    api.fail("sendMessage", "Unauthorized", error_code=401)
    assert await pass_at(app, FIRST_DUE) == "1 failed"
    [logged] = [r.getMessage() for r in caplog.records if r.name == "bot.nudges" and r.levelno == logging.ERROR]
    assert logged == f"nudge to chat {chat.chat_id} failed: Unauthorized", "the token, not an unknown method"
    columns = (reminders.c.status, reminders.c.due_at, reminders.c.unanswered, reminders.c.claimed_at)
    recorded = await reminder_columns(storage, *columns)  # not left to the claim's hold (a week too)
    assert recorded == [("active", FIRST_DUE + WEEK, 0, None)], "the next week's, nothing unanswered, the claim over"


@pytest.mark.logs_errors
async def test_any_other_refusal_is_logged_and_the_pass_goes_on(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = ChatSession(app, api, 1), ChatSession(app, api, 2)
    await start_seed(first)
    await start_seed(second)
    api.fail("sendMessage", "Bad Request: something unexpected")
    assert await pass_at(app, FIRST_DUE) == "1 refused, 1 sent"
    columns = (reminders.c.chat_id, reminders.c.due_at, reminders.c.last_sent_at, reminders.c.claimed_at)
    rows = await reminder_columns(storage, *columns)  # both recorded: the claim's hold is a week too
    assert rows == [(1, FIRST_DUE + WEEK, None, None), (2, FIRST_DUE + WEEK, FIRST_DUE, None)]
    [logged] = [r.getMessage() for r in caplog.records if r.name == "bot.nudges" and r.levelno == logging.ERROR]
    assert logged == "nudge to chat 1 refused: Something unexpected", "in python-telegram-bot's words"


async def test_two_passes_at_once_send_each_nudge_once(
    make_app: AppFactory,
    catalog: Catalog,
    api: FakeBotAPI,
    make_storage: StorageFactory,
) -> None:
    app = await make_app(catalog)
    for chat_id in range(1, 41):
        await start_seed(ChatSession(app, api, chat_id))
    other = make_storage()  # a second process: its own engine and connections
    reports = await asyncio.gather(
        app.nudges.run_pass(FIRST_DUE),
        NudgeDispatcher(app.application.bot, catalog, other, batch=7).run_pass(FIRST_DUE),
    )
    assert sum(report.counts["sent"] for report in reports) == 40
    for chat_id in range(1, 41):
        assert len(nudges_to(api, chat_id)) == 1


async def test_a_crash_between_claim_and_send_never_sends_twice(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    await start_seed(chat)
    [claimed] = await storage.nudges.claim_due_reminders(FIRST_DUE, 100, FIRST_DUE + HOLD)
    assert claimed.chat_id == chat.chat_id  # ...and the process dies here, before sending
    assert await pass_at(app, FIRST_DUE + dt.timedelta(days=6)) == "nothing due"
    assert await pass_at(app, FIRST_DUE + HOLD) == "1 sent", "the chat is nudged again a week after the claim"
    assert len(nudges_to(api, chat.chat_id)) == 1


async def test_a_claim_a_dead_process_left_behind_does_not_count_toward_the_pause(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    await start_seed(chat)
    await storage.nudges.claim_due_reminders(FIRST_DUE, 100, FIRST_DUE + HOLD)  # the process dies here
    sent = [await pass_at(app, FIRST_DUE + HOLD + n * WEEK) for n in range(3)]
    assert sent == ["1 sent", "1 sent", "1 sent, then paused"], "three nudges sent before the pause, as always"
    assert len(nudges_to(api, chat.chat_id)) == 3


async def test_an_answer_forgives_a_claim_a_dead_process_left_behind_and_the_next_nudge_counts(
    app: RoadmapBot,
    chat: ChatSession,
    storage: Storage,
) -> None:
    await start_seed(chat)
    await storage.nudges.claim_due_reminders(FIRST_DUE, 100, FIRST_DUE + HOLD)  # the process dies here
    await chat.send("/progress")
    assert [await pass_at(app, FIRST_DUE + HOLD + n * WEEK) for n in range(3)][-1] == "1 sent, then paused"


async def test_a_restart_neither_repeats_nor_loses_a_slot(
    make_app: AppFactory,
    catalog: Catalog,
    api: FakeBotAPI,
    make_storage: StorageFactory,
) -> None:
    chat = ChatSession(await make_app(catalog), api, 9)
    await start_seed(chat)
    assert await pass_at(chat.app, FIRST_DUE) == "1 sent"

    dispatcher = NudgeDispatcher(chat.app.application.bot, catalog, make_storage())  # a restarted process
    assert str(await dispatcher.run_pass(FIRST_DUE + dt.timedelta(hours=1))) == "nothing due"
    assert str(await dispatcher.run_pass(FIRST_DUE + dt.timedelta(days=7))) == "1 sent"
    assert len(nudges_to(api, 9)) == 2


async def test_a_pass_claims_bounded_batches_and_the_app_has_four_jobs_whatever_the_number_of_chats(
    app: RoadmapBot,
    api: FakeBotAPI,
    catalog: Catalog,
    storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed = catalog.get("backend-engineer-ai-era")
    assert seed is not None
    for chat_id in range(1, 26):
        await start_roadmap(storage, chat_id, seed, FRIDAY_0930)
    sizes: list[int] = []
    claim = storage.nudges.claim_due_reminders

    async def spy(*args: object, **kwargs: object) -> object:
        claimed = await claim(*args, **kwargs)  # type: ignore[arg-type]
        sizes.append(len(claimed))
        return claimed

    monkeypatch.setattr(storage.nudges, "claim_due_reminders", spy)
    report = await NudgeDispatcher(app.application.bot, catalog, storage, batch=10).run_pass(DEFAULT_DUE)
    assert report.counts["sent"] == 25
    assert sizes == [10, 10, 5, 0]
    job_queue = app.application.job_queue
    assert job_queue is not None
    assert sorted(job.name for job in job_queue.jobs()) == ["announcements", "housekeeping", "nudges", "presence"]


async def test_a_stopping_bot_finishes_the_batch_in_hand_and_leaves_the_rest_due(
    app: RoadmapBot,
    catalog: Catalog,
    storage: Storage,
) -> None:
    seed = catalog.get("backend-engineer-ai-era")
    assert seed is not None
    for chat_id in range(1, 8):
        await start_roadmap(storage, chat_id, seed, FRIDAY_0930)
    batches = iter([True, True, False])  # asked before each batch; the bot stops during the second
    report = await NudgeDispatcher(app.application.bot, catalog, storage, batch=3).run_pass(
        DEFAULT_DUE, lambda: next(batches)
    )
    assert report.counts["sent"] == 6
    assert [r.chat_id for r in await storage.nudges.due_reminders(DEFAULT_DUE, 100)] == [7], "the rest stays due"


async def test_a_dry_run_says_who_would_get_what_and_changes_nothing(
    chat: ChatSession, storage: Storage, catalog: Catalog
) -> None:
    await start_seed(chat)
    before = await storage.reminders.reminder_of(chat.chat_id)
    [(reminder, nudge)] = await plan_due_nudges(catalog, storage, FIRST_DUE)
    assert reminder.chat_id == chat.chat_id and nudge is not None and nudge.plan.step.title == "HTTP & REST APIs"
    assert await storage.reminders.reminder_of(chat.chat_id) == before
    assert await plan_due_nudges(catalog, storage, FIRST_DUE - dt.timedelta(seconds=1)) == []


async def test_two_weekdays_give_two_nudges_a_week(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, clock: Clock, storage: Storage
) -> None:
    await start_seed(chat)  # Friday 09:30 UTC: Fridays at 09:00
    await chat.send("/remind")
    calls = await chat.tap("Tu")
    assert answers(calls) == ["⏰ Now every Tuesday and Friday at 09:00 (UTC)"]
    week_later = FIRST_DUE + WEEK
    sent = []
    for moment in (FIRST_DUE - dt.timedelta(days=3), FIRST_DUE, week_later):
        sent.append(await pass_at(app, moment))
        await chat.send("thanks")  # an answer: no pause for being quiet
    # Tuesday 1 December, Friday 4 December, then (Tuesday 8 December was in between) Friday 11.
    assert sent == ["1 sent", "1 sent", "1 sent"]
    assert (await reminder_of(storage, chat.chat_id)).due_at == week_later + dt.timedelta(days=4)
    assert len(nudges_to(api, chat.chat_id)) == 3


@pytest.mark.parametrize(
    ("label", "comes_again"),
    [
        ("1 hour", FIRST_DUE + dt.timedelta(hours=1, minutes=5)),
        ("This evening", dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC)),
        ("Tomorrow", FIRST_DUE + dt.timedelta(days=1)),  # the reminder's hour, not the minute of the tap
        ("Next week", FIRST_DUE + dt.timedelta(days=7, minutes=5)),
    ],
)
async def test_each_way_to_put_a_nudge_off_moves_the_next_one_as_it_says(
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    clock: Clock,
    storage: Storage,
    label: str,
    comes_again: dt.datetime,
) -> None:
    await start_seed(chat)
    await pass_at(app, FIRST_DUE)
    clock.now = FIRST_DUE + dt.timedelta(minutes=5)
    await chat.tap("⏰ Later…")
    await chat.tap(label)
    assert (await reminder_of(storage, chat.chat_id)).due_at == comes_again
    assert await pass_at(app, comes_again - dt.timedelta(minutes=1)) == "nothing due"
    assert await pass_at(app, comes_again) == "1 sent"


async def test_peeking_at_another_roadmap_changes_neither_the_nudge_nor_next_nor_progress(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    await start_seed(chat)
    await chat.send("/start devops-platform-engineer")  # only looked at
    await chat.tap("1. Linux fundamentals")  # a card opened, nothing marked
    await chat.send("/roadmaps")
    assert "DevOps & Platform Engineer · 25 steps" in chat.last.button_texts, "no 0% for a look"
    await chat.send("/progress")
    assert "DevOps" not in chat.last.text
    await chat.send("/next")
    assert "HTTP & REST APIs" in chat.last.text and SEED in chat.last.text
    await pass_at(app, FIRST_DUE)
    [nudge] = nudges_to(api, chat.chat_id)
    assert f"in {SEED}" in nudge and "DevOps" not in nudge


async def test_a_nudge_s_buttons_go_out_as_json_text_written_once_and_show_as_buttons(
    app: RoadmapBot, api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two chats at the same step get the same buttons: the JSON text of them (and of the link
    preview default) is written for the first nudge and sent again as it is for the second, and
    Telegram reads it as the buttons."""
    one, two = ChatSession(app, api, 1), ChatSession(app, api, 2)
    await start_seed(one)
    await start_seed(two)
    sent: list[dict[str, Any]] = []
    send = FakeRequest.do_request

    async def recording(
        request: FakeRequest, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage") and request_data is not None:
            sent.append(dict(request_data.parameters))
        return await send(request, url, method, request_data, **kwargs)

    monkeypatch.setattr(FakeRequest, "do_request", recording)
    assert await pass_at(app, FIRST_DUE) == "2 sent"
    first, second = sent
    for field in ("reply_markup", "link_preview_options"):
        assert isinstance(first[field], str) and second[field] is first[field], f"{field} written once"
    assert json.loads(first["link_preview_options"]) == {"is_disabled": True}
    for chat_id in (1, 2):
        labels = api.last_message(chat_id).button_texts
        assert labels == [b["text"] for row in json.loads(first["reply_markup"])["inline_keyboard"] for b in row]
        assert "✅ Mark done" in labels


async def test_a_dry_run_plans_every_due_chat_once_in_chat_order_past_a_batch(
    storage: Storage, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dry run reads the due reminders a batch (BATCH, 100) at a time, each batch after the
    last chat of the one before, and lists every due chat once, in chat order, whatever order
    their due times are in (here the reverse)."""
    count = BATCH + 50
    await load_due_reminders(storage, count)
    async with storage.engine.begin() as connection:  # the last chat due first, the first one last
        await connection.execute(
            update(reminders).where(reminders.c.chat_id == bindparam("chat")).values(due_at=bindparam("due")),
            [{"chat": i, "due": DUE - dt.timedelta(seconds=i)} for i in range(count, 0, -1)],
        )
    read = storage.nudges.due_reminders
    batches: list[int] = []

    async def counted(*args: Any, **kwargs: Any) -> list[Reminder]:
        batches.append(len(due := await read(*args, **kwargs)))
        return due

    monkeypatch.setattr(storage.nudges, "due_reminders", counted)
    planned = await plan_due_nudges(catalog, storage, DUE)
    assert batches == [BATCH, 50, 0], "a batch at a time, then one that finds none left"
    assert [reminder.chat_id for reminder, _ in planned] == list(range(1, count + 1))
    assert all(nudge is not None and nudge.plan.roadmap.id == SEED_ID for _, nudge in planned)
    assert await plan_due_nudges(catalog, storage, DUE - dt.timedelta(seconds=count + 1)) == []


async def test_chats_whose_nudges_fail_together_are_each_counted_and_logged_until_given_up(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    """Each chat whose nudge fails counts in the pass's report, "to retry" and, the twelfth time
    in a row, "given up"; the log names the chat, why, and when it is tried again (or that it
    waits for the next slot)."""
    chats = [ChatSession(app, api, chat_id) for chat_id in (1, 2)]
    for chat in chats:
        await start_seed(chat)
    caplog.set_level(logging.INFO, logger="bot.nudges")
    api.fail("sendMessage", "Bad Gateway", error_code=502, times=2 * MAX_FAILURES)
    reports = [await pass_at(app, FIRST_DUE + n * RETRY_DELAY) for n in range(MAX_FAILURES)]
    assert reports == ["2 to retry"] * (MAX_FAILURES - 1) + ["2 given up"]
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.nudges" and "nudge to chat" in r.getMessage()]
    why = "NetworkError('Bad Gateway')"
    retried = [f"nudge to chat {c} failed ({why}): retrying in 0:05:00" for c in (1, 2)]
    given_up = [f"nudge to chat {c} failed 12 times ({why}): waiting for the next slot" for c in (1, 2)]
    assert sorted(logged) == sorted(retried * (MAX_FAILURES - 1) + given_up)
    for chat in chats:
        reminder = await reminder_of(storage, chat.chat_id)
        assert (reminder.due_at, reminder.failures) == (FIRST_DUE + WEEK, 0), "the next weekly slot"
    assert await pass_at(app, FIRST_DUE + WEEK) == "2 sent"


def holding_back_the_first_nudge_to(
    chat_id: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[asyncio.Event, asyncio.Event, asyncio.Event]:
    """Hold the first message to `chat_id` from now on (its nudge) on its way until told: the events
    say when it is held, let it go on, and say when a message to another chat went."""
    held, go_on, others = asyncio.Event(), asyncio.Event(), asyncio.Event()
    send = FakeRequest.do_request

    async def holding(
        request: FakeRequest, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any
    ) -> tuple[int, bytes]:
        to = request_data.parameters.get("chat_id") if url.endswith("/sendMessage") and request_data else None
        if str(to) == str(chat_id) and not held.is_set():
            held.set()
            await asyncio.wait_for(go_on.wait(), 30)
        answer = await send(request, url, method, request_data, **kwargs)
        if to is not None and str(to) != str(chat_id):
            others.set()  # a message to another chat went
        return answer

    monkeypatch.setattr(FakeRequest, "do_request", holding)
    return held, go_on, others


async def a_pass_held_on_its_second_chat(
    app: RoadmapBot, api: FakeBotAPI, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> tuple[ChatSession, ChatSession, asyncio.Task[str], asyncio.Event]:
    """Two chats due at FIRST_DUE and the pass that nudges them, started and held while the second
    one's nudge is on its way (the first one's has gone): the chats, the pass, and what lets it go on."""
    quick, slow = ChatSession(app, api, 1), ChatSession(app, api, 2)
    await start_seed(quick)
    await start_seed(slow)
    held, go_on, others = holding_back_the_first_nudge_to(slow.chat_id, monkeypatch)
    clock.now = FIRST_DUE
    passing = asyncio.create_task(pass_at(app, FIRST_DUE))
    await asyncio.wait_for(held.wait(), 30)
    await asyncio.wait_for(others.wait(), 30)  # the first chat's nudge may still be on its way on a busy machine
    return quick, slow, passing, go_on


async def test_a_snooze_tapped_while_the_batch_is_still_sending_is_kept_and_the_nudge_is_dated(
    app: RoadmapBot, api: FakeBotAPI, clock: Clock, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chat that changes its schedule between the claim and the record (here: a snooze tapped on
    its nudge while another chat's is still on its way) keeps the change; the claim is still over
    and the nudge it got still dated."""
    quick, slow, passing, go_on = await a_pass_held_on_its_second_chat(app, api, clock, monkeypatch)
    await quick.tap("⏰ Later…")
    assert answers(await quick.tap("Tomorrow")) == ["⏰ I'll remind you again Sat 5 Dec, 09:00."]
    assert not passing.done(), "the snooze came while the batch was still sending"
    go_on.set()
    assert await passing == "2 sent"
    tomorrow = FIRST_DUE + dt.timedelta(days=1)
    snoozed = await reminder_of(storage, quick.chat_id)
    assert (snoozed.status, snoozed.due_at, snoozed.last_sent_at) == (ReminderStatus.ACTIVE, tomorrow, FIRST_DUE)
    assert (await reminder_of(storage, slow.chat_id)).due_at == FIRST_DUE + WEEK
    claims = await reminder_columns(storage, reminders.c.chat_id, reminders.c.claimed_at)
    assert claims == [(1, None), (2, None)], "both claims are over"
    assert await pass_at(app, tomorrow - dt.timedelta(minutes=1)) == "nothing due"
    assert await pass_at(app, tomorrow) == "1 sent"
    assert len(nudges_to(api, quick.chat_id)) == 2 and len(nudges_to(api, slow.chat_id)) == 1


async def test_an_answer_while_a_nudge_that_then_fails_is_on_its_way_leaves_nothing_unanswered(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nudge that did not go out is not counted as unanswered; nor is it counted against the chat
    when the chat wrote while it was on its way (the claim counted it, the answer forgave it): the
    retry and two more weekly nudges go out before reminders pause, as always."""
    await start_seed(chat)
    held, go_on, _ = holding_back_the_first_nudge_to(chat.chat_id, monkeypatch)
    passing = asyncio.create_task(pass_at(app, FIRST_DUE))
    await asyncio.wait_for(held.wait(), 30)
    await chat.send("/progress")  # an answer while the nudge is on its way
    api.fail("sendMessage", "Bad Gateway", error_code=502)  # ...and the nudge fails
    go_on.set()
    assert await passing == "1 to retry"
    reminder = await reminder_of(storage, chat.chat_id)
    assert (reminder.unanswered, reminder.failures, reminder.due_at) == (0, 1, FIRST_DUE + RETRY_DELAY)
    monkeypatch.undo()
    reports = [
        await pass_at(app, moment) for moment in (FIRST_DUE + RETRY_DELAY, FIRST_DUE + WEEK, FIRST_DUE + 2 * WEEK)
    ]
    assert reports == ["1 sent", "1 sent", "1 sent, then paused"]
    assert "I'll pause these reminders after this one" in nudges_to(api, chat.chat_id)[-1]


async def test_a_retry_is_due_five_minutes_after_the_failure_to_the_microsecond(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    """A failed nudge is due again RETRY_DELAY after the pass that failed it, at that very moment
    and not a moment later, whatever the fraction of a second the pass ran at (a real clock's)."""
    await start_seed(chat)
    failed_at = FIRST_DUE + dt.timedelta(seconds=1, microseconds=234_567)
    api.fail("sendMessage", "Bad Gateway", error_code=502)
    assert await pass_at(app, failed_at) == "1 to retry"
    assert (await reminder_of(storage, chat.chat_id)).due_at == failed_at + RETRY_DELAY
    assert await pass_at(app, failed_at + RETRY_DELAY - dt.timedelta(microseconds=1)) == "nothing due"
    assert await pass_at(app, failed_at + RETRY_DELAY) == "1 sent"
    assert len(nudges_to(api, chat.chat_id)) == 1


async def test_a_block_while_the_batch_is_still_sending_keeps_its_date_against_older_news(
    app: RoadmapBot, api: FakeBotAPI, clock: Clock, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chat that blocks the bot between the claim and the record (its nudge went, another chat's is
    still on its way) stays blocked, dated when it blocked: news of it from before then, written
    late by another instance, does not bring its reminders back."""
    quick, slow, passing, go_on = await a_pass_held_on_its_second_chat(app, api, clock, monkeypatch)
    assert len(nudges_to(api, quick.chat_id)) == 1
    clock.advance(seconds=1)
    await quick.process(api.my_chat_member_update(quick.chat_id, "member", "kicked"))
    assert not passing.done(), "the block came while the batch was still sending"
    go_on.set()
    assert await passing == "2 sent"
    await storage.chats.note_presence({quick.chat_id: FIRST_DUE})  # seen before it blocked, written late
    blocked = await reminder_of(storage, quick.chat_id)
    assert (blocked.status, blocked.due_at, blocked.last_sent_at) == (ReminderStatus.BLOCKED, None, FIRST_DUE)
    assert await pass_at(app, FIRST_DUE + WEEK) == "1 sent"
    assert len(nudges_to(api, quick.chat_id)) == 1 and len(nudges_to(api, slow.chat_id)) == 2


async def test_a_nudge_that_failed_leaves_the_last_one_sent_and_the_unanswered_count_as_they_were(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    """A nudge that did not go out changes nothing of the ones before it: the retry still counts
    steps since the last nudge that went, and still comes after two unanswered ones, so it is
    the one after which reminders pause."""
    await start_seed(chat)
    assert [await pass_at(app, FIRST_DUE + n * WEEK) for n in range(2)] == ["1 sent", "1 sent"]
    api.fail("sendMessage", "Bad Gateway", error_code=502)
    assert await pass_at(app, FIRST_DUE + 2 * WEEK) == "1 to retry"
    reminder = await reminder_of(storage, chat.chat_id)
    assert (reminder.last_sent_at, reminder.unanswered) == (FIRST_DUE + WEEK, 2)
    assert await pass_at(app, FIRST_DUE + 2 * WEEK + RETRY_DELAY) == "1 sent, then paused"
    retried = nudges_to(api, chat.chat_id)[-1]
    assert "No steps done since my last reminder" in retried
    assert "I'll pause these reminders after this one" in retried


async def test_each_nudge_that_went_leaves_a_fact_of_its_kind_and_the_last_before_a_pause_its_own(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    """The operator's numbers count nudges by kind: each nudge that went out leaves one fact, dated
    when it went, "weekly", or "pausing" for the one after which reminders pause; one that failed
    leaves none (nor one of a block)."""
    await start_seed(chat)
    api.fail("sendMessage", "Bad Gateway", error_code=502)
    assert await pass_at(app, FIRST_DUE) == "1 to retry"
    went = [FIRST_DUE + RETRY_DELAY, FIRST_DUE + WEEK, FIRST_DUE + 2 * WEEK]
    assert [await pass_at(app, moment) for moment in went] == ["1 sent", "1 sent", "1 sent, then paused"]
    query = (
        select(facts.c.at, facts.c.kind, facts.c.source)
        .where(facts.c.chat_id == chat.chat_id, facts.c.kind.in_(["nudge", "blocked"]))
        .order_by(facts.c.at)
    )
    async with storage.engine.connect() as connection:
        rows = [tuple(row) for row in await connection.execute(query)]
    assert rows == [(went[0], "nudge", "weekly"), (went[1], "nudge", "weekly"), (went[2], "nudge", "pausing")]


async def test_the_backlog_counts_the_reminders_due_by_then_and_no_other(storage: Storage) -> None:
    """The due count /metrics shows after a pass: reminders due at or before the moment, not those
    due after it (ten reminders a minute apart, the tenth due at DUE)."""
    await load_due_reminders(storage, 10)
    minutes = [0, 5, 10]
    counts = [await storage.nudges.count_due_reminders(DUE - dt.timedelta(minutes=m)) for m in minutes]
    assert counts == [10, 5, 0], "the fifth is due exactly five minutes before DUE, and counted"


def nudges_counted(outcome: str) -> float:
    """The nudges /metrics has counted with this outcome, read from the registry."""
    return REGISTRY.get_sample_value("roadmap_bot_nudges_total", {"outcome": outcome}) or 0.0


async def test_a_pass_of_several_batches_counts_each_nudge_once_on_metrics_and_records_alike_ones_at_once(
    app: RoadmapBot, api: FakeBotAPI, catalog: Catalog, storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    """/metrics counts each nudge once by its outcome, batch after batch (here two chats a batch),
    and a batch whose nudges ended alike is recorded in one go, with nothing to warn of."""
    for chat_id in range(1, 6):
        await start_seed(ChatSession(app, api, chat_id))
    before = nudges_counted("sent")
    caplog.set_level(logging.WARNING, logger="storage.isolation")
    report = await NudgeDispatcher(app.application.bot, catalog, storage, batch=2).run_pass(FIRST_DUE)
    assert str(report) == "5 sent"
    assert nudges_counted("sent") - before == 5
    assert [r.getMessage() for r in caplog.records if r.name == "storage.isolation"] == []


async def test_two_groups_that_became_supergroups_in_one_pass_are_both_counted_as_moved(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    """Each group Telegram says has moved is moved and nudged at its new id, and the pass's report
    counts every one of them."""
    groups = [ChatSession(app, api, -41, user_id=7), ChatSession(app, api, -42, user_id=8)]
    for group in groups:
        await start_seed(group)
    for new_id in (-1_000_000_000_041, -1_000_000_000_042):  # the first two sends fail, whichever goes first
        api.fail("sendMessage", "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=new_id)
    assert await pass_at(app, FIRST_DUE) == "2 moved to a supergroup, 2 sent"
    assert [await storage.reminders.reminder_of(group.chat_id) for group in groups] == [None, None]


async def test_a_claim_takes_the_earliest_due_first_whatever_the_chat_order(storage: Storage) -> None:
    """When more reminders are due than a batch takes, the claim takes those due earliest (here
    the reverse of the chats' order), so a pass cut short has served those waiting longest."""
    await load_due_reminders(storage, 3)
    async with storage.engine.begin() as connection:  # chat 3 due first, chat 1 last
        await connection.execute(
            update(reminders).where(reminders.c.chat_id == bindparam("chat")).values(due_at=bindparam("due")),
            [{"chat": i, "due": DUE - dt.timedelta(minutes=i)} for i in (1, 2, 3)],
        )
    claimed = await storage.nudges.claim_due_reminders(DUE, 2, DUE + HOLD)
    assert sorted(reminder.chat_id for reminder in claimed) == [2, 3], "in no particular order"
