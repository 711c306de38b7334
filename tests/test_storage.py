"""Storage on a real SQLite file and PostgreSQL schema: the schema comes from migrations, progress is per chat."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from progress import Progress, StepState
from roadmaps import Level, Roadmap, Signals, Step
from storage import Storage, create_engine, current_revision, head_revision, upgrade
from storage.tables import chat_roadmaps, chats, content_metadata, metadata, step_states
from tests.support import start_roadmap

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
SIGNALS = Signals(Level.HIGH, Level.HIGH, Level.LOW)


def demo_roadmap(*steps: Step) -> Roadmap:
    return Roadmap("demo", "Demo", "A demo.", SIGNALS, steps or (step("one"), step("two"), step("three")))


def step(step_id: str, formerly: tuple[str, ...] = ()) -> Step:
    return Step(step_id, step_id.title(), "Text.", SIGNALS, formerly=formerly)


async def test_migrations_create_exactly_the_schema_the_code_describes(storage: Storage) -> None:
    assert await current_revision(storage.engine) == head_revision()
    async with storage.engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), [metadata, content_metadata])
        )
    assert differences == []


async def test_upgrading_twice_changes_nothing(storage: Storage) -> None:
    roadmap = demo_roadmap()
    await storage.progress.set_step_state(1, "demo", roadmap.steps[0], StepState.DONE, T0)
    assert await upgrade(storage.engine) == head_revision()
    assert (await storage.progress.progress_of(1, "demo")).done_count(roadmap) == 1


async def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(storage: Storage) -> None:
    if storage.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own settings")
    async with storage.engine.connect() as connection:
        pragmas = {
            name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["foreign_keys"] == 1
    assert pragmas["busy_timeout"] >= 5000


async def test_marking_done_then_undoing_leaves_no_mark(storage: Storage) -> None:
    roadmap = demo_roadmap()
    changed = await storage.progress.set_step_state(1, "demo", roadmap.steps[1], StepState.DONE, T0)
    assert changed.before.marks == {}
    progress = changed.after
    assert progress.state_of(roadmap.steps[1]) is StepState.DONE
    assert progress.mark_of(roadmap.steps[1]).changed_at == T0  # type: ignore[union-attr]
    progress = (await storage.progress.set_step_state(1, "demo", roadmap.steps[1], StepState.TODO, T0)).after
    assert progress.marks == {}
    assert progress.next_step(roadmap) is roadmap.steps[0]


async def test_progress_belongs_to_one_chat_with_64_bit_ids(storage: Storage) -> None:
    roadmap = demo_roadmap()
    supergroup, big_user = -1_001_234_567_890, 2**62 + 7
    await storage.progress.set_step_state(supergroup, "demo", roadmap.steps[0], StepState.DONE, T0)
    await storage.progress.set_step_state(big_user, "demo", roadmap.steps[1], StepState.SKIPPED, T0)
    group_progress = await storage.progress.progress_of(supergroup, "demo")
    user_progress = await storage.progress.progress_of(big_user, "demo")
    assert set(group_progress.marks) == {"one"}
    assert set(user_progress.marks) == {"two"}
    assert user_progress.skipped_count(roadmap) == 1 and user_progress.done_count(roadmap) == 0
    assert await storage.progress.progress_of(42, "demo") == Progress("demo", {})


async def test_times_come_back_as_utc_aware_datetimes(storage: Storage) -> None:
    roadmap = demo_roadmap()
    berlin = dt.timezone(dt.timedelta(hours=1))
    await storage.progress.set_step_state(1, "demo", roadmap.steps[0], StepState.DONE, T0.astimezone(berlin))
    mark = (await storage.progress.progress_of(1, "demo")).mark_of(roadmap.steps[0])
    assert mark is not None and mark.changed_at == T0 and mark.changed_at.tzinfo == dt.UTC


async def test_a_time_is_kept_as_utc_to_the_microsecond_and_a_time_without_a_zone_is_refused(storage: Storage) -> None:
    """SQLite keeps a time as the text SQLAlchemy's DATETIME writes (the naive UTC time), whatever
    zone it came in; PostgreSQL as a timestamptz. A time without a zone is never guessed at."""
    roadmap = demo_roadmap()
    moment = dt.datetime(2026, 11, 27, 9, 0, 1, 234567, tzinfo=dt.UTC)
    new_york = moment.astimezone(ZoneInfo("America/New_York"))
    await storage.progress.set_step_state(1, "demo", roadmap.steps[0], StepState.DONE, moment)
    await storage.progress.set_step_state(1, "demo", roadmap.steps[1], StepState.DONE, new_york)
    await storage.progress.set_step_state(1, "demo", roadmap.steps[2], StepState.DONE, T0.replace(year=999))
    await storage.progress.set_step_state(
        3, "demo", roadmap.steps[0], StepState.DONE, T0.astimezone(ZoneInfo("Asia/Tehran"))
    )
    with pytest.raises(Exception, match="naive datetime"):
        await storage.progress.set_step_state(2, "demo", roadmap.steps[0], StepState.DONE, T0.replace(tzinfo=None))
    progress = await storage.progress.progress_of(1, "demo")
    assert [progress.marks[s.id].changed_at for s in roadmap.steps] == [moment, moment, T0.replace(year=999)]
    if storage.engine.dialect.name == "sqlite":
        query = text("SELECT chat_id, step_id, changed_at FROM step_states ORDER BY chat_id, step_id")
        async with storage.engine.connect() as connection:
            stored = (await connection.execute(query)).all()
        assert [tuple(row) for row in stored] == [
            (1, "one", "2026-11-27 09:00:01.234567"),
            (1, "three", "0999-11-27 09:00:00.000000"),
            (1, "two", "2026-11-27 09:00:01.234567"),
            (3, "one", "2026-11-27 09:00:00.000000"),
        ]
    assert await storage.progress.progress_of(2, "demo") == Progress("demo", {}), "the refused mark left nothing"


async def test_roadmaps_of_a_chat_come_the_one_changed_last_first(storage: Storage) -> None:
    first, second, other = demo_roadmap(step("a")), demo_roadmap(step("a")), demo_roadmap(step("a"))
    first, second, other = (
        Roadmap(name, name, "", first.signals, first.steps) for name in ("first", "second", "other")
    )
    await start_roadmap(storage, 1, first, T0)
    await start_roadmap(storage, 1, second, T0 + dt.timedelta(minutes=1))
    await start_roadmap(storage, 2, other, T0 + dt.timedelta(minutes=2))
    assert [p.roadmap_id for p in await storage.progress.progress_of_chat(1)] == ["second", "first"]
    await storage.progress.set_step_state(1, "first", first.steps[0], StepState.DONE, T0 + dt.timedelta(minutes=3))
    assert [p.roadmap_id for p in await storage.progress.progress_of_chat(1)] == ["first", "second"]
    async with storage.engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(chats))).scalar() == 2
        started = (
            await connection.execute(
                select(chat_roadmaps.c.started_at).where(
                    chat_roadmaps.c.chat_id == 1, chat_roadmaps.c.roadmap_id == "first"
                )
            )
        ).scalar()
    assert started == T0


async def test_a_renamed_step_keeps_its_progress_and_a_removed_one_stops_counting(storage: Storage) -> None:
    old = demo_roadmap(step("one"), step("two"), step("three"))
    await storage.progress.set_step_state(1, "demo", old.steps[0], StepState.DONE, T0)
    await storage.progress.set_step_state(1, "demo", old.steps[2], StepState.DONE, T0)
    new = demo_roadmap(step("first", formerly=("one",)), step("two"), step("four"))
    progress = await storage.progress.progress_of(1, "demo")
    assert progress.state_of(new.steps[0]) is StepState.DONE
    assert progress.done_count(new) == 1  # "three" was removed: it no longer counts

    progress = (
        await storage.progress.set_step_state(1, "demo", new.steps[0], StepState.SKIPPED, T0 + dt.timedelta(hours=1))
    ).after
    assert set(progress.marks) == {"first", "three"}, "the mark moved from the former id to the current one"
    assert progress.state_of(new.steps[0]) is StepState.SKIPPED


async def test_the_latest_mark_wins_when_old_and_new_ids_both_have_one(storage: Storage) -> None:
    old, new = step("one"), step("first", formerly=("one",))
    await storage.progress.set_step_state(1, "demo", old, StepState.DONE, T0 + dt.timedelta(hours=2))
    async with storage.engine.begin() as connection:
        await connection.execute(
            step_states.insert().values(chat_id=1, roadmap_id="demo", step_id="first", state="skipped", changed_at=T0)
        )
    assert (await storage.progress.progress_of(1, "demo")).state_of(new) is StepState.DONE


async def test_later_migrations_keep_the_rows_of_earlier_ones(empty_database: tuple[str, dict[str, Any]]) -> None:
    url, options = empty_database
    storage = Storage(create_engine(url, **options))
    try:
        await upgrade(storage.engine, "0002")  # a database from before the "working" state and notes
        roadmap = demo_roadmap()
        async with storage.engine.begin() as connection:  # rows as the code of that time wrote them
            await connection.execute(chats.insert().values(id=1, created_at=T0))
            await connection.execute(
                chat_roadmaps.insert().values(chat_id=1, roadmap_id="demo", started_at=T0, last_activity_at=T0)
            )
            await connection.execute(
                step_states.insert(),
                [
                    {"chat_id": 1, "roadmap_id": "demo", "step_id": "one", "state": "done", "changed_at": T0},
                    {"chat_id": 1, "roadmap_id": "demo", "step_id": "two", "state": "skipped", "changed_at": T0},
                ],
            )
            await connection.execute(
                text(
                    "INSERT INTO reminders (chat_id, status, weekday, hour, timezone, due_at, unanswered, failures) "
                    "VALUES (1, 'active', 4, 9, 'UTC', :due, 0, 0)"
                ),
                {"due": T0.replace(tzinfo=None) if storage.engine.dialect.name == "sqlite" else T0},
            )
        assert await upgrade(storage.engine) == head_revision()
        progress = await storage.progress.progress_of(1, "demo")
        assert [progress.state_of(step) for step in roadmap.steps] == [
            StepState.DONE,
            StepState.SKIPPED,
            StepState.TODO,
        ]
        await storage.progress.set_step_state(1, "demo", roadmap.steps[2], StepState.WORKING, T0)
        assert (await storage.progress.progress_of(1, "demo")).next_step(roadmap) is roadmap.steps[2]
        reminder = await storage.reminders.reminder_of(1)
        assert reminder is not None, "the reminder made at 0002 is still there"
        assert reminder.weekdays == {4} and reminder.hour == 9, "its one weekday became a set of one"
    finally:
        await storage.close()
