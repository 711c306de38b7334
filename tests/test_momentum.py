"""Streak and pace, from the times steps were done."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import insert, update

from bot.application import RoadmapBot
from progress import Marking, Momentum, Progress, StepState, pace_of, started_roadmaps, streak_shown, weekly_streak
from progress.model import Mark
from progress.momentum import PACE_WINDOW, done_since
from progress.nudges import LATELY
from roadmaps import Catalog, Level, Roadmap, Signals, Step
from storage import Storage
from storage.momentum_reads import momentum_statement
from storage.tables import reminders, step_states
from tests.fakebotapi import FakeBotAPI
from tests.support import ChatSession, Clock, at, open_seed_step, pass_at, reminder_of

SIGNALS = Signals(Level.HIGH, Level.HIGH, Level.LOW)
ROADMAP = Roadmap(
    "demo", "Demo", "A demo.", SIGNALS, tuple(Step(f"s{n}", f"S{n}", "Text.", SIGNALS) for n in range(20))
)
NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)  # a Friday


def done_at(*days_ago: float, state: StepState = StepState.DONE) -> Progress:
    return Progress("demo", {f"s{n}": Mark(state, NOW - dt.timedelta(days=d)) for n, d in enumerate(days_ago)})


def test_a_streak_counts_weeks_in_a_row_with_a_step_done() -> None:
    assert weekly_streak([done_at()], NOW) == 0
    assert weekly_streak([done_at(0)], NOW) == 1
    assert weekly_streak([done_at(0, 7, 14)], NOW) == 3
    assert weekly_streak([done_at(0, 14)], NOW) == 1, "a week without a step breaks it"
    assert weekly_streak([done_at(7, 14)], NOW) == 2, "this week is not over yet: the streak holds"
    assert weekly_streak([done_at(14, 21)], NOW) == 0
    assert weekly_streak([done_at(0, 7, state=StepState.SKIPPED)], NOW) == 0, "skipping is not doing"
    assert weekly_streak([done_at(0), done_at(7)], NOW) == 2, "across roadmaps"


def test_pace_is_steps_a_week_lately_and_the_day_the_rest_would_be_done() -> None:
    assert pace_of(done_at(), ROADMAP, NOW) is None
    assert pace_of(done_at(40, 50), ROADMAP, NOW) is None, "nothing done in the last four weeks"
    pace = pace_of(done_at(1, 3, 8, 10, 15, 22, 30), ROADMAP, NOW)  # six steps in the last four weeks
    assert pace is not None and pace.steps_per_week == 1.5
    assert pace.finish_on == (NOW + dt.timedelta(weeks=13 / 1.5)).date()  # 13 steps left
    fresh = pace_of(done_at(0, 1, 2), ROADMAP, NOW)
    assert fresh is not None and fresh.steps_per_week == 3.0, "a first week counts as a whole week"


def marks(**days_ago: tuple[StepState, float]) -> Progress:
    """Marks by step id: (state, days ago)."""
    return Progress("demo", {step: Mark(state, NOW - dt.timedelta(days=d)) for step, (state, d) in days_ago.items()})


def test_the_pace_s_window_is_four_weeks_to_the_second() -> None:
    window = 28
    assert pace_of(done_at(window), ROADMAP, NOW) is None, "exactly four weeks ago is outside"
    pace = pace_of(done_at(window - 1 / 86400), ROADMAP, NOW)  # a second inside
    assert pace is not None and round(pace.steps_per_week, 3) == 0.25, "one step over (almost) four weeks"


def test_the_pace_counts_since_the_first_step_when_that_is_sooner_but_at_least_a_week() -> None:
    pace = pace_of(done_at(14, 0), ROADMAP, NOW)  # the first step two weeks ago: two over two weeks
    assert pace is not None and pace.steps_per_week == 1.0
    assert pace.finish_on == (NOW + dt.timedelta(weeks=18)).date(), "18 steps left at one a week"
    pace = pace_of(done_at(3.5), ROADMAP, NOW)  # half a week ago: counted as a week
    assert pace is not None and pace.steps_per_week == 1.0


def test_the_steps_left_are_those_to_do_or_in_progress() -> None:
    progress = marks(
        s0=(StepState.DONE, 1),
        s1=(StepState.SKIPPED, 1),
        s2=(StepState.WORKING, 1),
        s3=(StepState.DONE, 2),
    )
    pace = pace_of(progress, ROADMAP, NOW)  # two done in a first week: two a week; 17 left (16 untouched, 1 working)
    assert pace is not None and pace.steps_per_week == 2.0
    assert pace.finish_on == (NOW + dt.timedelta(weeks=17 / 2)).date()
    everything = marks(**{f"s{n}": (StepState.DONE if n < 10 else StepState.SKIPPED, 1) for n in range(20)})
    assert pace_of(everything, ROADMAP, NOW) is None, "nothing left: no finishing day"


def test_steps_done_since_a_moment_are_those_after_it() -> None:
    progress = marks(s0=(StepState.DONE, 2), s1=(StepState.DONE, 1), s2=(StepState.SKIPPED, 0.5))
    assert done_since([progress], NOW - dt.timedelta(days=2)) == 1, "the one done at that moment is not after it"
    assert done_since([progress, marks(s5=(StepState.DONE, 0))], NOW - dt.timedelta(days=3)) == 3


def test_a_streak_is_shown_from_its_second_week() -> None:
    """One week "in a row" is no row yet: a streak is shown from two weeks on, everywhere."""
    assert [streak_shown(weeks) for weeks in range(5)] == [False, False, True, True, True]


# --- through the bot and the batch read of a nudge pass ---------------------------------------------

NUDGE_START = "⏰ <b>Your next step</b>"


def nudges_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The texts of the nudges a chat was sent."""
    return [c.params["text"] for c in api.calls_of("sendMessage", chat_id) if c.params["text"].startswith(NUDGE_START)]


