"""The rules over the calendar's edges, with a clock the tests set: the year boundaries of 2026/2027
(2026 has an ISO week 53: 1 January 2027 is in it) and 2027/2028, the daylight-saving changes of
2027 in both hemispheres (Berlin, New York, Sydney, Santiago, whose changes fall at midnight), and
the leap day of 2028: the weekly slot rule, the nudge plan, the streak and pace, the operator's
ISO weeks, and the dates a person reads."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from bot.application import RoadmapBot
from bot.stats import document
from progress import Progress, Reminder, ReminderStatus, StepState, pace_of, weekly_streak
from progress.model import Mark
from progress.momentum import streak_of, week_of
from progress.nudges import MAX_FAILURES, after_failure
from progress.schedule import first_slot, next_due, next_slot, snoozed_until
from progress.stats import ChatState, Visits, iso_week, next_digest, state_of
from progress.stats import week_of as stats_week_of
from roadmaps import Catalog, Level, Roadmap, Signals, Step
from storage import Storage
from storage.stats_sql import Period
from tests.fakebotapi import FakeBotAPI
from tests.support import ChatSession, Clock, at, export_files, open_seed_step, pass_at, reminder_of

UTC = dt.UTC
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
WEEK = dt.timedelta(days=7)
NUDGE_START = "⏰ <b>Your next step</b>"


# --- the weekly slot rule --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekday", "hour", "zone", "after", "expected"),
    [
        # The year's end: 1 January 2027 is a Friday (ISO week 53 of 2026), 1 January 2028 a Saturday.
        (FRIDAY, 9, "UTC", at(2026, 12, 31, 12), at(2027, 1, 1, 9)),
        (THURSDAY, 9, "UTC", at(2026, 12, 31, 9), at(2027, 1, 7, 9)),
        (SATURDAY, 10, "Europe/Berlin", at(2027, 12, 25, 9), at(2028, 1, 1, 9)),
        # Friday 1 January 2027, 09:00 in Sydney (summer time, UTC+11) is still 2026 in UTC.
        (FRIDAY, 9, "Australia/Sydney", at(2026, 12, 30, 0), at(2026, 12, 31, 22)),
        (SATURDAY, 9, "America/Santiago", at(2027, 12, 31, 0), at(2028, 1, 1, 12)),  # summer there: UTC-3
        # Friday 21:00 in New York is Saturday in UTC: Friday 23:00 there is still to come, on New Year's Day.
        (FRIDAY, 23, "America/New_York", at(2027, 1, 2, 2), at(2027, 1, 2, 4)),
        # Berlin, 2027: summer time from Sunday 28 March (02:00 skipped), to Sunday 31 October (02:00 twice).
        (SUNDAY, 2, "Europe/Berlin", at(2027, 3, 27, 12), at(2027, 3, 28, 1)),  # read with the offset before
        (SUNDAY, 9, "Europe/Berlin", at(2027, 3, 28, 1), at(2027, 3, 28, 7)),
        (SUNDAY, 2, "Europe/Berlin", at(2027, 10, 30, 12), at(2027, 10, 31, 0)),  # its first occurrence
        (SUNDAY, 9, "Europe/Berlin", at(2027, 10, 30, 12), at(2027, 10, 31, 8)),
        # New York, 2027: from Sunday 14 March (02:00 skipped) to Sunday 7 November (01:00 twice).
        (MONDAY, 9, "America/New_York", at(2027, 3, 8, 14), at(2027, 3, 15, 13)),
        (SUNDAY, 2, "America/New_York", at(2027, 3, 13, 12), at(2027, 3, 14, 7)),
        (SUNDAY, 1, "America/New_York", at(2027, 11, 6, 12), at(2027, 11, 7, 5)),
        # Sydney, 2027: summer time ends Sunday 4 April (02:00 twice), starts Sunday 3 October (02:00 skipped).
        (MONDAY, 9, "Australia/Sydney", at(2027, 3, 28, 22), at(2027, 4, 4, 23)),
        (SUNDAY, 2, "Australia/Sydney", at(2027, 4, 3, 0), at(2027, 4, 3, 15)),
        (SUNDAY, 2, "Australia/Sydney", at(2027, 10, 2, 0), at(2027, 10, 2, 16)),
        # Santiago, 2027: summer time ends at Sunday 4 April's midnight (Saturday 23:00 twice) and starts
        # at Sunday 5 September's (00:00 skipped).
        (SATURDAY, 23, "America/Santiago", at(2027, 4, 3, 12), at(2027, 4, 4, 2)),
        (SUNDAY, 0, "America/Santiago", at(2027, 9, 4, 12), at(2027, 9, 5, 4)),
        (MONDAY, 9, "America/Santiago", at(2027, 3, 29, 12), at(2027, 4, 5, 13)),
        # The leap day: Tuesday 29 February 2028.
        (TUESDAY, 9, "UTC", at(2028, 2, 28, 9), at(2028, 2, 29, 9)),
        (TUESDAY, 9, "UTC", at(2028, 2, 29, 9), at(2028, 3, 7, 9)),
        (TUESDAY, 0, "Australia/Sydney", at(2028, 2, 27, 0), at(2028, 2, 28, 13)),
    ],
)
def test_the_next_slot_over_year_ends_summer_time_and_the_leap_day(
    weekday: int, hour: int, zone: str, after: dt.datetime, expected: dt.datetime
) -> None:
    assert next_slot({weekday}, hour, zone, after) == expected


def test_a_chat_starting_a_week_before_the_leap_day_is_first_due_on_it() -> None:
    # The first suggestion: that weekday's evening, about a week on.
    assert first_slot(at(2028, 2, 22, 9, 30)) == (frozenset({TUESDAY}), 19, at(2028, 2, 29, 19))
    assert first_slot(at(2026, 12, 25, 9, 30)) == (frozenset({FRIDAY}), 19, at(2027, 1, 1, 19))
    # In the chat's own zone: Friday 20:30 in Sydney, first due at 19:00 there a week on.
    assert first_slot(at(2026, 12, 25, 9, 30), "Australia/Sydney") == (frozenset({FRIDAY}), 19, at(2027, 1, 1, 8))
    # Already Saturday in Berlin: a weekend mark's first reminder is Monday evening, over a week on.
    assert first_slot(at(2026, 11, 27, 23, 30), "Europe/Berlin") == (frozenset({MONDAY}), 19, at(2026, 12, 7, 18))


@pytest.mark.parametrize(
    ("weekdays", "now", "last_sent", "expected"),
    [
        # A change of hour right after a nudge on New Year's Eve: the next day of the week still comes.
        ({THURSDAY, FRIDAY}, at(2026, 12, 31, 9, 5), at(2026, 12, 31, 9), at(2027, 1, 1, 10)),
        ({FRIDAY}, at(2027, 1, 1, 9, 5), at(2027, 1, 1, 9), at(2027, 1, 8, 10)),
        ({MONDAY, TUESDAY}, at(2028, 2, 28, 9, 5), at(2028, 2, 28, 9), at(2028, 2, 29, 10)),
        ({SATURDAY}, at(2027, 12, 25, 9, 5), at(2027, 12, 25, 9), at(2028, 1, 1, 10)),
    ],
)
def test_the_gap_after_a_nudge_over_the_year_end_and_the_leap_day(
    weekdays: set[int], now: dt.datetime, last_sent: dt.datetime, expected: dt.datetime
) -> None:
    assert next_due(weekdays, 10, "UTC", now, last_sent) == expected


def test_this_evening_is_19_local_on_the_days_summer_time_changes() -> None:
    # Santiago leaves summer time at Sunday 4 April's midnight: Saturday evening is still UTC-3.
    assert snoozed_until("evening", at(2027, 4, 3, 12), "America/Santiago") == at(2027, 4, 3, 22)
    assert snoozed_until("evening", at(2027, 4, 4, 12), "America/Santiago") == at(2027, 4, 4, 23)
    # Sydney enters it on Sunday 3 October: 19:00 that evening is UTC+11.
    assert snoozed_until("evening", at(2027, 10, 3, 0), "Australia/Sydney") == at(2027, 10, 3, 8)
    assert snoozed_until("evening", at(2026, 12, 31, 10), "UTC") == at(2026, 12, 31, 19)
    assert snoozed_until("evening", at(2026, 12, 31, 18), "UTC") == at(2027, 1, 1, 19)


# --- the nudge plan: retries and giving up over the year's end -----------------------------------


def test_a_failed_nudge_is_retried_over_midnight_and_given_up_for_the_next_slot_in_the_new_year() -> None:
    reminder = Reminder(1, ReminderStatus.ACTIVE, frozenset({FRIDAY}), 9, "UTC", at(2026, 12, 31, 23, 58))
    retry = after_failure(reminder, 1, at(2026, 12, 31, 23, 58), at(2027, 1, 7, 23, 58))
    assert (retry.due_at, retry.failures) == (at(2027, 1, 1, 0, 3), 1)
    tired = Reminder(1, ReminderStatus.ACTIVE, frozenset({FRIDAY}), 9, "UTC", None, failures=MAX_FAILURES - 1)
    given_up = after_failure(tired, 1, at(2027, 1, 1, 10), at(2027, 1, 8, 10))
    assert (given_up.due_at, given_up.failures) == (at(2027, 1, 8, 9), 0)
    leap = Reminder(1, ReminderStatus.ACTIVE, frozenset({TUESDAY}), 9, "Europe/Berlin", None, failures=MAX_FAILURES - 1)
    assert after_failure(leap, 1, at(2028, 2, 22, 9), at(2028, 2, 29, 9)).due_at == at(2028, 2, 29, 8)


# --- momentum: the streak's weeks and the pace -----------------------------------------------------

SIGNALS = Signals(Level.HIGH, Level.HIGH, Level.LOW)
ROADMAP = Roadmap("demo", "Demo", "A demo.", SIGNALS, tuple(Step(f"s{n}", f"S{n}", "Text.", SIGNALS) for n in range(6)))


def done_on(*moments: dt.datetime) -> Progress:
    return Progress("demo", {f"s{n}": Mark(StepState.DONE, moment) for n, moment in enumerate(moments)})


@pytest.mark.parametrize(
    ("marks", "now", "streak"),
    [
        # Weeks 51, 52 and 53 of 2026, seen on New Year's Day and on the Sunday that ends week 53.
        ((at(2026, 12, 18, 12), at(2026, 12, 23, 12), at(2026, 12, 31, 23)), at(2027, 1, 1, 10), 3),
        ((at(2026, 12, 18, 12), at(2026, 12, 23, 12), at(2026, 12, 31, 23)), at(2027, 1, 3, 23, 59), 3),
        # Week 1 of 2027 has none yet: the streak holds through it and breaks the Monday after.
        ((at(2026, 12, 23, 12), at(2027, 1, 1, 12)), at(2027, 1, 6, 12), 2),
        ((at(2026, 12, 23, 12), at(2027, 1, 1, 12)), at(2027, 1, 11, 0), 0),
        # 2027 to 2028: weeks 51 and 52 of 2027, then week 1 of 2028 (Monday 3 January).
        ((at(2027, 12, 22, 12), at(2028, 1, 1, 12), at(2028, 1, 3, 0)), at(2028, 1, 3, 12), 3),
        ((at(2027, 12, 22, 12), at(2028, 1, 1, 12)), at(2028, 1, 2, 23, 59), 2),
        # Over the leap day: Monday 28 February and Tuesday 29 February 2028 are one week.
        ((at(2028, 2, 21, 12), at(2028, 2, 29, 12)), at(2028, 3, 1, 12), 2),
    ],
)
def test_the_streak_over_year_ends_and_the_leap_day(
    marks: tuple[dt.datetime, ...], now: dt.datetime, streak: int
) -> None:
    assert weekly_streak([done_on(*marks)], now) == streak


def test_a_streak_of_weeks_whose_mondays_cross_the_year() -> None:
    weeks = {dt.date(2026, 12, 14), dt.date(2026, 12, 21), dt.date(2026, 12, 28), dt.date(2027, 1, 4)}
    assert streak_of(weeks, at(2027, 1, 4, 0)) == 4
    assert streak_of(weeks, at(2027, 1, 3, 23, 59)) == 3


def test_the_pace_counts_the_leap_day() -> None:
    # Two steps in a first week (at least a week counts): two a week; four left: two weeks on.
    pace = pace_of(done_on(at(2028, 2, 14, 12), at(2028, 2, 15, 12)), ROADMAP, at(2028, 2, 15, 12))
    assert pace is not None and pace.steps_per_week == 2.0 and pace.finish_on == dt.date(2028, 2, 29)
    pace = pace_of(done_on(at(2026, 12, 24, 12), at(2026, 12, 25, 12)), ROADMAP, at(2026, 12, 25, 12))
    assert pace is not None and pace.finish_on == dt.date(2027, 1, 8)


# --- the operator's ISO weeks ----------------------------------------------------------------------


def test_iso_weeks_over_the_year_ends() -> None:
    assert iso_week(dt.date(2026, 12, 28)) == "2026-W53"
    assert iso_week(stats_week_of(dt.date(2027, 1, 3))) == "2026-W53"
    assert iso_week(stats_week_of(at(2027, 1, 4, 0))) == "2027-W01"
    assert iso_week(stats_week_of(at(2028, 1, 1, 23, 59))) == "2027-W52"
    assert iso_week(stats_week_of(dt.date(2028, 1, 3))) == "2028-W01"
    assert iso_week(stats_week_of(dt.date(2028, 2, 29))) == "2028-W09"
    assert iso_week(stats_week_of(dt.date(2025, 12, 31))) == "2026-W01"


def test_the_states_and_the_digest_over_week_53() -> None:
    w52, w53, w1 = dt.date(2026, 12, 21), dt.date(2026, 12, 28), dt.date(2027, 1, 4)
    assert state_of(Visits(w52, True, True, w52), w53) is ChatState.CURRENT
    assert state_of(Visits(w52, True, True, w53), w1) is ChatState.CURRENT
    assert state_of(Visits(w52, False, True, w53), w1) is ChatState.AT_RISK
    # Away four weeks (last seen in the week of 7 December): reactivated; five: resurrected.
    assert state_of(Visits(dt.date(2026, 11, 23), True, False, dt.date(2026, 12, 7)), w1) is ChatState.REACTIVATED
    assert state_of(Visits(dt.date(2026, 11, 23), True, False, dt.date(2026, 11, 30)), w1) is ChatState.RESURRECTED
    # The weekly digest: Mondays at 08:00 UTC, the first of 2027 on 4 January, of 2028 on 3 January.
    assert next_digest(at(2026, 12, 31, 12)) == at(2027, 1, 4, 8)
    assert next_digest(at(2027, 12, 27, 8)) == at(2028, 1, 3, 8)
    assert next_digest(at(2028, 2, 28, 8)) == at(2028, 3, 6, 8)


@pytest.mark.parametrize(
    ("first_monday", "names"),
    [
        (dt.date(2026, 12, 21), ("2026-W52", "2026-W53", "2027-W01")),
        (dt.date(2027, 12, 20), ("2027-W51", "2027-W52", "2028-W01")),
    ],
)
async def test_the_operators_weeks_over_the_year_end_in_the_database(
    storage: Storage, catalog: Catalog, first_monday: dt.date, names: tuple[str, str, str]
) -> None:
    def tuesday(week: int) -> dt.datetime:
        return dt.datetime.combine(first_monday + week * WEEK + dt.timedelta(days=1), dt.time(10), tzinfo=UTC)

    for week in range(3):  # chats 1 to 5 every week; 21 to 25 the first two; 11 to 15 the last only
        here = [*range(1, 6), *(range(21, 26) if week < 2 else range(11, 16))]
        await storage.chats.note_presence({chat: tuesday(week) for chat in here})
    until = tuesday(2) + dt.timedelta(days=2)  # the Thursday of the new year's first week
    period = Period(until - 4 * WEEK, until)
    found = json.loads(json.dumps(document(await storage.stats.count(catalog, period), catalog, period)))
    assert found["week"] == names[2]
    assert found["states"] == {
        "new": 5,
        "current": 5,
        "reactivated": 0,
        "resurrected": 0,
        "at_risk": 5,
        "dormant": 0,
    }
    assert found["weekly_active"] == 10
    assert found["cohorts"] == [
        {"week": names[0], "chats": 10, "active": [1.0, 1.0, 0.5]},
        {"week": names[2], "chats": 5, "active": [1.0]},
    ]


# --- through the bot: the nudge, /progress and /remind over the edges -------------------------------


def nudges_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [c.params["text"] for c in api.calls_of("sendMessage", chat_id) if c.params["text"].startswith(NUDGE_START)]


async def pick(chat: ChatSession, hour: str, day: str | None = None) -> None:
    """Answer the first reminder's question with Pick a time…: an hour, and a day in place of the suggested one."""
    await chat.tap("🕐 Pick a time…")
    await chat.tap(hour)
    if day is not None:
        suggested = next(label for label in chat.last.button_texts if label.startswith("• "))
        await chat.tap(day)
        await chat.tap(suggested)


