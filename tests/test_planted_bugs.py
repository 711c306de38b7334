"""Bugs planted by hand in the rooms mutation testing first left out (reminders, the slot rule,
momentum, presence, a group's move, the nudge pass, the import's format, the pacer, the webhook),
which the suite missed: each test here fails with its bug in and passes without it. The bugs, and
which test catches each, are listed in docs/testing.md ("Planted bugs, round 2")."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.application import RoadmapBot
from bot.limits import TelegramLimits
from bot.settings import MESSAGES_PER_SECOND
from bot.web import MAX_UPDATE_BYTES, SECRET_HEADER
from handlers.export_format import MAX_IMPORT_ROADMAPS, MAX_IMPORT_STEPS, ImportProblem, read_export
from progress import ReminderStatus
from progress.momentum import streak_of, week_of
from progress.schedule import canonical_timezone, next_due
from roadmaps import Catalog
from storage import Storage
from storage.chat_store import PRESENCE_CHUNK
from storage.tables import chat_days, reminders
from tests.fakebotapi import FakeBotAPI
from tests.support import (
    SEED,
    SEED_ID,
    WEBHOOK_SECRET,
    CardChat,
    ChatSession,
    Clock,
    answers,
    at,
    export_files,
    handle,
    load_due_reminders,
    open_seed_step,
    pass_at,
    reminder_of,
    some_progress,
    webhook_client,
)

UTC = dt.UTC
MONDAY, TUESDAY, THURSDAY = 0, 1, 3
NUDGE_START = "⏰ <b>Your next step</b>"
PAUSING = "I'll pause these reminders after this one"


def nudges_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The texts of the nudges a chat was sent."""
    return [
        c.params["text"]
        for c in api.calls_of("sendMessage", chat_id)
        if c.ok and c.params["text"].startswith(NUDGE_START)
    ]


async def start_seed(chat: ChatSession) -> None:
    """The seed roadmap started by marking its first step done, the first reminder's question answered
    with Pick a time… and 09:00 (reminders on the same weekday, a week on)."""
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.tap("🕐 Pick a time…")
    await chat.tap("09:00")


def export_document(roadmaps: list[dict[str, Any]]) -> bytes:
    return json.dumps({"format": "roadmap-bot/progress", "version": 1, "roadmaps": roadmaps}).encode()


def seed_entry(steps: int) -> dict[str, Any]:
    """The seed roadmap with `steps` steps: its first one done, the rest ids this bot does not know."""
    first = {"id": "typed-language-and-git", "state": "done", "changed_at": "2026-11-20T08:00:00+00:00"}
    others = [{"id": f"gone-{n}", "state": "done", "changed_at": "2026-11-20T08:00:00+00:00"} for n in range(steps - 1)]
    return {"id": SEED_ID, "started_at": "2026-11-01T08:00:00+00:00", "steps": [first, *others]}


# --- 1. the slot rule: several weekdays keep a one-day gap, not a week's --------------------------


def test_with_several_weekdays_a_change_right_after_a_nudge_keeps_the_next_day_of_the_week() -> None:
    monday_nudge = at(2026, 11, 30, 9)
    changed = monday_nudge + dt.timedelta(minutes=5)
    assert next_due({MONDAY, THURSDAY}, 10, "UTC", changed, monday_nudge) == at(2026, 12, 3, 10), "Thursday"
    assert next_due({MONDAY}, 10, "UTC", changed, monday_nudge) == at(2026, 12, 7, 10), "one day: a week on"
    assert next_due({TUESDAY}, 10, "UTC", changed, monday_nudge) == at(2026, 12, 8, 10), "not the next day"
    assert next_due({MONDAY, TUESDAY}, 10, "UTC", changed, monday_nudge) == at(2026, 12, 1, 10)


async def test_changing_the_hour_after_a_monday_nudge_keeps_thursdays_nudge(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, clock: Clock, storage: Storage
) -> None:
    await start_seed(chat)  # Friday 27 November, 09:30 UTC: Fridays at 09:00
    await chat.send("/remind")
    await chat.tap("Mo")
    await chat.tap("Th")
    calls = await chat.tap("• Fr")
    assert answers(calls) == ["⏰ Now every Monday and Thursday at 09:00 (UTC)"]
    assert await pass_at(app, at(2026, 11, 30, 9)) == "1 sent"
    clock.now = at(2026, 11, 30, 9, 5)
    await chat.send("/remind")
    await chat.tap("+1h")
    assert "Next: Thu 3 Dec, 10:00." in chat.last.text
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 12, 3, 10)
    assert await pass_at(app, at(2026, 12, 3, 10)) == "1 sent"
    assert len(nudges_to(api, chat.chat_id)) == 2