async def mark_next_done(chat: ChatSession) -> None:
    """/next, and its step marked done."""
    await chat.send("/next")
    await chat.tap("✅ Mark done")


async def test_progress_shows_the_streak_from_its_second_week(chat: ChatSession, clock: Clock) -> None:
    """/progress says nothing of a streak while only this week has a step done, and "🔥 2 weeks in
    a row" once the week after has one too."""
    await open_seed_step(chat, "1. A typed language + git")  # Friday 27 November
    await chat.tap("✅ Mark done")
    await chat.send("/progress")
    assert "📈" in chat.last.text and "🔥" not in chat.last.text and "in a row" not in chat.last.text
    clock.advance(days=7)
    await mark_next_done(chat)
    await chat.send("/progress")
    assert "🔥 2 weeks in a row" in chat.last.text


async def test_a_first_nudge_counts_the_steps_done_in_the_seven_days_before_it(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, clock: Clock, storage: Storage
) -> None:
    """Before its first nudge a chat has no last nudge to count from: the steps done in the seven
    days before the nudge are its steps done lately; the first, done more than a week before, is not."""
    await open_seed_step(chat, "1. A typed language + git")  # Friday 27 November, 09:30
    await chat.tap("✅ Mark done")
    due = (await reminder_of(storage, chat.chat_id)).due_at
    assert due is not None and due - clock.now > dt.timedelta(days=7), "the first mark falls outside the seven days"
    clock.advance(days=3)
    await mark_next_done(chat)
    await mark_next_done(chat)
    assert await pass_at(app, due) == "1 sent"
    [nudge] = nudges_to(api, chat.chat_id)
    assert "✅ 2 steps done in the last seven days. Keep it going!" in nudge