async def mark_next_done(chat: ChatSession) -> None:
    """/next, and its step marked done."""
    await chat.send("/next")
    await chat.tap("✅ Mark done")


@pytest.mark.parametrize(
    "start",
    [at(2026, 12, 18, 9, 30), at(2027, 12, 18, 9, 30)],
    ids=["Friday 18 December 2026", "Saturday 18 December 2027"],
)
async def test_nudges_over_the_year_end_keep_their_weekday_and_their_streak(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, clock: Clock, storage: Storage, start: dt.datetime
) -> None:
    clock.now = start
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await pick(chat, "09:00", None if start.weekday() < 5 else "Sa")
    slot = start - dt.timedelta(minutes=30)
    assert (await reminder_of(storage, chat.chat_id)).due_at == slot + WEEK

    assert await pass_at(app, slot + WEEK) == "1 sent"
    clock.now = slot + WEEK + dt.timedelta(minutes=5)
    await chat.tap("✅ Mark done")  # on the nudge
    clock.now = start + dt.timedelta(days=12)  # the week that holds New Year's Eve
    await mark_next_done(chat)
    assert await pass_at(app, slot + 2 * WEEK) == "1 sent"  # 1 January
    [*_, new_years] = nudges_to(api, chat.chat_id)
    assert "🔥 3 weeks in a row" in new_years
    assert (await reminder_of(storage, chat.chat_id)).due_at == slot + 3 * WEEK

    clock.now = start + dt.timedelta(days=17)  # the new year's first ISO week
    await mark_next_done(chat)
    await chat.send("/progress")
    assert "🔥 4 weeks in a row" in chat.last.text
    clock.now = start + dt.timedelta(days=31)  # a whole week without a step: the streak is gone
    await chat.send("/progress")
    assert "in a row" not in chat.last.text


