"""Taps served in batches (storage.batching): calls made together share statements, yet each caller
gets its own answer or failure, a chat's calls apply in order, and instances sharing a database
end as if their calls had run one after another."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from progress import Changed, Mark, Note, Progress, StepState, needs_other_roadmaps
from roadmaps import Catalog, Check, Level, Roadmap, Signals, Step
from storage import Languages, Storage
from storage.batching import Batcher
from storage.database import ATTEMPTS
from storage.progress_writes import ProgressWrites
from storage.tables import chat_roadmaps, chats, facts, reminders, step_states
from storage.tap_batches import ReadProgress, SetStateCall, serve_taps
from tests.support import StorageFactory

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
SIGNALS = Signals(Level.HIGH, Level.LOW, Level.LOW)
STEPS = tuple(Step(f"step-{n}", f"Step {n}", "Text.", SIGNALS) for n in range(1, 7))
ROADMAP = Roadmap("batch", "Batch", "Steps tapped together.", SIGNALS, STEPS)
BAD_CHAT = 2**63  # outside a 64-bit integer: no database takes it


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


async def marks(storage: Storage) -> dict[tuple[int, str], tuple[str, dt.datetime]]:
    """Every mark in the database: (chat, step): (state, day)."""
    query = select(step_states.c.chat_id, step_states.c.step_id, step_states.c.state, step_states.c.changed_at)
    async with storage.engine.connect() as connection:
        return {(c, s): (state, when) for c, s, state, when in await connection.execute(query)}


async def rows_of(storage: Storage, *columns: Any) -> set[tuple[Any, ...]]:
    async with storage.engine.connect() as connection:
        return {tuple(row) for row in await connection.execute(select(*columns))}


@contextmanager
def counted(storage: Storage) -> Iterator[Counter[str]]:
    """Count the statements the engine sends (by their first word) and the commits."""
    seen: Counter[str] = Counter()

    def statement(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        seen[sql.split(None, 1)[0].upper()] += 1

    def commit(conn: Any) -> None:
        seen["COMMIT"] += 1

    engine = storage.engine.sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


async def test_taps_made_together_cost_one_read_and_one_write_transaction(storage: Storage) -> None:
    chat_ids = range(1, 17)
    with counted(storage) as seen:
        changes = await asyncio.gather(
            *(storage.progress.set_step_state(c, ROADMAP.id, STEPS[0], StepState.DONE, at(c)) for c in chat_ids)
        )
    # The read, and (in the write, for chats starting a roadmap) the reminders they have and the
    # zones the others told.
    assert seen["SELECT"] == 3
    assert seen["COMMIT"] == 1
    # chats, their roadmaps, the marks, the changes' facts, the first reminders: one statement each, for all 16
    assert seen["INSERT"] <= 5 and seen["UPDATE"] == 0
    assert await marks(storage) == {(c, "step-1"): ("done", at(c)) for c in chat_ids}
    assert await rows_of(storage, reminders.c.chat_id) == {(c,) for c in chat_ids}
    assert all(isinstance(c, Changed) and c.new_reminder is not None for c in changes)
    assert await rows_of(storage, facts.c.chat_id, facts.c.step_id, facts.c.new_state) == {
        (c, "step-1", "done") for c in chat_ids
    }

    with counted(storage) as seen:  # the same chats again: no first start, one read
        await asyncio.gather(
            *(storage.progress.set_step_state(c, ROADMAP.id, STEPS[1], StepState.DONE, at(c)) for c in chat_ids)
        )
    if storage.database.dialect == "postgresql":  # the writes in one statement, without a transaction
        assert seen == Counter({"SELECT": 1, "WITH": 1})
    else:
        assert seen["SELECT"] == 1 and seen["COMMIT"] == 1
    assert await marks(storage) == {(c, s.id): ("done", at(c)) for c in chat_ids for s in STEPS[:2]}

    with counted(storage) as seen:
        progresses = await asyncio.gather(*(storage.progress.progress_of(c, ROADMAP.id) for c in chat_ids))
    assert seen == Counter({"SELECT": 1})
    assert [p.state_of(STEPS[0]) for p in progresses] == [StepState.DONE] * 16


async def test_the_languages_of_chats_asked_together_cost_one_read_and_then_none(storage: Storage) -> None:
    chat_ids = range(1, 65)  # sixty-four updates in flight, each of a chat not seen for a while
    for chat_id in chat_ids[::2]:
        await storage.languages.choose(chat_id, "ru", at(0))
    languages = Languages(storage.database)  # another instance's: nothing cached yet
    with counted(storage) as seen:
        found = await asyncio.gather(*(languages.of(c) for c in chat_ids))
    assert seen == Counter({"SELECT": 1})
    assert [f.language for f in found] == ["ru" if c % 2 else None for c in chat_ids]
    with counted(storage) as seen:
        again = await asyncio.gather(*(languages.of(c) for c in chat_ids))
    assert seen == Counter() and again == found, "the cache answers the next updates"


async def test_app_languages_cost_a_lock_and_a_statement_a_language_and_nothing_when_none_were_seen(
    storage: Storage,
) -> None:
    for chat_id in (1, 2, 3):
        await storage.languages.follow_app(chat_id, "en", at(0))
    with counted(storage) as seen:
        await storage.languages.write_seen()  # the presence flush, every two seconds
    assert seen == Counter(), "nothing seen, nothing sent"
    storage.languages.seen(1, "ru")
    storage.languages.seen(2, "es")
    storage.languages.seen(3, "en")  # already so: on PostgreSQL its row is neither locked nor asked to change
    with counted(storage) as seen:
        await storage.languages.write_seen()
    if storage.database.dialect == "postgresql":  # the lock, the two that change, the NOTIFY
        assert seen == Counter({"SELECT": 2, "UPDATE": 2, "COMMIT": 1})
    else:  # one writer at a time: nothing to lock, and a statement a language
        assert seen == Counter({"BEGIN": 1, "UPDATE": 3, "COMMIT": 1})
    assert {c: (await storage.languages.of_chats([c]))[c].language for c in (1, 2, 3)} == {1: "ru", 2: "es", 3: "en"}


async def test_the_steps_done_elsewhere_read_no_ticks_and_a_read_beside_them_gets_its_own(storage: Storage) -> None:
    """A card's "done elsewhere" needs the other roadmaps' marks only: its chat read leaves out the
    ticked checks (one statement, not two), and a read of the same chat in the same batch still
    gets the ticks it asked for."""
    check = Check("built", "Built it.")
    shared = replace(STEPS[0], topic="shared", done_when=(check,))
    here = Roadmap("here", "Here", "The card shown.", SIGNALS, (shared, *STEPS[1:]))
    there = Roadmap("there", "There", "Done before.", SIGNALS, (replace(shared, id="also"),))
    catalog = Catalog((here, there))
    await storage.progress.set_step_state(1, "there", there.steps[0], StepState.DONE, at(0))
    await storage.progress.toggle_check(1, "there", there.steps[0], check, at(1))
    progress = await storage.progress.progress_of(1, "here")
    with counted(storage) as seen:
        others = await storage.progress.other_roadmaps(1, catalog, progress, here.steps)
    assert seen == Counter({"SELECT": 1})
    found = [(o.roadmap_id, o.state_of(there.steps[0]), dict(o.ticks)) for o in others]
    assert found == [("there", StepState.DONE, {})]
    with counted(storage) as seen:
        whole, others = await asyncio.gather(
            storage.progress.progress_of_chat(1), storage.progress.other_roadmaps(1, catalog, progress, here.steps)
        )
    assert seen == Counter({"SELECT": 2}), "one batch: the marks, and the ticks the whole chat's read asked for"
    assert [dict(p.ticks) for p in whole] == [{"also": frozenset({"built"})}] and dict(others[0].ticks) == {}


def sharing_catalog() -> tuple[Catalog, Roadmap, Roadmap, Roadmap]:
    """ "here" shares its first step's topic with "there"; "apart" shares no topic with it."""
    shared = replace(STEPS[0], topic="shared", done_when=(Check("built", "Built it."),))
    here = Roadmap("here", "Here", "The card shown.", SIGNALS, (shared, *STEPS[1:]))
    there = Roadmap("there", "There", "Done before.", SIGNALS, (replace(shared, id="also"),))
    apart = Roadmap("apart", "Apart", "Another topic.", SIGNALS, (replace(STEPS[0], id="own", topic="own"),))
    return Catalog((here, there, apart)), here, there, apart