async def momentum_of_own(storage: Storage, catalog: Catalog, chat_id: int, now: dt.datetime) -> Momentum:
    """A chat's momentum by its own marks and momentum's per-chat rules, as /progress works it out."""
    progresses = await storage.progress.progress_of_chat(chat_id)
    last_sent = (await reminder_of(storage, chat_id)).last_sent_at
    paces = {r.id: pace for r, p in started_roadmaps(catalog, progresses) if (pace := pace_of(p, r, now)) is not None}
    return Momentum(done_since(progresses, last_sent or now - LATELY), weekly_streak(progresses, now), paces)


async def test_the_batch_read_draws_the_edges_where_a_chat_s_own_rules_draw_them(
    storage: Storage, catalog: Catalog
) -> None:
    """A step done at the very moment of the chat's last nudge (or, before its first, exactly seven
    days ago) is not done lately, and one done exactly four weeks ago is outside the pace's window:
    in the batch read of a nudge pass as in the rules /progress uses."""
    seed, now = catalog.roadmaps[0], NOW
    nudged = now - dt.timedelta(days=3)

    async def done(chat_id: int, index: int, moment: dt.datetime) -> None:
        step = seed.steps[index]
        await storage.progress.set_step_state(chat_id, seed.id, step, StepState.DONE, now, by=Marking(marked_at=moment))

    for chat_id in (1, 2):
        await done(chat_id, 0, now - PACE_WINDOW)  # exactly four weeks ago
    await done(1, 1, nudged)  # at the moment of chat 1's last nudge
    await done(1, 2, nudged + dt.timedelta(seconds=1))
    await done(2, 1, now - LATELY)  # chat 2 was never nudged: exactly seven days ago
    await done(2, 2, now - LATELY + dt.timedelta(seconds=1))
    async with storage.engine.begin() as connection:
        await connection.execute(update(reminders).where(reminders.c.chat_id == 1), {"last_sent_at": nudged})
    batch = await storage.nudges.momentum_of_chats(catalog, [1, 2], now, now - LATELY)
    for chat_id in (1, 2):
        assert batch[chat_id] == await momentum_of_own(storage, catalog, chat_id, now), f"chat {chat_id}"
        assert batch[chat_id].done_lately == 1, f"chat {chat_id}: the step done at the edge is not done lately"
        # Two steps in the window of four weeks, which opens with the first step (not counted): half a step a week.
        assert batch[chat_id].paces[seed.id].steps_per_week == 0.5, f"chat {chat_id}"


async def test_the_momentum_statement_gives_a_row_a_week_for_each_chat_and_roadmap_of_the_batch(
    storage: Storage, catalog: Catalog
) -> None:
    """The statement a nudge pass reads momentum with gives, for each chat of the batch (no other)
    and roadmap, one row a week (its Monday, in UTC) of steps done or skipped: how many were done,
    done since the last nudge, done in the pace's window, the first done, and how many of the
    roadmap's own steps are done or skipped; a step since removed counts for the first two only."""
    seed, now = catalog.roadmaps[0], NOW  # Friday 27 November 2026, 12:00 UTC
    nudged = at(2026, 11, 24)  # chat 1's last nudge: Tuesday 00:00

    async def mark(chat_id: int, index: int, state: StepState, moment: dt.datetime) -> None:
        await storage.progress.set_step_state(
            chat_id, seed.id, seed.steps[index], state, now, by=Marking(marked_at=moment)
        )

    await mark(1, 0, StepState.DONE, at(2026, 10, 20, 12))  # five weeks ago: outside the pace's window
    await mark(1, 1, StepState.DONE, at(2026, 11, 22, 23, 59, 59))  # the last second of last week
    await mark(1, 2, StepState.DONE, at(2026, 11, 23))  # the first second of this week, before the nudge
    await mark(1, 3, StepState.SKIPPED, at(2026, 11, 24, 12))
    await mark(1, 4, StepState.WORKING, at(2026, 11, 25, 12))  # neither done nor skipped: not read
    removed = {"chat_id": 1, "roadmap_id": seed.id, "step_id": "a-step-since-removed", "state": "done"}
    async with storage.engine.begin() as connection:
        await connection.execute(insert(step_states), {**removed, "changed_at": at(2026, 11, 25, 12)})
        await connection.execute(update(reminders).where(reminders.c.chat_id == 1), {"last_sent_at": nudged})
    await mark(2, 0, StepState.DONE, at(2026, 11, 25, 12))  # a chat outside the batch
    await mark(3, 0, StepState.WORKING, at(2026, 11, 25, 12))  # in the batch, nothing done or skipped

    statement = momentum_statement(catalog, storage.database.dialect)
    params = {"chats": [1, 3], "lately": now - LATELY, "window": now - PACE_WINDOW}
    async with storage.engine.connect() as connection:
        rows = (await connection.execute(statement, params)).all()
    read = sorted((r.chat_id, r.roadmap_id, r.week, r.done, r.lately, r.recent, r.first_done, r.finished) for r in rows)
    assert read == [
        (1, seed.id, dt.date(2026, 10, 19), 1, 0, 0, at(2026, 10, 20, 12), 1),
        (1, seed.id, dt.date(2026, 11, 16), 1, 0, 1, at(2026, 11, 22, 23, 59, 59), 1),
        (1, seed.id, dt.date(2026, 11, 23), 2, 1, 1, at(2026, 11, 23), 2),
    ]


