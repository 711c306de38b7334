"""Announcements as stored: who an audience is, the queue, leases of recipients claimed by one
instance at a time, a recipient's night, claims left in flight by a crash, and the figures. Both
databases; rows read back."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import insert, select, update

from progress.announcements import (
    ACTIVE,
    EVERYONE,
    AnnouncementStatus,
    Audience,
    Recipient,
    RecipientState,
    before_sending,
    quiet_until,
)
from storage import Storage
from storage.tables import announcement_recipients, chat_days, chat_roadmaps, chats, reminders
from tests.support import StorageFactory

NOON = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
SEED = "backend-engineer-ai-era"
R = announcement_recipients.c


async def add_chats(storage: Storage, ids: range, **columns: object) -> None:
    """Chats with nothing but a row (and the given columns)."""
    async with storage.engine.begin() as connection:
        await connection.execute(insert(chats), [{"id": i, "created_at": NOON, **columns} for i in ids])


async def a_mixed_crowd(storage: Storage) -> None:
    """Chats 1–10: 1–4 started the seed, 5–7 speak Russian, 8 turned announcements off, 9 blocked
    the bot, 1–3 and 10 were seen in the last 28 days, 4 forty days ago."""
    await add_chats(storage, range(1, 11))
    async with storage.engine.begin() as connection:
        await connection.execute(update(chats).where(chats.c.id.in_([5, 6, 7])).values(language="ru"))
        await connection.execute(update(chats).where(chats.c.id == 8).values(announcements=False))
        await connection.execute(
            insert(chat_roadmaps),
            [{"chat_id": i, "roadmap_id": SEED, "started_at": NOON, "last_activity_at": NOON} for i in range(1, 5)],
        )
        reminder = {"weekdays": 16, "hour": 9, "unanswered": 0, "failures": 0}
        await connection.execute(
            insert(reminders),
            [
                {"chat_id": 1, "status": "active", "timezone": "Asia/Tokyo", "due_at": NOON, **reminder},
                {"chat_id": 9, "status": "blocked", "timezone": "UTC", "due_at": None, **reminder},
            ],
        )
        days = [(1, 1), (2, 3), (3, 27), (10, 0), (4, 40)]
        await connection.execute(
            insert(chat_days),
            [{"chat_id": c, "day": (NOON - dt.timedelta(days=d)).date(), "first_at": NOON} for c, d in days],
        )


async def queued_chats(storage: Storage, announcement_id: int) -> dict[int, tuple[str, str]]:
    async with storage.engine.connect() as connection:
        rows = await connection.execute(
            select(
                announcement_recipients.c.chat_id, announcement_recipients.c.state, announcement_recipients.c.timezone
            ).where(announcement_recipients.c.announcement_id == announcement_id)
        )
        return {chat_id: (state, zone) for chat_id, state, zone in rows}


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (EVERYONE, {1, 2, 3, 4, 5, 6, 7, 10}),
        (Audience.parse(f"roadmap:{SEED}"), {1, 2, 3, 4}),
        (Audience.parse("language:ru"), {5, 6, 7}),
        (Audience.parse("language:en"), {1, 2, 3, 4, 10}),
        (ACTIVE, {1, 2, 3, 10}),
    ],
)
async def test_an_audience_is_its_chats_never_one_opted_out_or_blocked(
    storage: Storage, audience: Audience | None, expected: set[int]
) -> None:
    assert audience is not None
    await a_mixed_crowd(storage)
    assert await storage.announcements.count_audience(audience, NOON) == len(expected)
    draft = await storage.announcements.draft("<b>News</b>", audience, NOON, chat_id=99)
    assert await storage.announcements.queue(draft.id, NOON) == len(expected)
    queued = await queued_chats(storage, draft.id)
    assert set(queued) == expected
    assert all(state == "queued" for state, _ in queued.values())
    if 1 in queued:
        assert queued[1][1] == "Asia/Tokyo", "the recipient's zone comes from its reminder"
    assert await storage.announcements.queue(draft.id, NOON) is None, "a second confirmation queues nothing"
    assert len(await queued_chats(storage, draft.id)) == len(expected)


async def test_operators_chats_can_be_left_out(storage: Storage) -> None:
    await a_mixed_crowd(storage)
    assert await storage.announcements.count_audience(EVERYONE, NOON, leave_out={1, 2}) == 6


async def test_leases_claimed_at_once_by_two_instances_never_share_a_recipient(make_storage: StorageFactory) -> None:
    one, other = make_storage(), make_storage()
    await add_chats(one, range(1, 501))
    draft = await one.announcements.draft("Hello", EVERYONE, NOON)
    assert await one.announcements.queue(draft.id, NOON) == 500

    async def drain(storage: Storage) -> list[int]:
        got: list[int] = []
        while lease := await storage.announcements.claim(draft.id, NOON, 7):
            got += [r.chat_id for r in lease]
            await asyncio.sleep(0)
        return got

    first, second = await asyncio.gather(drain(one), drain(other))
    assert not set(first) & set(second), "no recipient in two leases"
    assert sorted(first + second) == list(range(1, 501)), "every recipient in one lease"
    assert (await one.announcements.tally(draft.id))[RecipientState.SENDING] == 500


async def test_a_claim_is_in_flight_until_recorded_and_a_dead_senders_claims_become_unknown(storage: Storage) -> None:
    await add_chats(storage, range(1, 6))
    store = storage.announcements
    draft = await store.draft("Hello", EVERYONE, NOON)
    await store.queue(draft.id, NOON)
    lease = await store.claim(draft.id, NOON, 3)
    assert [r.chat_id for r in lease] == [1, 2, 3]
    await store.record(draft.id, NOON, [(1, RecipientState.SENT, None), (2, RecipientState.BLOCKED, None)], NOON)
    later = NOON + dt.timedelta(minutes=5)
    assert await store.give_up_stale(draft.id, later - dt.timedelta(minutes=1), later) == 1
    tally = await store.tally(draft.id)
    assert (tally[RecipientState.SENT], tally[RecipientState.BLOCKED], tally[RecipientState.UNKNOWN]) == (1, 1, 1)
    assert tally[RecipientState.QUEUED] == 2 and not tally.finished
    assert not await store.finish_if_done(draft.id, later)
    assert [r.chat_id for r in await store.claim(draft.id, later, 10)] == [4, 5], "chat 3 is never claimed again"
    await store.record(draft.id, later, [(4, RecipientState.SENT, None), (5, RecipientState.SENT, None)], later)
    assert await store.finish_if_done(draft.id, later)
    assert not await store.finish_if_done(draft.id, later), "finished once"
    assert (await store.of(draft.id)).status is AnnouncementStatus.DONE  # type: ignore[union-attr]


async def test_a_chat_that_opted_out_or_was_forgotten_after_queueing_is_claimed_as_such(storage: Storage) -> None:
    await add_chats(storage, range(1, 4))
    store = storage.announcements
    draft = await store.draft("Hello", EVERYONE, NOON)
    await store.queue(draft.id, NOON)
    await store.choose(2, False, NOON)
    assert not await store.wants(2)
    async with storage.engine.begin() as connection:
        await connection.execute(chats.delete().where(chats.c.id == 3))
    lease = await store.claim(draft.id, NOON, 10)
    assert [before_sending(r, NOON) for r in lease] == [None, RecipientState.OPTED_OUT, RecipientState.LEFT]


async def test_forgetting_a_chat_takes_it_out_of_every_queue(storage: Storage) -> None:
    await add_chats(storage, range(1, 4))
    draft = await storage.announcements.draft("Hello", EVERYONE, NOON)
    await storage.announcements.queue(draft.id, NOON)
    await storage.chat_data.forget_chat(2)
    assert set(await queued_chats(storage, draft.id)) == {1, 3}


async def test_a_recipient_held_for_its_night_is_claimed_when_it_is_over(storage: Storage) -> None:
    await add_chats(storage, range(1, 3))
    store = storage.announcements
    draft = await store.draft("Hello", EVERYONE, NOON)
    await store.queue(draft.id, NOON)
    await store.claim(draft.id, NOON, 1)
    morning = NOON + dt.timedelta(hours=8)
    await store.hold(draft.id, {1: morning})
    assert [r.chat_id for r in await store.claim(draft.id, NOON, 10)] == [2]
    assert await store.claim(draft.id, morning - dt.timedelta(seconds=1), 10) == []
    assert [r.chat_id for r in await store.claim(draft.id, morning, 10)] == [1]


async def test_cancelling_leaves_what_has_not_gone_unsent(storage: Storage) -> None:
    await add_chats(storage, range(1, 6))
    store = storage.announcements
    draft = await store.draft("Hello", EVERYONE, NOON)
    await store.queue(draft.id, NOON)
    await store.claim(draft.id, NOON, 2)
    assert await store.cancel(draft.id, NOON)
    assert not await store.cancel(draft.id, NOON)
    tally = await store.tally(draft.id)
    assert (tally[RecipientState.CANCELLED], tally[RecipientState.SENDING]) == (3, 2)
    assert await store.claim(draft.id, NOON, 10) == []
    assert await store.sending(NOON) == []


async def test_the_shared_budget_spaces_leases_at_the_rate_whoever_takes_them(make_storage: StorageFactory) -> None:
    one, other = make_storage(), make_storage()
    draft = await one.announcements.draft("Hello", EVERYONE, NOON)
    starts = [await (one if i % 2 else other).announcements.take_budget(draft.id, 10, 20.0, NOON) for i in range(6)]
    assert starts == [NOON + dt.timedelta(seconds=0.5 * i) for i in range(6)]
    later = NOON + dt.timedelta(minutes=1)
    assert await one.announcements.take_budget(draft.id, 10, 20.0, later) == later, "an idle budget starts now"


@pytest.mark.parametrize(
    ("utc", "zone", "until"),
    [
        ("2026-12-04T12:00", "UTC", None),
        ("2026-12-04T21:59", "UTC", None),
        ("2026-12-04T22:00", "UTC", "2026-12-05T08:00"),
        ("2026-12-05T07:59", "UTC", "2026-12-05T08:00"),
        ("2026-12-04T14:00", "Asia/Tokyo", "2026-12-04T23:00"),  # 23:00 in Tokyo; 08:00 there is 23:00 UTC
        ("2026-12-04T15:00", "America/New_York", None),
        ("2026-12-04T04:00", "America/New_York", "2026-12-04T13:00"),
    ],
)
def test_quiet_hours_hold_a_recipient_until_eight_in_its_zone(utc: str, zone: str, until: str | None) -> None:
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    expected = None if until is None else dt.datetime.fromisoformat(until).replace(tzinfo=dt.UTC)
    assert quiet_until(now, zone) == expected
    held = before_sending(Recipient(1, zone, wants=True, exists=True), now)
    assert held == expected


def test_audiences_are_written_one_way_and_read_back() -> None:
    for spelled in ("everyone", "active", "roadmap:backend-engineer-ai-era", "language:pt_BR"):
        audience = Audience.parse(spelled)
        assert audience is not None and str(audience) == spelled
    for wrong in ("", "all", "roadmap:", "language:a b", "roadmap:x:y"):
        assert Audience.parse(wrong) is None


async def test_an_announcement_queued_for_later_goes_from_then(storage: Storage) -> None:
    await add_chats(storage, range(1, 3))
    store = storage.announcements
    draft = await store.draft("Hello", EVERYONE, NOON)
    later = NOON + dt.timedelta(hours=3)
    assert await store.queue(draft.id, NOON, starts_at=later) == 2
    assert await store.sending(NOON) == []
    assert [a.id for a in await store.sending(later)] == [draft.id]
