"""Weekly slots in a chat's time zone, the zones people type or share, and /remind and /timezone
moving them, across daylight saving."""

from __future__ import annotations

import datetime as dt
import gettext

import pytest

from handlers.reminder_views import not_now_label
from handlers.wiring import in_every_language
from i18n import catalogs
from progress import ReminderStatus
from progress.schedule import (
    canonical_timezone,
    first_slot,
    next_slot,
    snoozed_until,
    utc_offset_zone,
    zone,
    zone_at,
    zone_label,
)
from storage import Storage
from tests.support import ChatSession, Clock, answers, at, open_seed_step, reminder_of

UTC = dt.UTC
SUNDAY, FRIDAY, TUESDAY, MONDAY, THURSDAY = 6, 4, 1, 0, 3


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
        (TUESDAY, 10, "UTC+05:30", at(2026, 11, 24, 4, 30), at(2026, 12, 1, 4, 30)),
        (TUESDAY, 10, "UTC", at(2026, 11, 24, 9, 59), at(2026, 11, 24, 10)),
    ],
)
def test_next_slot_is_the_local_weekday_and_hour_in_utc(
    weekday: int, hour: int, zone: str, after: dt.datetime, expected: dt.datetime
) -> None:
    assert next_slot({weekday}, hour, zone, after) == expected


def test_with_two_days_the_next_slot_is_the_nearer_one() -> None:
    monday_and_thursday = {MONDAY, THURSDAY}
    assert next_slot(monday_and_thursday, 9, "UTC", at(2026, 11, 24, 12)) == at(2026, 11, 26, 9)  # Tue → Thu
    assert next_slot(monday_and_thursday, 9, "UTC", at(2026, 11, 26, 9)) == at(2026, 11, 30, 9)  # Thu → Mon


def test_a_new_chat_is_first_due_about_a_week_on_at_its_weekdays_evening_in_its_zone() -> None:
    assert first_slot(at(2026, 11, 27, 9, 30)) == (frozenset({FRIDAY}), 19, at(2026, 12, 4, 19))
    assert first_slot(at(2026, 11, 27, 23, 0)) == (frozenset({FRIDAY}), 19, at(2026, 12, 4, 19))
    assert first_slot(at(2026, 11, 28, 9, 0)) == (frozenset({MONDAY}), 19, at(2026, 12, 7, 19)), "from a Saturday"
    # Friday 23:30 in Moscow (UTC+3) is a Friday there: its evening, 16:00 UTC.
    assert first_slot(at(2026, 11, 27, 20, 30), "Europe/Moscow") == (frozenset({FRIDAY}), 19, at(2026, 12, 4, 16))


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("europe/BERLIN ", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("New York", "America/New_York"),
        ("new   york", "America/New_York"),
        ("UTC+3", "UTC+03:00"),
        ("utc+3", "UTC+03:00"),
        ("GMT-5", "UTC-05:00"),
        ("+05:30", "UTC+05:30"),
        ("UTC+5:45", "UTC+05:45"),
        ("−03:30", "UTC-03:30"),
        ("UTC", "UTC"),
        ("Etc/GMT-3", "Etc/GMT-3"),
        ("Mars/Olympus_Mons", None),
        ("UTC+15", None),
        ("+05:20", None),
        ("", None),
    ],
)
def test_zones_people_type(typed: str, zone: str | None) -> None:
    assert canonical_timezone(typed) == zone


def test_offsets_as_people_read_them() -> None:
    assert utc_offset_zone(180) == "UTC+03:00" and zone_label("UTC+03:00") == "UTC+3"
    assert utc_offset_zone(-330) == "UTC-05:30" and zone_label("UTC-05:30") == "UTC-5:30"
    assert utc_offset_zone(0) == "UTC" and zone_label("Etc/GMT-3") == "UTC+3"
    assert zone_label("Europe/Berlin") == "Europe/Berlin"


@pytest.mark.parametrize(
    ("choice", "now", "expected"),
    [
        ("hour", at(2026, 11, 27, 9, 30), at(2026, 11, 27, 10, 30)),
        ("evening", at(2026, 11, 27, 9, 30), at(2026, 11, 27, 18, 0)),  # 19:00 in Berlin (UTC+1)
        ("evening", at(2026, 11, 27, 17, 30), at(2026, 11, 28, 18, 0)),  # 18:30 there: the next evening
        ("tomorrow", at(2026, 11, 27, 9, 30), at(2026, 11, 28, 8, 0)),  # the reminder's 09:00 in Berlin
        ("week", at(2026, 11, 27, 9, 30), at(2026, 12, 4, 9, 30)),
    ],
)
def test_each_snooze_choice_means_what_it_says(choice: str, now: dt.datetime, expected: dt.datetime) -> None:
    assert snoozed_until(choice, now, "Europe/Berlin", 9) == expected


