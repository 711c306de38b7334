"""A group that became a supergroup (storage/chat_moves.py): its rows move to the new id, or merge
with the rows the new id already has, each row read back (both databases)."""

from __future__ import annotations

import datetime as dt

from bot.application import RoadmapBot
from progress import ReminderStatus, StepState
from roadmaps import Catalog
from storage import Storage
from tests.fakebotapi import FakeBotAPI
from tests.support import LOG_TABLES, SEED_ID, ChatSession, Clock, every_row, open_seed_step, reminder_of, rows_about

GROUP, SUPERGROUP = -5005, -1_000_000_005_005
FRONTEND = "frontend-engineer"
T0 = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


def hours(n: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


async def left_under(storage: Storage, chat_id: int) -> dict[str, int]:
    """Rows still about a chat, but for the log of what happened (which keeps the id it happened under)."""
    return {table: n for table, n in (await rows_about(storage, chat_id)).items() if table not in LOG_TABLES and n}


async def test_merging_keeps_every_roadmap_note_and_mark_of_both_ids_the_later_where_both_have_one(
    storage: Storage, catalog: Catalog
) -> None:
    seed, frontend = catalog.get(SEED_ID), catalog.get(FRONTEND)
    assert seed is not None and frontend is not None
    p = storage.progress
    # The group: the seed roadmap (step 1 done, a note on step 2) and Frontend Engineer, which only it has.
    await p.set_step_state(GROUP, SEED_ID, seed.steps[0], StepState.DONE, hours(0))
    await p.set_note(GROUP, SEED_ID, seed.steps[1], "group's older note", hours(1))
    await p.set_note(GROUP, SEED_ID, seed.steps[2], "only the group's", hours(1))
    await p.set_step_state(GROUP, FRONTEND, frontend.steps[0], StepState.WORKING, hours(2))
    await storage.reminders.change_reminder(GROUP, hours(2), weekdays=frozenset({0, 3}), hour=7)
    await storage.chat_data.hold_import(GROUP, '{"the group": "file"}', hours(2))
    # The supergroup, before the move was seen: the seed roadmap later, a newer note on step 2.
    await p.set_step_state(SUPERGROUP, SEED_ID, seed.steps[0], StepState.SKIPPED, hours(-5))  # older: loses
    await p.set_step_state(SUPERGROUP, SEED_ID, seed.steps[3], StepState.DONE, hours(5))
    await p.set_note(SUPERGROUP, SEED_ID, seed.steps[1], "supergroup's newer note", hours(6))
    await storage.chat_data.hold_import(SUPERGROUP, '{"the supergroup": "file"}', hours(6))

    assert await storage.chats.move_chat(GROUP, SUPERGROUP) is True

    assert await left_under(storage, GROUP) == {}, "nothing left under the old id"
    progress = {p.roadmap_id: p for p in await storage.progress.progress_of_chat(SUPERGROUP, with_notes=True)}
    assert set(progress) == {SEED_ID, FRONTEND}
    marks = progress[SEED_ID].marks
    assert {step: (m.state, m.changed_at) for step, m in marks.items()} == {
        seed.steps[0].id: (StepState.DONE, hours(0)),
        seed.steps[3].id: (StepState.DONE, hours(5)),
    }
    assert {step: (n.text, n.changed_at) for step, n in progress[SEED_ID].notes.items()} == {
        seed.steps[1].id: ("supergroup's newer note", hours(6)),
        seed.steps[2].id: ("only the group's", hours(1)),
    }
    assert {s: m.state for s, m in progress[FRONTEND].marks.items()} == {frontend.steps[0].id: StepState.WORKING}
    started = await storage.chat_data.started_at(SUPERGROUP)
    assert started == {SEED_ID: (hours(-5), hours(5)), FRONTEND: (hours(2), hours(2))}, "earliest start, latest change"
    reminder = await reminder_of(storage, SUPERGROUP)
    assert (reminder.weekdays, reminder.hour) == (frozenset({0, 3}), 7), "the group's reminder"
    assert await storage.chat_data.held_import(SUPERGROUP) == '{"the group": "file"}'
    rows = await every_row(storage)
    assert [row[0] for row in rows["chats"]] == [SUPERGROUP]
    assert [row[0] for row in rows["reminders"]] == [SUPERGROUP]
    assert len(rows["pending_imports"]) == 1


async def test_a_move_to_an_id_with_nothing_takes_every_row_as_it_was(storage: Storage, catalog: Catalog) -> None:
    seed = catalog.get(SEED_ID)
    assert seed is not None
    await storage.progress.set_step_state(GROUP, SEED_ID, seed.steps[0], StepState.DONE, hours(0))
    await storage.progress.set_note(GROUP, SEED_ID, seed.steps[0], "a note", hours(1))
    before = {table: [row[1:] for row in rows] for table, rows in (await every_row(storage)).items()}

    assert await storage.chats.move_chat(GROUP, SUPERGROUP) is True
    assert await left_under(storage, GROUP) == {}
    after = await every_row(storage)
    assert [row[0] for row in after["chats"]] == [SUPERGROUP]
    assert {table: [row[1:] for row in rows] for table, rows in after.items() if table != "chats"} == {
        table: rows for table, rows in before.items() if table != "chats"
    }, "every row the same but for its chat"


async def test_nothing_to_move_is_said_and_changes_nothing(storage: Storage, catalog: Catalog) -> None:
    seed = catalog.get(SEED_ID)
    assert seed is not None
    await storage.progress.set_step_state(GROUP, SEED_ID, seed.steps[0], StepState.DONE, hours(0))
    before = await every_row(storage)
    assert await storage.chats.move_chat(-77, SUPERGROUP) is False, "an id with no rows"
    assert await storage.chats.move_chat(GROUP, GROUP) is False, "the same id"
    assert await every_row(storage) == before


async def test_the_supergroup_answers_with_the_merged_progress_and_one_reminder(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock
) -> None:
    old, new = ChatSession(app, api, GROUP, user_id=5), ChatSession(app, api, SUPERGROUP, user_id=5)
    await open_seed_step(old, "1. A typed language + git")
    await old.tap("✅ Mark done")
    await old.send("/start frontend-engineer")
    await old.tap("1. HTML")
    await old.tap("🟡 Working on it")
    clock.advance(days=1)
    await open_seed_step(new, "2. HTTP & REST APIs")
    await new.tap("✅ Mark done")
    await old.process(api.migration_update(GROUP, SUPERGROUP))

    await new.send("/progress")
    assert "Frontend Engineer" in new.last.text and "20% · 2 of 10 steps done" in new.last.text
    reminder = await reminder_of(storage, SUPERGROUP)
    assert reminder.status is ReminderStatus.ACTIVE