def test_the_other_roadmaps_are_worth_reading_for_a_shared_topic_not_done_here_that_one_of_them_teaches() -> None:
    """The rule behind that read (progress.topics): unknown others are read whenever a step shares
    its topic; known ones only when one of them teaches it; a step done here needs none."""
    catalog, here, _, _ = sharing_catalog()
    shared, alone = here.steps[0], here.steps[1]

    def needs(others: frozenset[str] | None, steps: Sequence[Step], done: bool = False) -> bool:
        marks = {shared.id: Mark(StepState.DONE, at(0))} if done else {}
        return needs_other_roadmaps(catalog, Progress("here", marks, other_roadmap_ids=others), steps)

    assert needs(None, [shared]) and needs(frozenset({"there"}), [alone, shared])
    assert not needs(None, [alone]) and not needs(frozenset({"there"}), [alone])
    assert not needs(frozenset(), [shared]) and not needs(frozenset({"apart"}), [shared])
    assert not needs(None, [shared], done=True) and not needs(frozenset({"there"}), [shared], done=True)


async def test_a_card_reads_the_other_roadmaps_only_when_the_chat_has_one_that_could_count(storage: Storage) -> None:
    """The tap's read knows the chat's other roadmaps: with none, or none teaching a topic of the
    steps shown, the card reads nothing more; with one that does, it reads them (and finds it)."""
    catalog, here, there, apart = sharing_catalog()
    await storage.progress.set_step_state(1, "here", here.steps[1], StepState.DONE, at(0))
    progress = await storage.progress.progress_of(1, "here")
    assert progress.other_roadmap_ids == frozenset()
    with counted(storage) as seen:
        assert await storage.progress.other_roadmaps(1, catalog, progress, here.steps) == []
    assert seen == Counter(), "no other roadmap: no read"

    await storage.progress.set_step_state(1, "apart", apart.steps[0], StepState.DONE, at(1))
    progress = await storage.progress.open_step(1, "here", here.steps[0], at(2))
    assert progress.other_roadmap_ids == {"apart"}
    with counted(storage) as seen:
        assert await storage.progress.other_roadmaps(1, catalog, progress, here.steps) == []
    assert seen == Counter(), "no other roadmap teaches a topic of here: no read"
    whole = await storage.progress.progress_of_chat(1)
    assert {p.roadmap_id: p.other_roadmap_ids for p in whole} == {"here": {"apart"}, "apart": {"here"}}

    changed = await storage.progress.set_step_state(1, "there", there.steps[0], StepState.DONE, at(3))
    assert changed.after.other_roadmap_ids == {"here", "apart"}
    progress = (await storage.progress.set_step_state(1, "here", here.steps[2], StepState.DONE, at(4))).after
    assert progress.other_roadmap_ids == {"there", "apart"}
    with counted(storage) as seen:
        others = await storage.progress.other_roadmaps(1, catalog, progress, here.steps)
    assert seen == Counter({"SELECT": 1})
    assert sorted((o.roadmap_id, o.state_of(there.steps[0])) for o in others) == [
        ("apart", StepState.TODO),
        ("there", StepState.DONE),
    ]
    whole = await storage.progress.progress_of_chat(1)
    assert {p.roadmap_id: p.other_roadmap_ids for p in whole} == {
        "here": {"there", "apart"},
        "there": {"here", "apart"},
        "apart": {"here", "there"},
    }


