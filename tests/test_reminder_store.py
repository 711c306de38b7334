"""The reminders' store on both databases, read back row by row: a first reminder starts with
nothing unanswered, a change returns what it stored and starts the count of unanswered nudges over,
a stop says when and leaves its fact, a block stops one chat's reminders and no one else's, and a
browser's zone gives way to one the chat told."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from progress import ReminderStatus, StepState
from roadmaps import Level, Roadmap, Signals, Step
from storage import Storage
from storage.tables import facts, reminders

T0 = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)  # a Friday
SIGNALS = Signals(Level.HIGH, Level.LOW, Level.LOW)
STEP = Step("step-1", "Step 1", "Text.", SIGNALS)
ROADMAP = Roadmap("kept", "Kept", "A roadmap.", SIGNALS, (STEP,))


async def started(storage: Storage, *chat_ids: int) -> None:
    """Each chat marks its first step: its first reminder is on."""
    for chat_id in chat_ids:
        await storage.progress.set_step_state(chat_id, ROADMAP.id, STEP, StepState.WORKING, T0)


async def row(storage: Storage, chat_id: int) -> dict[str, object]:
    async with storage.engine.connect() as connection:
        found = (await connection.execute(select(reminders).where(reminders.c.chat_id == chat_id))).one()
    return dict(found._mapping)


async def fact_kinds(storage: Storage, chat_id: int) -> list[str]:
    async with storage.engine.connect() as connection:
        query = select(facts.c.kind).where(facts.c.chat_id == chat_id, facts.c.kind != "step").order_by(facts.c.id)
        return [kind for (kind,) in await connection.execute(query)]


async def ignored(storage: Storage, chat_id: int, unanswered: int, failures: int) -> None:
    """As if the chat had let nudges go unanswered and sends had failed."""
    async with storage.engine.begin() as connection:
        await connection.execute(
            update(reminders).where(reminders.c.chat_id == chat_id).values(unanswered=unanswered, failures=failures)
        )


async def test_a_first_reminder_starts_with_nothing_unanswered_and_no_failure(storage: Storage) -> None:
    await started(storage, 1)
    stored = await row(storage, 1)
    assert (stored["status"], stored["unanswered"], stored["failures"]) == ("active", 0, 0)


async def test_a_change_returns_the_reminder_it_stored_with_the_unanswered_count_started_over(
    storage: Storage,
) -> None:
    await started(storage, 1)
    await ignored(storage, 1, unanswered=2, failures=1)
    changed = await storage.reminders.change_reminder(1, T0, hour=7)
    stored = await storage.reminders.reminder_of(1)
    assert changed == stored, "what the change returns is what the next nudge will read"
    assert stored is not None and (stored.hour, stored.unanswered, stored.failures) == (7, 0, 0)


async def test_stopping_says_when_and_leaves_a_fact_and_a_snooze_its_own(storage: Storage) -> None:
    await started(storage, 1, 2)
    await storage.reminders.change_reminder(1, T0, hour=8)  # still on: neither stopped nor a fact
    assert (await row(storage, 1))["stopped_at"] is None and await fact_kinds(storage, 1) == []
    later = T0 + dt.timedelta(hours=1)
    await storage.reminders.change_reminder(1, later, status=ReminderStatus.PAUSED)
    stored = await row(storage, 1)
    assert (stored["status"], stored["stopped_at"], stored["due_at"]) == ("paused", later, None)
    assert await fact_kinds(storage, 1) == ["stopped"]
    await storage.reminders.change_reminder(1, later + dt.timedelta(hours=1), status=ReminderStatus.ACTIVE)
    stored = await row(storage, 1)
    assert (stored["status"], stored["stopped_at"]) == ("active", later), "turned on again: when it stopped stays"
    tomorrow = T0 + dt.timedelta(days=1)
    await storage.reminders.change_reminder(2, T0, due_at=tomorrow)
    stored = await row(storage, 2)
    assert (stored["status"], stored["stopped_at"], stored["due_at"]) == ("active", None, tomorrow)
    assert await fact_kinds(storage, 2) == ["snoozed"]


async def test_a_block_stops_that_chats_reminders_and_no_one_elses(storage: Storage) -> None:
    await started(storage, 1, 2, 3)
    await storage.reminders.change_reminder(3, T0, status=ReminderStatus.PAUSED)
    await storage.reminders.stop_reminders(1, ReminderStatus.BLOCKED, T0)
    await storage.reminders.stop_reminders(3, ReminderStatus.BLOCKED, T0)
    assert [(await row(storage, c))["status"] for c in (1, 2, 3)] == ["blocked", "active", "paused"], (
        "a pause the chat chose stays one"
    )
    assert await fact_kinds(storage, 1) == ["blocked"] and await fact_kinds(storage, 2) == []
    assert await fact_kinds(storage, 3) == ["stopped", "blocked"], "blocked, whether reminders were on or not"
    await storage.reminders.stop_reminders(2, ReminderStatus.GONE, T0)
    assert (await row(storage, 2))["status"] == "gone" and await fact_kinds(storage, 2) == []


async def test_a_browsers_zone_gives_way_to_the_one_the_chat_told_and_leaves_its_reminder_as_it_was(
    storage: Storage,
) -> None:
    await started(storage, 1)
    told = await storage.reminders.set_zone(1, "Europe/Berlin", T0)
    assert told is not None and told.timezone == "Europe/Berlin"
    seen = await storage.reminders.set_zone(1, "Asia/Tokyo", T0, unless_known=True)
    assert seen == await storage.reminders.reminder_of(1) == told