# --- 2. a group's move keeps the earlier start -----------------------------------------------------


async def test_a_group_that_became_a_supergroup_keeps_the_earlier_of_the_two_starts(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock
) -> None:
    group, supergroup = -9009, -1_000_000_009_009
    old, new = ChatSession(app, api, group, user_id=9), ChatSession(app, api, supergroup, user_id=9)
    await open_seed_step(old, "1. A typed language + git")  # Friday 27 November
    await old.tap("✅ Mark done")
    clock.advance(days=2)
    await open_seed_step(new, "2. HTTP & REST APIs")  # the supergroup's side, two days later
    await new.tap("✅ Mark done")
    await old.process(api.migration_update(group, supergroup))

    started, _used = (await storage.chat_data.started_at(supergroup))[SEED_ID]
    assert started == at(2026, 11, 27, 9, 30)
    markdown, _ = await export_files(new)
    assert "20% · 2 of 10 steps done · started 27 Nov 2026" in markdown


# --- 3. the streak's week across a year's end ------------------------------------------------------


def test_the_week_of_a_moment_is_its_monday_across_the_ends_of_2026_and_2027() -> None:
    # 2026 has 53 ISO weeks: 1 January 2027 is a Friday of week 53 of 2026, whose Monday is 28 December.
    assert week_of(at(2027, 1, 1, 12)) == dt.date(2026, 12, 28)
    assert week_of(at(2026, 12, 31, 23, 59)) == dt.date(2026, 12, 28)
    # 1 January 2028 is a Saturday of week 52 of 2027.
    assert week_of(at(2028, 1, 1, 12)) == dt.date(2027, 12, 27)
    # 29 December 2025 is in week 1 of 2026.
    assert week_of(at(2025, 12, 31, 12)) == dt.date(2025, 12, 29)
    weeks = {dt.date(2026, 12, 21), dt.date(2026, 12, 28)}
    assert streak_of(weeks, at(2027, 1, 1, 12)) == 2
    assert streak_of({dt.date(2027, 12, 20), dt.date(2027, 12, 27)}, at(2028, 1, 1, 12)) == 2


async def test_progress_on_new_years_day_2027_shows_the_streak_of_the_weeks_around_it(
    chat: ChatSession, clock: Clock
) -> None:
    clock.now = at(2026, 12, 22, 18)  # Tuesday of the week before the last of 2026
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    await chat.tap("✅ Mark done")
    clock.now = at(2026, 12, 30, 18)  # Wednesday of week 53
    await chat.tap("Step 2 ▶", message_id=card)
    await chat.tap("✅ Mark done", message_id=card)
    clock.now = at(2027, 1, 1, 10)  # Friday of the same week 53
    await chat.send("/progress")
    assert "🔥 2 weeks in a row" in chat.last.text


# --- 4. presence of more chats than one chunk ------------------------------------------------------


async def test_presence_of_more_chats_than_a_chunk_wakes_every_one_of_them(app: RoadmapBot, storage: Storage) -> None:
    count = 2 * PRESENCE_CHUNK + 100
    await load_due_reminders(storage, count)
    quiet = {count, count - 1, PRESENCE_CHUNK + 1}  # past the first chunk: paused and blocked
    async with storage.engine.begin() as connection:
        await connection.execute(update(reminders).values(unanswered=2))
        await connection.execute(
            update(reminders).where(reminders.c.chat_id.in_(quiet)).values(status="idle", due_at=None)
        )
    seen = at(2099, 12, 4, 10)
    for chat_id in range(1, count + 1):
        app.services.presence.note(chat_id, seen)
    await app.flush_presence()

    async with storage.engine.connect() as connection:
        rows = (await connection.execute(select(reminders.c.chat_id, reminders.c.unanswered, reminders.c.status))).all()
        days = (await connection.execute(select(chat_days.c.chat_id))).scalars().all()
    assert len(rows) == count
    assert [r.chat_id for r in rows if r.unanswered != 0] == [], "every chat's ignored nudges forgiven"
    assert {r.status for r in rows} == {ReminderStatus.ACTIVE.value}, "the quiet ones are back on"
    assert sorted(days) == list(range(1, count + 1)), "every chat counted as there that day"


# --- 5. the nudge pass writes presence first -------------------------------------------------------