async def test_a_batch_reads_each_pair_whole_and_a_roadmap_started_in_it_is_known_to_the_chats_later_reads(
    storage: Storage,
) -> None:
    """Calls of one batch are played in order over one read of every (chat, roadmap) they name: each
    pair gets its own marks, notes (with their day), ticked checks and the chat's other roadmaps; a
    roadmap the chat starts there is among the other roadmaps of its later reads; a change keeps
    the roadmap's notes and ticks; a chat's first call in the batch gives its card's and its
    roadmap's first day."""
    _, here, there, apart = sharing_catalog()
    check = here.steps[0].done_when[0]
    await storage.progress.set_step_state(1, "here", here.steps[1], StepState.DONE, at(0))
    await storage.progress.toggle_check(1, "here", here.steps[0], check, at(1))
    await storage.progress.set_note(1, "here", here.steps[2], "a note", at(2))
    await storage.progress.set_step_state(2, "here", here.steps[2], StepState.WORKING, at(3))
    await storage.progress.set_step_state(2, "apart", apart.steps[0], StepState.DONE, at(4))
    calls = [
        ReadProgress(1, "here"),
        SetStateCall(1, "there", there.steps[0], StepState.DONE, at(5), at(5)),
        ReadProgress(1, "here"),
        ReadProgress(2, "here"),
        ReadProgress(2, "apart"),
        SetStateCall(1, "here", here.steps[3], StepState.WORKING, at(6), at(6)),
        SetStateCall(3, "here", here.steps[0], StepState.WORKING, at(7), at(7)),
        SetStateCall(3, "here", here.steps[1], StepState.DONE, at(8), at(8)),
        SetStateCall(3, "here", here.steps[2], StepState.SKIPPED, at(9), at(9)),
    ]
    before, started, after, second, apart_read, changed, *_ = await serve_taps(
        storage.database, ProgressWrites.of(storage.database), calls
    )
    assert isinstance(before, Progress) and isinstance(after, Progress)
    assert isinstance(second, Progress) and isinstance(apart_read, Progress)
    assert isinstance(started, Changed) and isinstance(changed, Changed)
    assert before.marks == after.marks == {"step-2": Mark(StepState.DONE, at(0))}
    assert dict(before.ticks) == {"step-1": frozenset({"built"})}
    assert before.notes == {"step-3": Note("a note", at(2))}
    assert before.other_roadmap_ids == frozenset() and after.other_roadmap_ids == {"there"}
    assert not started.before.started and started.after.started
    assert started.after.marks == {"also": Mark(StepState.DONE, at(5))} and started.after.other_roadmap_ids == {"here"}
    assert second.marks == {"step-3": Mark(StepState.WORKING, at(3))} and second.other_roadmap_ids == {"apart"}
    assert apart_read.marks == {"own": Mark(StepState.DONE, at(4))} and apart_read.other_roadmap_ids == {"here"}
    assert changed.after.started and changed.after.other_roadmap_ids == {"there"}
    assert dict(changed.after.ticks) == dict(before.ticks) and changed.after.notes == before.notes
    assert await rows_of(storage, chats.c.id, chats.c.created_at) >= {(3, at(7))}
    rows = await rows_of(storage, chat_roadmaps.c.chat_id, chat_roadmaps.c.started_at, chat_roadmaps.c.last_activity_at)
    assert {row for row in rows if row[0] == 3} == {(3, at(7), at(9))}

    two = await serve_taps(
        storage.database, ProgressWrites.of(storage.database), [ReadProgress(2, "here"), ReadProgress(2, "apart")]
    )
    assert two == [second, apart_read] and [p.other_roadmap_ids for p in two] == [{"apart"}, {"here"}]