async def test_remind_and_timezone_move_the_next_due_time_across_a_dst_change(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    clock.now = at(2026, 10, 20, 10, 15)  # a Tuesday; Berlin is on summer time (UTC+2)
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 27, 19)  # the first suggestion

    await chat.send("/timezone europe/berlin")  # the same local day and hour, now in Berlin
    assert "every Tuesday at 19:00 (Europe/Berlin)" in chat.last.text
    assert "Next: Tue 27 Oct, 19:00." in chat.last.text, "Berlin is back on winter time by then"
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 27, 18)

    calls = await chat.tap("Su")
    assert answers(calls) == ["⏰ Now every Tuesday and Sunday at 19:00 (Europe/Berlin)"]
    await chat.tap("• Tu")
    assert "every Sunday at 19:00 (Europe/Berlin)" in chat.last.text
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 25, 18)
    await chat.tap("09:00")
    # 25 October 2026: Berlin leaves summer time at 03:00, so 09:00 is 08:00 UTC (a week before, 07:00).
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 25, 8)
    await chat.tap("+1h")
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 10, 25, 9)

    await chat.tap("Time zone")
    assert "Your time zone is Europe/Berlin" in chat.last.text
    calls = await chat.tap("UTC+3")
    assert answers(calls) == ["⏰ Now every Sunday at 10:00 (UTC+3)"], "a new zone keeps the local day and hour"
    reminder = await reminder_of(storage, chat.chat_id)
    # A zone told before the first nudge keeps it at least six days after the first step (20 Oct).
    assert reminder.timezone == "UTC+03:00" and reminder.due_at == at(2026, 11, 1, 7)
    assert reminder.status is ReminderStatus.ACTIVE


async def test_a_zone_change_keeps_the_local_weekday_and_hour_across_summer_time(
    chat: ChatSession, clock: Clock, storage: Storage
) -> None:
    clock.now = at(2026, 3, 20, 20, 0)  # a Friday, 21:00 in Berlin (winter time)
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/timezone Europe/Berlin")
    assert "every Friday at 19:00 (Europe/Berlin)" in chat.last.text, "the day and hour stay, now in Berlin"
    await chat.tap("Su")
    await chat.tap("• Fr")  # Sunday only, 19:00 Berlin
    assert "every Sunday at 19:00 (Europe/Berlin)" in chat.last.text
    await chat.send("/timezone New York")
    assert "every Sunday at 19:00 (America/New_York)" in chat.last.text, "not Monday 00:00 as the moment would be"
    # New York is on summer time from 8 March: 19:00 EDT is 23:00 UTC; a zone told before the first
    # nudge keeps it at least six days after the first step (20 March).
    assert (await reminder_of(storage, chat.chat_id)).due_at == at(2026, 3, 29, 23)