async def test_a_nudge_in_sydney_keeps_nine_oclock_as_summer_time_ends_and_starts(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, clock: Clock, storage: Storage
) -> None:
    clock.now = at(2027, 3, 26, 9, 30)  # a Friday
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await pick(chat, "09:00")
    await chat.send("/timezone Sydney")
    assert "every Friday at 09:00 (Australia/Sydney)" in chat.last.text
    assert "Next: Fri 2 Apr, 09:00." in chat.last.text
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2027, 4, 1, 22)  # UTC+11
    assert await pass_at(app, at(2027, 4, 1, 22)) == "1 sent"
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2027, 4, 8, 23), "UTC+10 from 4 April"
    clock.now = at(2027, 4, 1, 22, 5)
    await chat.send("/remind")
    assert "Next: Fri 9 Apr, 09:00." in chat.last.text
    for moment in (at(2027, 4, 8, 23), at(2027, 4, 15, 23)):
        assert await pass_at(app, moment) == "1 sent"
        await chat.send("thanks")  # an answer: no pause for being quiet
    # Summer time starts on Sunday 3 October: the Friday after, 09:00 is 22:00 UTC the day before.
    clock.now = at(2027, 9, 30, 12)  # back after the winter: the slot missed meanwhile comes once
    assert await pass_at(app, clock.now) == "1 sent"
    await chat.send("/remind")
    assert "Next: Fri 1 Oct, 09:00." in chat.last.text
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2027, 9, 30, 23)
    assert await pass_at(app, at(2027, 9, 30, 23)) == "1 sent"
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2027, 10, 7, 22)


async def test_the_leap_day_is_shown_as_people_read_it(
    app: RoadmapBot, chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    clock.now = at(2028, 2, 22, 9, 30)  # a Tuesday: reminders on Tuesdays, first on the leap day
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await pick(chat, "09:00")
    await chat.send("/remind")
    assert "Next: Tue 29 Feb, 09:00." in chat.last.text
    assert await pass_at(app, at(2028, 2, 29, 9)) == "1 sent"
    clock.now = at(2028, 2, 29, 9, 5)
    await chat.tap("✅ Mark done")  # on the leap day's nudge
    markdown, _ = await export_files(chat)
    assert "- [x] 2. HTTP & REST APIs (done 29 Feb 2028)" in markdown
    assert "started 22 Feb 2028" in markdown
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2028, 3, 7, 9)


def test_the_streak_s_weeks_are_utc_weeks_whatever_the_server_s_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        monday_early = at(2027, 1, 4, 2)  # Sunday evening in New York, Monday of week 1 in UTC
        assert week_of(monday_early) == dt.date(2027, 1, 4)
        assert stats_week_of(monday_early) == dt.date(2027, 1, 4)
    finally:
        monkeypatch.undo()
        time.tzset()