async def test_a_call_that_cannot_be_written_fails_alone(storage: Storage) -> None:
    progress = storage.progress
    calls = [progress.set_step_state(c, ROADMAP.id, STEPS[1], StepState.WORKING, at(c)) for c in (1, 2, 3)]
    calls.insert(1, progress.set_step_state(BAD_CHAT, ROADMAP.id, STEPS[1], StepState.WORKING, at(0)))
    calls.append(progress.open_step(4, ROADMAP.id, STEPS[2], at(4)))
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert isinstance(outcomes[1], Exception)
    assert not any(isinstance(outcome, BaseException) for i, outcome in enumerate(outcomes) if i != 1)
    assert await marks(storage) == {(c, "step-2"): ("working", at(c)) for c in (1, 2, 3)}
    assert await rows_of(storage, chats.c.id, chats.c.current_step_id) == {
        (1, "step-2"),
        (2, "step-2"),
        (3, "step-2"),
        (4, "step-3"),
    }


async def test_one_chats_calls_in_one_batch_apply_in_order(storage: Storage) -> None:
    progress, roadmap = storage.progress, ROADMAP.id
    await progress.set_step_state(7, roadmap, STEPS[0], StepState.DONE, at(0))
    with counted(storage) as seen:
        _, undone, again, working, opened, read = await asyncio.gather(
            progress.set_step_state(7, roadmap, STEPS[1], StepState.DONE, at(1)),
            progress.set_step_state(7, roadmap, STEPS[0], StepState.TODO, at(2)),
            progress.set_step_state(7, roadmap, STEPS[0], StepState.DONE, at(3)),
            progress.set_step_state(7, roadmap, STEPS[1], StepState.WORKING, at(4)),
            progress.open_step(7, roadmap, STEPS[5], at(5)),
            progress.progress_of(7, roadmap),
        )
    assert seen["COMMIT"] == 1  # one batch

    # each call saw the ones before it
    assert undone.before.state_of(STEPS[1]) is StepState.DONE
    assert again.before.state_of(STEPS[0]) is StepState.TODO
    assert working.before.state_of(STEPS[1]) is StepState.DONE
    assert opened.state_of(STEPS[1]) is StepState.WORKING
    # and the database holds what the last of them left: step 1 done again, on its new day
    assert await marks(storage) == {(7, "step-1"): ("done", at(3)), (7, "step-2"): ("working", at(4))}
    assert await rows_of(storage, chats.c.id, chats.c.current_step_id) == {(7, "step-6")}
    assert await rows_of(storage, chat_roadmaps.c.started_at, chat_roadmaps.c.last_activity_at) == {(at(0), at(4))}
    assert read.marks == (await progress.progress_of(7, roadmap)).marks


