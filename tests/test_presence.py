"""Presence (storage/presence.py, storage/chat_store.py): the chats heard from, noted in memory and
written in one go; what a write changes, read back on both databases."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from progress import ReminderStatus
from storage import Presence, Storage
from storage.tables import chat_days, facts, reminders
from tests.support import load_due_reminders, reminder_of

UTC = dt.UTC
SEEN = dt.datetime(2099, 12, 4, 10, tzinfo=UTC)  # after the bulk-loaded reminders' Friday 09:00


def taps_counted(action: str) -> float:
    """Taps on nudges counted on /metrics so far, for one action."""
    return REGISTRY.get_sample_value("roadmap_bot_nudge_taps_total", {"action": action}) or 0.0


async def quiet(storage: Storage, chat_ids: list[int], **values: object) -> None:
    """Give some chats' reminders unanswered nudges (and whatever else is said)."""
    async with storage.engine.begin() as connection:
        await connection.execute(
            update(reminders).where(reminders.c.chat_id.in_(chat_ids)).values(unanswered=2, **values)
        )


async def test_a_write_for_one_chat_writes_that_chat_only_and_keeps_the_others_for_the_next(storage: Storage) -> None:
    await load_due_reminders(storage, 3)
    await quiet(storage, [1, 2, 3])
    presence = Presence(storage.chats)
    presence.note(1, SEEN)
    presence.note(2, SEEN)
    await presence.write(1)
    assert [(await reminder_of(storage, c)).unanswered for c in (1, 2, 3)] == [0, 2, 2]
    await presence.write(3)  # never noted: nothing written
    assert (await reminder_of(storage, 3)).unanswered == 2
    await quiet(storage, [1])  # a nudge since: chat 1 was written, and is not noted any more
    await presence.write()
    assert [(await reminder_of(storage, c)).unanswered for c in (1, 2, 3)] == [2, 0, 2]


async def test_a_forgotten_chat_is_not_written(storage: Storage) -> None:
    await load_due_reminders(storage, 2)
    await quiet(storage, [1, 2])
    presence = Presence(storage.chats)
    presence.note(1, SEEN)
    presence.note(2, SEEN)
    presence.forget(1)
    presence.forget(7)  # never noted: nothing happens
    await presence.write()
    assert [(await reminder_of(storage, c)).unanswered for c in (1, 2)] == [2, 0]


async def test_a_write_that_fails_gives_back_what_it_took_and_newer_notes_win(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_due_reminders(storage, 2)
    presence = Presence(storage.chats)
    presence.note(1, SEEN)
    presence.note(2, SEEN)
    with monkeypatch.context() as patch:

        async def locked(*args: object) -> None:
            presence.note(2, SEEN + dt.timedelta(hours=1))  # noted while the write was under way
            raise OperationalError("UPDATE reminders", {}, Exception("database is locked"))

        patch.setattr(storage.chats, "note_presence", locked)
        with pytest.raises(OperationalError):
            await presence.write()
    assert presence.take() == {1: SEEN, 2: SEEN + dt.timedelta(hours=1)}


@pytest.fixture(params=["UTC", "Pacific/Kiritimati"])
def server_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The server's own time zone (TZ): the bot's days are UTC's whatever it is."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


async def test_a_write_for_a_chat_not_heard_from_writes_nothing_and_warns_of_nothing(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await load_due_reminders(storage, 1)
    presence = Presence(storage.chats)
    with caplog.at_level(logging.WARNING):
        await presence.write(1)
    assert [r.getMessage() for r in caplog.records] == []
    async with storage.engine.connect() as connection:
        assert (await connection.execute(select(chat_days.c.chat_id))).all() == []


async def test_a_chat_seen_is_counted_on_its_utc_day_once_and_its_stopped_reminder_wakes(
    storage: Storage, server_zone: str
) -> None:
    await load_due_reminders(storage, 3)
    await quiet(storage, [1, 2], status=ReminderStatus.IDLE.value, due_at=None, failures=4)
    await quiet(storage, [3], status=ReminderStatus.PAUSED.value, due_at=None)  # the chat's own pause stays
    presence = Presence(storage.chats)
    just_after_midnight = dt.datetime(2099, 12, 5, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    for chat_id in (1, 2, 3):
        presence.note(chat_id, just_after_midnight)
    await presence.write()
    presence.note(1, just_after_midnight + dt.timedelta(hours=1))  # the same day again
    await presence.write()

    async with storage.engine.connect() as connection:
        days = (await connection.execute(select(chat_days.c.chat_id, chat_days.c.day))).all()
    assert sorted(days) == [(c, dt.date(2099, 12, 4)) for c in (1, 2, 3)], "22:30 UTC on the 4th, once a day"
    for chat_id in (1, 2):
        reminder = await reminder_of(storage, chat_id)
        assert (reminder.status, reminder.unanswered, reminder.failures) == (ReminderStatus.ACTIVE, 0, 0)
        assert reminder.due_at == dt.datetime(2099, 12, 11, 9, tzinfo=UTC), "its next Friday 09:00"
    paused = await reminder_of(storage, 3)
    assert (paused.status, paused.due_at, paused.unanswered) == (ReminderStatus.PAUSED, None, 0)


async def test_a_chat_heard_from_wakes_its_own_stopped_reminder_only_and_news_from_elsewhere_stands(
    storage: Storage,
) -> None:
    """Chats 1 and 3 went quiet and are heard from; chat 2 was seen too, but another process marked
    it blocked after that (its news stands, and the chats after it still wake); chat 4 went quiet
    and is not heard from: it stays as it is."""
    await load_due_reminders(storage, 4)
    await quiet(storage, [1, 3, 4], status=ReminderStatus.IDLE.value, due_at=None)
    blocked_later = SEEN + dt.timedelta(minutes=5)
    await quiet(storage, [2], status=ReminderStatus.BLOCKED.value, due_at=None, stopped_at=blocked_later)
    presence = Presence(storage.chats)
    for chat_id in (1, 2, 3):
        presence.note(chat_id, SEEN)
    await presence.write()
    statuses = [(await reminder_of(storage, c)).status for c in (1, 2, 3, 4)]
    assert statuses == [ReminderStatus.ACTIVE, ReminderStatus.BLOCKED, ReminderStatus.ACTIVE, ReminderStatus.IDLE]
    assert (await reminder_of(storage, 4)).due_at is None


async def test_taps_on_nudges_are_kept_as_facts_at_the_next_write(storage: Storage) -> None:
    await load_due_reminders(storage, 2)
    presence = Presence(storage.chats)
    counted = taps_counted("mark")
    presence.note_nudge_tap(1, SEEN, "mark")
    presence.note_nudge_tap(2, SEEN + dt.timedelta(minutes=1), "later")
    async with storage.engine.connect() as connection:
        assert (await connection.execute(select(facts.c.chat_id))).all() == [], "not before the write"
    await presence.write()
    await presence.write()  # written once
    async with storage.engine.connect() as connection:
        rows = (await connection.execute(select(facts.c.chat_id, facts.c.at, facts.c.kind, facts.c.source))).all()
    assert sorted(rows) == [(1, SEEN, "nudge_tap", "mark"), (2, SEEN + dt.timedelta(minutes=1), "nudge_tap", "later")]
    assert taps_counted("mark") == counted + 1, "counted on /metrics by what the tap asked for"