async def test_a_step_the_roadmap_no_longer_has_counts_for_the_streak_not_for_the_pace(
    storage: Storage, catalog: Catalog
) -> None:
    """A mark of a step since removed from its roadmap still says a step was done that week (the
    streak), but the pace counts the roadmap's own steps only: its window opens with the first of
    those, in the batch read of a nudge pass as in the rules /progress uses."""
    seed, now = catalog.roadmaps[0], NOW  # Friday 27 November
    for index, days in ((0, 3), (1, 2)):  # Tuesday and Wednesday of this week
        moment = now - dt.timedelta(days=days)
        await storage.progress.set_step_state(
            1, seed.id, seed.steps[index], StepState.DONE, now, by=Marking(marked_at=moment)
        )
    removed = {"chat_id": 1, "roadmap_id": seed.id, "step_id": "a-step-since-removed", "state": "done"}
    async with storage.engine.begin() as connection:  # Tuesday of last week
        await connection.execute(insert(step_states), {**removed, "changed_at": now - dt.timedelta(days=10)})
    batch = await storage.nudges.momentum_of_chats(catalog, [1], now, now - LATELY)
    assert batch[1] == await momentum_of_own(storage, catalog, 1, now)
    assert batch[1].streak == 2, "last week's step counts for the streak"
    # Two steps since the first of the roadmap's own, three days ago: at least a week, so two a week.
    assert batch[1].paces[seed.id].steps_per_week == 2.0
    assert batch[1].done_lately == 2


async def test_the_batch_read_follows_a_reloaded_catalog_s_steps(storage: Storage, catalog: Catalog) -> None:
    """A catalog reloaded with a step fewer is read by its own steps: the statement the store keeps
    for the catalog it read with last is built again for another one."""
    seed, now = catalog.roadmaps[0], NOW
    for index, days in ((0, 3), (1, 2)):  # Tuesday and Wednesday of this week
        moment = now - dt.timedelta(days=days)
        await storage.progress.set_step_state(
            1, seed.id, seed.steps[index], StepState.DONE, now, by=Marking(marked_at=moment)
        )
    before = await storage.nudges.momentum_of_chats(catalog, [1], now, now - LATELY)
    reloaded = Catalog((dataclasses.replace(seed, steps=seed.steps[1:]),))  # its first step gone
    after = await storage.nudges.momentum_of_chats(reloaded, [1], now, now - LATELY)
    assert before[1] == await momentum_of_own(storage, catalog, 1, now)
    assert after[1] == await momentum_of_own(storage, reloaded, 1, now)
    assert before[1].paces[seed.id] != after[1].paces[seed.id], "the pace counts the reloaded roadmap's steps"
