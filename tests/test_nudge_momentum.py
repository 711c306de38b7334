"""What a nudge says beyond the step (steps done since the last nudge, the streak, the pace), read for a whole
batch of chats at once: the same figures as each chat's own, and statements that do not grow with
the number of chats."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

from sqlalchemy import event, insert, select, update

from bot.application import RoadmapBot
from handlers.line_views import pace_line, streak_line
from progress import Marking, Momentum, StepState, done_since, pace_of, place_from, started_roadmaps, weekly_streak
from progress.nudges import LATELY
from roadmaps import Catalog
from storage import Storage
from storage.tables import reminders, step_states
from tests.fakebotapi import FakeBotAPI
from tests.support import pass_at, reminder_of, start_roadmap

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
STARTED = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)  # a Friday; the first nudges are due a week on
DUE = dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC)  # the first reminder's first suggestion
NUDGE_START = "⏰ <b>Your next step</b>"


def nudges_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The texts of the nudges a chat was sent (and Telegram took)."""
    calls = api.calls_of("sendMessage", chat_id)
    return [c.params["text"] for c in calls if c.ok and c.params["text"].startswith(NUDGE_START)]


@contextmanager
def statements(storage: Storage) -> Iterator[list[str]]:
    """The SQL of every statement the storage's engine runs meanwhile (an executemany counts once)."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = storage.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


async def learners(storage: Storage, catalog: Catalog, chat_ids: range, started: dt.datetime, seed: int) -> None:
    """Chats with marks of every kind over the last eight weeks: steps done, skipped and in progress
    on one to three roadmaps, a mark of a step the roadmap no longer has, and some nudged before."""
    rng = random.Random(seed)
    for chat_id in chat_ids:
        for roadmap in rng.sample(catalog.roadmaps, rng.randint(1, 3)):
            for step in rng.sample(roadmap.steps, rng.randint(1, min(8, len(roadmap.steps)))):
                state = rng.choice([StepState.DONE, StepState.DONE, StepState.SKIPPED, StepState.WORKING])
                marked_at = started - dt.timedelta(minutes=rng.randint(0, 8 * 7 * 24 * 60))
                await storage.progress.set_step_state(
                    chat_id, roadmap.id, step, state, started, by=Marking(marked_at=marked_at)
                )
        async with storage.engine.begin() as connection:
            if chat_id % 3 == 0:
                removed = {
                    "chat_id": chat_id,
                    "step_id": "a-step-since-removed",
                    "state": "done",
                    "changed_at": started,
                }
                await connection.execute(insert(step_states), {"roadmap_id": roadmap.id, **removed})
            if chat_id % 2 == 0:
                last_sent = started - dt.timedelta(hours=rng.randint(1, 20 * 24))
                await connection.execute(
                    update(reminders).where(reminders.c.chat_id == chat_id), {"last_sent_at": last_sent}
                )


async def own_momentum(storage: Storage, catalog: Catalog, chat_id: int, now: dt.datetime) -> Momentum:
    """A chat's momentum from its own marks, by momentum's per-chat rules."""
    progresses = await storage.progress.progress_of_chat(chat_id)
    reminder = await reminder_of(storage, chat_id)
    paces = {r.id: pace for r, p in started_roadmaps(catalog, progresses) if (pace := pace_of(p, r, now)) is not None}
    done = done_since(progresses, reminder.last_sent_at or now - LATELY)
    return Momentum(done, weekly_streak(progresses, now), paces)


async def test_the_batch_read_gives_each_chat_the_momentum_its_own_marks_give(
    storage: Storage, catalog: Catalog
) -> None:
    chat_ids = range(1, 41)
    await learners(storage, catalog, chat_ids, STARTED, seed=18)
    now = DUE + dt.timedelta(minutes=5)
    batch = await storage.nudges.momentum_of_chats(catalog, list(chat_ids), now, now - LATELY)
    for chat_id in chat_ids:
        assert batch[chat_id] == await own_momentum(storage, catalog, chat_id, now), f"chat {chat_id}"
    assert sum(bool(m.streak) for m in batch.values()) > 10 and sum(bool(m.paces) for m in batch.values()) > 10
    assert sum(bool(m.done_lately) for m in batch.values()) > 10, "the examples cover what they should"


async def test_each_nudge_of_a_pass_says_what_its_chat_did_lately(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, catalog: Catalog
) -> None:
    chat_ids = range(1, 31)
    await learners(storage, catalog, chat_ids, STARTED, seed=4)
    now = DUE + dt.timedelta(minutes=5)
    expected = {chat_id: await own_momentum(storage, catalog, chat_id, now) for chat_id in chat_ids}
    nudged_before = {chat_id: (await reminder_of(storage, chat_id)).last_sent_at is not None for chat_id in chat_ids}
    assert 0 < sum(nudged_before.values()) < len(chat_ids), "both kinds of chat are in the pass"
    assert await pass_at(app, now) == "30 sent"
    for chat_id in chat_ids:
        [text] = nudges_to(api, chat_id)
        momentum = expected[chat_id]
        place = place_from(catalog, await storage.progress.progress_of_chat(chat_id), None)
        assert place.next is not None
        lead = place.next[0]
        done, since = (
            momentum.done_lately,
            "since my last reminder" if nudged_before[chat_id] else "in the last seven days",
        )
        assert (f"✅ {done} step{'s' if done != 1 else ''} done {since}" if done else f"No steps done {since}") in text
        streak = streak_line(momentum.streak)
        assert (streak in text) if streak else ("🔥" not in text), f"chat {chat_id}"
        pace = momentum.paces.get(lead.id)
        assert (pace_line(pace, now.date()) in text) if pace else ("⏱" not in text), f"chat {chat_id}"


async def test_a_nudge_says_the_steps_done_the_streak_and_the_pace(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, catalog: Catalog
) -> None:
    seed = catalog.roadmaps[0]
    days_ago = {0: 1, 1: 8, 2: 15, 3: 16}  # step index: done that many days before STARTED
    for index, days in days_ago.items():
        step = seed.steps[index]
        await storage.progress.set_step_state(
            7, seed.id, step, StepState.DONE, STARTED, by=Marking(marked_at=STARTED - days * DAY)
        )
    await storage.progress.set_step_state(7, seed.id, seed.steps[4], StepState.SKIPPED, STARTED)
    now = DUE + dt.timedelta(minutes=5)
    assert await pass_at(app, now) == "1 sent"
    [text] = nudges_to(api, 7)
    assert f"<b>{escape(seed.steps[5].title)}</b>" in text
    assert "No steps done in the last seven days" in text, (
        "the last step was done eight days before the nudge, less 25 minutes"
    )
    # Weeks of 23 Nov (3 days before), 16 Nov and 9 Nov (two steps): this week has none yet.
    assert "🔥 3 weeks in a row" in text
    # Four steps in the 23 days since the first: 1.2 a week; five steps left: about four weeks.
    assert "⏱ At 1.2 steps a week you finish around 3 January 2027" in text


async def test_a_pass_reads_momentum_in_as_many_statements_for_thirty_chats_as_for_three(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, catalog: Catalog
) -> None:
    await learners(storage, catalog, range(1, 4), STARTED, seed=1)  # due at DUE
    await learners(storage, catalog, range(4, 34), STARTED + 3 * DAY, seed=2)  # a Monday: due three days later
    # Their welcomes dealt with first (they started: none is sent), so both passes below are alike.
    assert await pass_at(app, STARTED + 6 * DAY + dt.timedelta(hours=1)) == "nothing due"
    with statements(storage) as three:
        assert await pass_at(app, DUE + dt.timedelta(minutes=5)) == "3 sent"
    with statements(storage) as thirty:
        assert await pass_at(app, DUE + 3 * DAY + dt.timedelta(minutes=5)) == "30 sent"
    reading_marks = [[s for s in run if "step_states" in s] for run in (three, thirty)]
    assert len(reading_marks[0]) == len(reading_marks[1]) == 2, "progress and momentum: one read each a batch"
    assert len(three) == len(thirty), "no statement a chat"
    assert all(len(nudges_to(api, chat_id)) == 1 for chat_id in range(1, 34))


async def test_a_batch_that_ends_several_ways_records_each_chat_as_its_nudge_ended(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, catalog: Catalog
) -> None:
    for chat_id in range(1, 7):
        await start_roadmap(storage, chat_id, catalog.roadmaps[0], STARTED)
    api.fail("sendMessage", "Forbidden: bot was blocked by the user", error_code=403, times=2)
    now = DUE + dt.timedelta(minutes=5)
    assert await pass_at(app, now) == "2 blocked, 4 sent"
    async with storage.engine.connect() as connection:
        rows = {row.chat_id: row for row in await connection.execute(select(reminders))}
    blocked = [chat_id for chat_id in rows if not nudges_to(api, chat_id)]
    assert len(blocked) == 2
    for chat_id, row in rows.items():
        assert row.claimed_at is None, "every claim is over"
        if chat_id in blocked:
            assert (row.status, row.due_at, row.stopped_at, row.last_sent_at) == ("blocked", None, now, None)
            assert row.unanswered == 0, "a nudge that never went is not unanswered"
        else:
            assert (row.status, row.due_at, row.stopped_at, row.last_sent_at) == ("active", DUE + WEEK, None, now)
            assert row.unanswered == 1