async def test_a_step_marked_again_in_its_state_keeps_its_day_within_a_batch(storage: Storage) -> None:
    progress = storage.progress
    await progress.set_step_state(8, ROADMAP.id, STEPS[0], StepState.SKIPPED, at(0))
    kept, *_ = await asyncio.gather(
        progress.set_step_state(8, ROADMAP.id, STEPS[0], StepState.SKIPPED, at(1)),
        progress.set_step_state(9, ROADMAP.id, STEPS[0], StepState.SKIPPED, at(1)),
    )
    assert kept.before == kept.after
    assert await marks(storage) == {(8, "step-1"): ("skipped", at(0)), (9, "step-1"): ("skipped", at(1))}


async def test_two_instances_on_one_database_end_as_some_serial_order(make_storage: StorageFactory) -> None:
    first, second = make_storage(), make_storage()
    chat_ids = range(1, 9)

    async def tap(storage: Storage, chat_id: int, own: Step, minute: int) -> None:
        """A chat's taps on one instance, one after another: its own step toggled, then the shared one."""
        for n, state in enumerate((StepState.WORKING, StepState.DONE, StepState.TODO, StepState.SKIPPED)):
            await storage.progress.open_step(chat_id, ROADMAP.id, own, at(minute + n))
            await storage.progress.set_step_state(chat_id, ROADMAP.id, own, state, at(minute + n))
        await storage.progress.set_step_state(chat_id, ROADMAP.id, STEPS[5], StepState.DONE, at(minute + 9))

    await asyncio.gather(
        *(tap(first, c, STEPS[0], 0) for c in chat_ids),
        *(tap(second, c, STEPS[1], 20) for c in chat_ids),
    )

    found = await marks(first)
    for c in chat_ids:
        assert found[c, "step-1"] == ("skipped", at(3))
        assert found[c, "step-2"] == ("skipped", at(23))
        # both marked the shared step done: whichever came first keeps its day, as in a serial order
        assert found[c, "step-6"] in {("done", at(9)), ("done", at(29))}
    assert len(found) == 3 * len(chat_ids)
    assert await rows_of(first, reminders.c.chat_id) == {(c,) for c in chat_ids}
    assert len(await rows_of(second, chat_roadmaps.c.chat_id, chat_roadmaps.c.roadmap_id)) == len(chat_ids)