@pytest.mark.parametrize(
    ("typed", "label"),
    [("UTC+3", "UTC+3"), ("GMT-5", "UTC-5"), ("+05:30", "UTC+5:30"), ("new york", "America/New_York")],
)
async def test_timezone_takes_the_forms_people_type(
    chat: ChatSession, storage: Storage, typed: str, label: str
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send(f"/timezone {typed}")
    assert f"at 19:00 ({label})" in chat.last.text


async def test_a_shared_location_sets_the_time_zone(chat: ChatSession, storage: Storage) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/timezone")
    calls = await chat.tap("📍 Use my location")
    [asked] = [c for c in calls if c.method == "sendMessage"]
    assert asked.params["reply_markup"]["keyboard"][0][0] == {"text": "📍 Send my location", "request_location": True}
    await chat.process(chat.api.location_update(chat.chat_id, 35.68, 139.69))  # Tokyo
    reminder = await reminder_of(storage, chat.chat_id)
    assert reminder.timezone == "Asia/Tokyo" and reminder.hour == 19, "the local hour stays"
    assert "every Friday at 19:00 (Asia/Tokyo)" in chat.last.text


async def test_not_now_under_the_location_keyboard_changes_nothing(chat: ChatSession, storage: Storage) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/timezone")
    calls = await chat.tap("📍 Use my location")
    [asked] = [c for c in calls if c.method == "sendMessage"]
    assert asked.params["reply_markup"]["keyboard"][1][0] == {"text": not_now_label()}
    before = await storage.reminders.reminder_of(chat.chat_id)
    [reply] = [c for c in await chat.send(not_now_label()) if c.method == "sendMessage"]
    assert reply.params["text"] == "Fine: nothing changed. /timezone sets a zone by name."
    assert reply.params["reply_markup"] == {"remove_keyboard": True}
    assert await storage.reminders.reminder_of(chat.chat_id) == before


class Marked(gettext.NullTranslations):
    """A language's words as the language's name after the English: `✖️ Not now (ru)`."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def gettext(self, message: str) -> str:
        return message if self.name == catalogs.SOURCE else f"{message} ({self.name})"


def test_the_not_now_filter_matches_the_label_in_every_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reply keyboard's button comes back as plain text in the chat's language: its handler's
    filter holds the label as each language says it, once."""
    monkeypatch.setattr(catalogs, "translations", Marked)
    said = in_every_language(not_now_label)
    assert said == ["✖️ Not now", *(f"✖️ Not now ({name})" for name in catalogs.LANGUAGES[1:])]
    assert catalogs.language() == catalogs.SOURCE, "the language spoken before is spoken again"


async def test_an_unknown_time_zone_gets_a_clear_answer_and_changes_nothing(
    chat: ChatSession, storage: Storage
) -> None:
    await chat.send("/timezone")
    assert "Reminders start when you mark your first step" in chat.last.text
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    before = await storage.reminders.reminder_of(chat.chat_id)
    await chat.send("/timezone Europe/Berln <b>")
    assert chat.last.text.startswith("I don't know the time zone “Europe/Berln <b>”. Send a zone, a city or")
    assert await storage.reminders.reminder_of(chat.chat_id) == before
    await chat.send("/timezone")
    assert "Pick an offset or a place below" in chat.last.text
    assert {"UTC-12", "UTC+14", "India UTC+5:30", "Newfoundland UTC−2:30"} & set(chat.last.button_texts)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("gmt", "UTC"),  # not tzdata's own "GMT" zone: the same, said as people read it
        ("Z", "UTC"),
        ("UTC+0", "UTC"),
        ("utc-12", "UTC-12:00"),  # the edges of the offsets places use
        ("+14", "UTC+14:00"),
        ("+14:15", None),
        ("-12:30", None),
        ("+3:15", "UTC+03:15"),
        ("UTC+0545", "UTC+05:45"),
        ("GMT+3", "UTC+03:00"),  # not Etc/GMT+3, which is three hours behind
    ],
)
def test_the_edges_of_the_zones_people_type(typed: str, zone: str | None) -> None:
    assert canonical_timezone(typed) == zone


def test_zones_stored_as_offsets_read_back_and_are_labelled() -> None:
    assert zone("UTC-05:30").utcoffset(None) == -dt.timedelta(hours=5, minutes=30)
    assert zone("UTC+05:45").utcoffset(None) == dt.timedelta(hours=5, minutes=45)
    assert zone_label("UTC-05:30") == "UTC-5:30" and zone_label("UTC+10:00") == "UTC+10"
    assert zone_label("Etc/GMT+5") == "UTC-5" and zone_label("Etc/GMT") == "Etc/GMT"


def test_this_evening_is_today_until_18_local() -> None:
    assert snoozed_until("evening", at(2026, 11, 27, 16, 59), "Europe/Berlin") == at(2026, 11, 27, 18, 0)  # 17:59
    assert snoozed_until("evening", at(2026, 11, 27, 17, 0), "Europe/Berlin") == at(2026, 11, 28, 18, 0)  # 18:00


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [
        (52.52, 13.40, "Europe/Berlin"),
        (-34.6, -58.4, "America/Argentina/Buenos_Aires"),
        (90, 0, "Etc/GMT"),  # the edges of the map are on it
        (-90, 0, "Antarctica/McMurdo"),
        (0, 180, "Etc/GMT-12"),
        (0, -180, "Etc/GMT+12"),
        (90.1, 0, None),  # and past them, nothing
        (-90.1, 0, None),
        (0, 180.1, None),
        (0, -180.1, None),
    ],
)
def test_a_place_on_earth_and_its_zone(latitude: float, longitude: float, zone: str | None) -> None:
    assert zone_at(latitude, longitude) == zone