async def test_an_answer_seconds_before_the_pass_counts_for_its_nudge(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, clock: Clock, storage: Storage
) -> None:
    await start_seed(chat)
    first_due = at(2026, 12, 4, 9)
    for week in range(2):
        assert await pass_at(app, first_due + week * dt.timedelta(days=7)) == "1 sent"
    third = first_due + dt.timedelta(days=14)
    clock.now = third - dt.timedelta(seconds=5)
    # The chat writes; the bot's presence job has not run since (no flush after this update).
    await handle(app, api.message_update(chat.chat_id, "/help"))
    assert (await reminder_of(storage, chat.chat_id)).unanswered == 2, "not written yet"

    application = app.application
    assert application.job_queue is not None
    jobs = {job.name: job for job in application.job_queue.jobs()}
    clock.now = third
    await application.start()  # a pass goes on only while the application runs
    application.job_queue.scheduler.pause()  # the job runs by hand here, not on the real clock
    try:
        await jobs["nudges"].run(application)
    finally:
        await application.stop()
    sent = nudges_to(api, chat.chat_id)
    assert len(sent) == 3 and PAUSING not in sent[2], "the answer came before the third nudge"
    reminder = await reminder_of(storage, chat.chat_id)
    assert reminder.status is ReminderStatus.ACTIVE and reminder.unanswered == 1


# --- 6, 7. the import's caps -----------------------------------------------------------------------


def test_an_export_holds_at_most_100_roadmaps_and_500_steps_each(catalog: Catalog) -> None:
    now = at(2026, 11, 27, 9, 30)
    unknown = [{"id": f"gone-{n}", "started_at": "2026-11-01T08:00:00+00:00", "steps": []} for n in range(100)]
    plan = read_export(export_document([seed_entry(1), *unknown[:99]]), catalog, now)
    assert len(plan.roadmaps) == 1 and len(plan.unknown_roadmaps) == MAX_IMPORT_ROADMAPS - 1
    with pytest.raises(ImportProblem) as refused:
        read_export(export_document([seed_entry(1), *unknown]), catalog, now)
    assert (refused.value.reason, refused.value.details) == ("too_many_roadmaps", {"count": 101, "limit": 100})

    plan = read_export(export_document([seed_entry(MAX_IMPORT_STEPS)]), catalog, now)
    assert plan.unknown_steps == MAX_IMPORT_STEPS - 1 and list(plan.roadmaps[0].marks) == ["typed-language-and-git"]
    with pytest.raises(ImportProblem) as refused:
        read_export(export_document([seed_entry(MAX_IMPORT_STEPS + 1)]), catalog, now)
    assert refused.value.reason == "bad_steps"


async def test_a_file_of_101_roadmaps_is_refused_for_that_reason(chat: ChatSession, storage: Storage) -> None:
    unknown = [{"id": f"gone-{n}", "started_at": "2026-11-01T08:00:00+00:00", "steps": []} for n in range(100)]
    await chat.process(
        chat.api.document_update(chat.chat_id, "progress.json", export_document([seed_entry(1), *unknown]))
    )
    assert "it has 101 roadmaps; an export has at most 100" in chat.last.text
    assert chat.last.text.endswith("Nothing was changed.")
    assert await storage.progress.progress_of_chat(chat.chat_id) == []


async def test_a_roadmap_of_exactly_500_steps_is_imported_and_501_refused(chat: ChatSession, storage: Storage) -> None:
    chat = CardChat(chat.app, chat.api, chat.chat_id)  # reads the import's answer, above the first reminder's question
    await chat.process(
        chat.api.document_update(chat.chat_id, "progress.json", export_document([seed_entry(MAX_IMPORT_STEPS + 1)]))
    )
    assert "roadmaps[0].steps: missing, not a list, or over 500 steps" in chat.last.text
    await chat.process(
        chat.api.document_update(chat.chat_id, "progress.json", export_document([seed_entry(MAX_IMPORT_STEPS)]))
    )
    assert chat.last.text.startswith("📥 Imported.\n• Backend Engineer (AI era): 1 of 10 steps done"), chat.last.text
    [progress] = await storage.progress.progress_of_chat(chat.chat_id)
    assert set(progress.marks) == {"typed-language-and-git"}


# --- 8. the round trip keeps when each roadmap was last used ---------------------------------------