@pytest.mark.parametrize("batched", [True, False])
async def test_calls_answer_the_same_with_or_without_batches(make_storage: StorageFactory, batched: bool) -> None:
    storage = make_storage()
    storage.progress.batched(batched)
    changes = await asyncio.gather(
        *(storage.progress.set_step_state(c, ROADMAP.id, STEPS[c % 3], StepState.DONE, at(c)) for c in range(1, 7))
    )
    assert [sorted(c.after.marks) for c in changes] == [[f"step-{c % 3 + 1}"] for c in range(1, 7)]
    assert len(await marks(storage)) == 6


async def test_a_chats_call_made_while_its_batch_is_served_waits_for_the_next() -> None:
    batches: list[list[tuple[str, int]]] = []
    entered, release = asyncio.Queue[None](), asyncio.Event()

    async def serve(calls: Sequence[tuple[str, int]]) -> list[int]:
        batches.append(list(calls))
        entered.put_nowait(None)
        await release.wait()
        return [n for _, n in calls]

    batcher: Batcher[tuple[str, int], int] = Batcher(serve, key=lambda call: call[0])
    first = asyncio.create_task(batcher(("chat 1", 1)))
    await entered.get()  # a lone call goes out on its own
    again, other = asyncio.create_task(batcher(("chat 1", 2))), asyncio.create_task(batcher(("chat 2", 3)))
    await entered.get()  # a second batch goes out meanwhile, without chat 1's call
    assert batches == [[("chat 1", 1)], [("chat 2", 3)]]
    release.set()
    assert await asyncio.gather(first, again, other) == [1, 2, 3]
    assert batches[2:] == [[("chat 1", 2)]]


def opposite_locks(runs: Counter[int]) -> tuple[Any, Any]:
    """Two works that update chats 1 and 2 in opposite orders, each taking its second row only
    once both hold their first: run at once, PostgreSQL ends one of them with a deadlock."""
    holding = {1: asyncio.Event(), 2: asyncio.Event()}

    def locking(first: int, then: int) -> Any:
        async def work(connection: AsyncConnection) -> None:
            runs[first] += 1
            for chat_id in (first, then):
                await connection.execute(
                    update(chats).where(chats.c.id == chat_id).values(current_step_id=f"by {first}")
                )
                holding[chat_id].set()
                await holding[then].wait()

        return work

    return locking(1, 2), locking(2, 1)


