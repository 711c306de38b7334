"""Weekly slots in a chat's time zone, and /remind and /timezone moving them, across daylight saving."""

from __future__ import annotations

import datetime as dt

import pytest

from storage import ReminderStatus, Storage
from storage.schedule import canonical_timezone, first_slot, next_slot, utc_offset_zone, zone_label
from tests.support import ChatSession, Clock, answers, reminder_of

UTC = dt.UTC
SUNDAY, FRIDAY, TUESDAY = 6, 4, 1


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("weekday", "hour", "zone", "after", "expected"),
    [
        # Berlin leaves summer time on Sunday 25 October 2026: 09:00 is 07:00 UTC before, 08:00 after.
        (SUNDAY, 9, "Europe/Berlin", at(2026, 10, 12, 0), at(2026, 10, 18, 7)),
        (SUNDAY, 9, "Europe/Berlin", at(2026, 10, 18, 7), at(2026, 10, 25, 8)),
        (SUNDAY, 9, "Europe/Berlin", at(2026, 10, 25, 8), at(2026, 11, 1, 8)),
        # ...and enters it on Sunday 29 March 2026: 02:00 does not exist that night; it is 03:00 CEST.
        (SUNDAY, 2, "Europe/Berlin", at(2026, 3, 28, 12), at(2026, 3, 29, 1)),
        (SUNDAY, 2, "Europe/Berlin", at(2026, 3, 29, 1), at(2026, 4, 5, 0)),
        # New York changes on other Sundays (1 November 2026).
        (FRIDAY, 18, "America/New_York", at(2026, 10, 29, 0), at(2026, 10, 30, 22)),
        (FRIDAY, 18, "America/New_York", at(2026, 10, 30, 22), at(2026, 11, 6, 23)),
        # A fixed offset never moves; the same instant is never its own next slot.
        (TUESDAY, 10, "Etc/GMT-3", at(2026, 11, 24, 7), at(2026, 12, 1, 7)),
        (TUESDAY, 10, "UTC", at(2026, 11, 24, 9, 59), at(2026, 11, 24, 10)),
    ],
)
def test_next_slot_is_the_local_weekday_and_hour_in_utc(
    weekday: int, hour: int, zone: str, after: dt.datetime, expected: dt.datetime
) -> None:
    assert next_slot(weekday, hour, zone, after) == expected


def test_a_new_chat_is_first_due_a_week_after_it_started_on_that_weekday_and_hour() -> None:
    assert first_slot(at(2026, 11, 27, 9, 30)) == (FRIDAY, 9, at(2026, 12, 4, 9))
    assert first_slot(at(2026, 11, 27, 9, 0)) == (FRIDAY, 9, at(2026, 12, 4, 9))


def test_zone_names_and_offsets() -> None:
    assert canonical_timezone("europe/BERLIN ") == "Europe/Berlin"
    assert canonical_timezone("Mars/Olympus_Mons") is None
    assert utc_offset_zone(3) == "Etc/GMT-3" and zone_label("Etc/GMT-3") == "UTC+3"
    assert utc_offset_zone(-5) == "Etc/GMT+5" and zone_label("Etc/GMT+5") == "UTC-5"
    assert utc_offset_zone(0) == "UTC" and zone_label("Europe/Berlin") == "Europe/Berlin"


async def test_remind_and_timezone_move_the_next_due_time_across_a_dst_change(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    clock.now = at(2026, 10, 20, 10, 15)  # a Tuesday; Berlin is on summer time (UTC+2)
    await chat.send("/start backend-engineer-ai-era")
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 27, 10)

    await chat.send("/timezone europe/berlin")  # the same moment, now told in Berlin time
    assert "every Tuesday at 11:00 (Europe/Berlin)" in chat.last.text
    assert "Next: Tue 27 Oct, 11:00." in chat.last.text, "Berlin is back on winter time by then"
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 27, 10)

    calls = await chat.tap("Su")
    assert answers(calls) == ["⏰ Now every Sunday at 11:00 (Europe/Berlin)"]
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 25, 10)
    await chat.tap("09:00")
    assert "every Sunday at 09:00 (Europe/Berlin)" in chat.last.text
    # 25 October 2026: Berlin leaves summer time at 03:00, so 09:00 is 08:00 UTC (a week before, 07:00).
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 25, 8)
    await chat.tap("+1h")
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 25, 9)

    await chat.tap("Time zone")
    assert "Your time zone is Europe/Berlin" in chat.last.text
    calls = await chat.tap("UTC+3")
    assert answers(calls) == ["⏰ Now every Sunday at 12:00 (UTC+3)"]
    reminder = await storage.reminders.reminder_of(chat.chat_id)
    assert reminder is not None and reminder.timezone == "Etc/GMT-3" and reminder.due_at == at(2026, 10, 25, 9)
    assert reminder.status is ReminderStatus.ACTIVE


async def test_an_unknown_time_zone_gets_a_clear_answer_and_changes_nothing(
    chat: ChatSession, storage: Storage
) -> None:
    await chat.send("/timezone Europe/Berlin")
    assert "Weekly reminders start when you open your first roadmap" in chat.last.text
    await chat.send("/start backend-engineer-ai-era")
    before = await storage.reminders.reminder_of(chat.chat_id)
    await chat.send("/timezone Europe/Berln <b>")
    assert chat.last.text.startswith("I don't know the time zone “Europe/Berln <b>”. Send an IANA name such as")
    assert await storage.reminders.reminder_of(chat.chat_id) == before
    await chat.send("/timezone")
    assert "Pick a UTC offset below" in chat.last.text