async def test_export_forget_import_keeps_the_dates_and_the_roadmap_in_focus(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    chat = CardChat(chat.app, chat.api, chat.chat_id)  # reads the import's answer, above the first reminder's question
    await some_progress(chat, clock)  # the seed roadmap, then Frontend Engineer started later
    clock.advance(hours=1)
    await open_seed_step(chat, "4. Auth & security")  # back to the seed roadmap: it is in focus again
    await chat.tap("🟡 Working on it")
    await chat.send("/progress")
    before = chat.last.text
    assert before.index(SEED) < before.index("Frontend Engineer"), "the roadmap used last comes first"
    dates = await storage.chat_data.started_at(chat.chat_id)
    _, data = await export_files(chat)

    await chat.send("/forget")
    await chat.tap("🧹 Yes, forget it all")
    clock.advance(days=3)
    await chat.process(chat.api.document_update(chat.chat_id, "progress.json", data))
    assert chat.last.text.startswith("📥 Imported.")
    assert await storage.chat_data.started_at(chat.chat_id) == dates
    await chat.send("/progress")
    after = chat.last.text
    assert after.index(SEED) < after.index("Frontend Engineer"), "the same roadmap first"
    await chat.send("/next")
    assert chat.last.text.startswith(f"🗺 {SEED} · Step 2 of 10"), "the next step of the roadmap in focus"


# --- 9. places whose zone has three parts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("indianapolis", "America/Indiana/Indianapolis"),
        ("Louisville", "America/Kentucky/Louisville"),
        ("Berlin", "Europe/Berlin"),
    ],
)
def test_a_place_is_found_by_the_last_part_of_its_zone(typed: str, zone: str) -> None:
    assert canonical_timezone(typed) == zone


async def test_timezone_buenos_aires_is_taken(chat: ChatSession, storage: Storage) -> None:
    await start_seed(chat)
    await chat.send("/timezone Buenos Aires")
    assert "(America/Argentina/Buenos_Aires)" in chat.last.text
    assert (await reminder_of(storage, chat.chat_id)).timezone == "America/Argentina/Buenos_Aires"


# --- 10. the pacer's rate --------------------------------------------------------------------------


async def test_the_bots_pacer_sends_no_more_than_29_messages_a_second(app: RoadmapBot) -> None:
    limits = app.application.bot.rate_limiter
    assert isinstance(limits, TelegramLimits)
    loop = asyncio.get_running_loop()
    moments: list[float] = []

    async def send(chat_id: int) -> bool:
        moments.append(loop.time())
        return True

    messages = 15
    await asyncio.gather(
        *(limits.process_request(send, (n,), {}, "sendMessage", {"chat_id": n}, None) for n in range(messages))
    )
    assert len(moments) == messages
    # Spaced 1/29 s apart, fifteen messages span at least 14/29 s; the clock's resolution aside.
    assert moments[-1] - moments[0] >= 0.9 * (messages - 1) / MESSAGES_PER_SECOND


# --- 11. the webhook's body limit ------------------------------------------------------------------


def padded_update(api: FakeBotAPI, size: int) -> bytes:
    """A /help message update padded with JSON whitespace to exactly `size` bytes."""
    body = json.dumps(api.message_update(4242, "/help")).encode()
    return body + b" " * (size - len(body))


async def streamed(body: bytes) -> AsyncIterator[bytes]:
    """A body sent without a length, in pieces."""
    for start in range(0, len(body), 65536):
        yield body[start : start + 65536]


async def test_an_update_of_exactly_the_limit_is_handled_and_one_byte_more_is_413(
    app: RoadmapBot, api: FakeBotAPI
) -> None:
    headers = {SECRET_HEADER: WEBHOOK_SECRET}
    async with webhook_client(app) as client:
        for body, status in (
            (padded_update(api, MAX_UPDATE_BYTES), 200),
            (padded_update(api, MAX_UPDATE_BYTES + 1), 413),
        ):
            assert len(body) in (1_000_000, 1_000_001)
            declared = await client.post("/hooks/telegram", content=body, headers=headers)
            chunked = await client.post("/hooks/telegram", content=streamed(body), headers=headers)
            assert (declared.status_code, chunked.status_code) == (status, status)
    helped = [c for c in api.calls_of("sendMessage", 4242) if c.ok]
    assert len(helped) == 2, "both deliveries of the update at the limit were answered"


# --- 12, 13. two claims at once on PostgreSQL --------------------------------------------------------


async def test_a_claim_takes_other_rows_at_once_while_another_claim_holds_some(storage: Storage) -> None:
    if storage.database.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: a claim waits for the other (test_nudges.py)")
    await load_due_reminders(storage, 4)
    due = at(2099, 12, 4, 9, 30)
    hold = due + dt.timedelta(days=7)
    async with storage.engine.connect() as first:
        # A first claim holds chats 1 and 2 (its transaction open: a pass still sending).
        held = select(reminders.c.chat_id).where(reminders.c.chat_id.in_([1, 2])).with_for_update()
        assert sorted((await first.execute(held)).scalars()) == [1, 2]
        claimed = await asyncio.wait_for(storage.nudges.claim_due_reminders(due, 10, hold), 10)
        assert sorted(r.chat_id for r in claimed) == [3, 4], "the rows nobody holds, without waiting"
        await first.rollback()
    claimed = await storage.nudges.claim_due_reminders(due, 10, hold)
    assert sorted(r.chat_id for r in claimed) == [1, 2], "the held ones once let go; the claimed ones not again"