async def test_a_write_that_loses_a_deadlock_runs_again_whole_and_a_bad_row_does_not(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    """Two transactions lock two chats' rows in opposite orders: PostgreSQL ends one with a
    deadlock, and `write_retrying` runs it again, so both land. A write that fails for its row runs
    once; one that keeps losing races gives up after ATTEMPTS runs, raising the database's error."""
    if storage.database.dialect != "postgresql":
        pytest.skip("SQLite's writers take turns: no two transactions hold locks at once")
    database = storage.database
    for chat_id in (1, 2):
        await storage.progress.open_step(chat_id, ROADMAP.id, STEPS[0], at(0))
    runs: Counter[int] = Counter()
    with caplog.at_level(logging.INFO, logger="storage.database"):
        await asyncio.gather(*(database.write_retrying(work) for work in opposite_locks(runs)))
    assert sorted(runs.values()) == [1, 2]  # the deadlock's loser ran again, after the winner
    said = [record.getMessage() for record in caplog.records if record.name == "storage.database"]
    assert said == [f"a write lost a race (SQLSTATE 40P01); trying again (1 of {ATTEMPTS})"]
    last = 1 if runs[1] == 2 else 2
    assert await rows_of(storage, chats.c.id, chats.c.current_step_id) == {(1, f"by {last}"), (2, f"by {last}")}

    async def duplicate(connection: AsyncConnection) -> None:
        runs[0] += 1
        await connection.execute(chats.insert().values(id=1, created_at=at(0)))

    with pytest.raises(IntegrityError):
        await database.write_retrying(duplicate)
    assert runs[0] == 1

    async def in_a_transaction(work: Any) -> None:
        async with database.writing() as connection:
            await work(connection)

    # The same deadlock without retrying: its error, which a work that keeps losing raises.
    outcomes = await asyncio.gather(*(in_a_transaction(w) for w in opposite_locks(runs)), return_exceptions=True)
    [lost] = [outcome for outcome in outcomes if isinstance(outcome, DBAPIError)]

    async def losing() -> None:
        runs[-1] += 1
        raise lost

    with pytest.raises(DBAPIError) as raised:
        await database.retrying(losing)
    assert raised.value is lost and runs[-1] == ATTEMPTS


async def test_a_roadmap_started_by_a_chat_with_a_reminder_leaves_it_out_of_the_insert_and_its_row_unwaited(
    storage: Storage,
) -> None:
    """A chat starting its second roadmap already has its reminder: the tap's batch sends no insert
    for it, and (on PostgreSQL, where transactions hold rows) does not wait for a transaction that
    holds its row (here, as presence forgives a chat's ignored nudges), while a chat starting its
    first roadmap in the same batch gets one."""
    await storage.progress.set_step_state(1, ROADMAP.id, STEPS[0], StepState.DONE, at(0))
    before = await rows_of(storage, *reminders.c)
    assert [row[0] for row in before] == [1]
    sent: list[str] = []
    engine = storage.engine.sync_engine

    def statement(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        sent.append(" ".join(sql.split()[:3]).upper())

    event.listen(engine, "before_cursor_execute", statement)
    try:
        await storage.progress.set_step_state(1, "second", STEPS[0], StepState.DONE, at(1))
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    assert sent and "INSERT INTO REMINDERS" not in sent
    if storage.database.dialect != "postgresql":
        return
    async with storage.engine.connect() as holder:
        await holder.execute(update(reminders).where(reminders.c.chat_id == 1).values(unanswered=0))
        try:  # the row stays held until the holder ends: a batch that waits for it never answers
            answers = await asyncio.wait_for(
                serve_taps(
                    storage.database,
                    ProgressWrites.of(storage.database),
                    [
                        SetStateCall(1, "third", STEPS[0], StepState.DONE, at(2), at(2)),
                        SetStateCall(2, "third", STEPS[0], StepState.DONE, at(2), at(2)),
                    ],
                ),
                timeout=20,
            )
        finally:
            await holder.rollback()
    assert [isinstance(a, Changed) and a.new_reminder is not None for a in answers] == [False, True]
    after = await rows_of(storage, *reminders.c)
    assert {row for row in after if row[0] == 1} == before  # chat 1's reminder as it was
    assert {row[0] for row in after} == {1, 2}
    states = await rows_of(storage, step_states.c.chat_id, step_states.c.roadmap_id, step_states.c.state)
    assert {(1, "second", "done"), (1, "third", "done"), (2, "third", "done")} <= states
