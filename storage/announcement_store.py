"""The announcement flow's queries: drafts, the audience and its queue, leases of recipients claimed
to be sent (FOR UPDATE SKIP LOCKED on PostgreSQL, compare-and-set on SQLite), the sending budget
every instance shares, what became of each recipient, and the figures. Each method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from progress.announcements import (
    ACTIVE_DAYS,
    AnnouncementStatus,
    Audience,
    AudienceKind,
    Recipient,
    RecipientState,
    Tally,
    budget_slot,
)
from progress.reminders import ReminderStatus
from progress.schedule import DEFAULT_TIMEZONE
from storage.database import Database
from storage.tables import (
    UtcDateTime,
    announcement_recipients,
    announcements,
    chat_days,
    chat_roadmaps,
    chats,
    facts,
    reminders,
)

R = announcement_recipients.c
A = announcements.c
# The language a chat without one is spoken to in (the catalogs' source).
SOURCE_LANGUAGE = "en"
# Reminders that say the chat cannot be written to: it is no recipient until it writes again.
# The kind of fact a 403 leaves (as a nudge's does).
BLOCKED_FACT = "blocked"
UNREACHABLE = (ReminderStatus.BLOCKED.value, ReminderStatus.GONE.value)


@dataclass(frozen=True, slots=True)
class Announcement:
    """An announcement as stored."""

    id: int
    chat_id: int | None
    message_id: int | None
    text: str
    photo: str | None
    roadmap_id: str | None
    audience: Audience
    status: AnnouncementStatus
    created_at: dt.datetime
    starts_at: dt.datetime
    finished_at: dt.datetime | None


def _announcement(row: Any) -> Announcement:
    audience = Audience.parse(row.audience)
    assert audience is not None, f"stored audience {row.audience!r}"
    return Announcement(
        row.id,
        row.chat_id,
        row.message_id,
        row.text,
        row.photo,
        row.roadmap_id,
        audience,
        AnnouncementStatus(row.status),
        row.created_at,
        row.starts_at,
        row.finished_at,
    )


def audience_query(audience: Audience, now: dt.datetime, leave_out: Collection[int] = ()) -> Select[Any]:
    """The chats an audience is (their id and time zone), among every chat the bot knows (one with a
    row, or seen on some day): never one that turned announcements off or cannot be written to."""
    known = union(select(chats.c.id.label("id")), select(chat_days.c.chat_id.label("id"))).subquery("known")
    chat = known.c.id
    zone = func.coalesce(reminders.c.timezone, DEFAULT_TIMEZONE)
    query = (
        select(chat, zone.label("timezone"))
        .select_from(known.outerjoin(chats, chats.c.id == chat).outerjoin(reminders, reminders.c.chat_id == chat))
        .where(
            or_(chats.c.announcements.is_(None), chats.c.announcements.is_(True)),
            or_(reminders.c.status.is_(None), reminders.c.status.not_in(UNREACHABLE)),
        )
    )
    if leave_out:
        query = query.where(chat.not_in(list(leave_out)))
    match audience.kind:
        case AudienceKind.ROADMAP:
            started = (chat_roadmaps.c.chat_id == chat) & (chat_roadmaps.c.roadmap_id == audience.value)
            query = query.where(exists().where(started, chat_roadmaps.c.started_at.is_not(None)))
        case AudienceKind.LANGUAGE:
            speaks = chats.c.language == audience.value
            if audience.value == SOURCE_LANGUAGE:
                speaks = speaks | chats.c.language.is_(None)
            query = query.where(speaks)
        case AudienceKind.ACTIVE:
            since = (now - dt.timedelta(days=ACTIVE_DAYS)).astimezone(dt.UTC).date()
            query = query.where(exists().where(chat_days.c.chat_id == chat, chat_days.c.day > since))
    return query


class AnnouncementStore:
    """Announcements over the shared Database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # --- writing one ---------------------------------------------------------------------------

    async def draft(
        self,
        text: str,
        audience: Audience,
        now: dt.datetime,
        *,
        photo: str | None = None,
        roadmap_id: str | None = None,
        chat_id: int | None = None,
        starts_at: dt.datetime | None = None,
    ) -> Announcement:
        """A new announcement, not yet sent to anyone."""
        values = {
            "chat_id": chat_id,
            "text": text,
            "photo": photo,
            "roadmap_id": roadmap_id,
            "audience": str(audience),
            "status": AnnouncementStatus.DRAFT.value,
            "created_at": now,
            "starts_at": starts_at or now,
        }
        async with self.database.writing() as connection:
            row = (await connection.execute(insert(announcements).values(values).returning(*announcements.c))).one()
        return _announcement(row)

    async def of(self, announcement_id: int) -> Announcement | None:
        """An announcement by its id."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(announcements).where(A.id == announcement_id))).first()
        return None if row is None else _announcement(row)

    async def change_audience(self, announcement_id: int, audience: Audience) -> Announcement | None:
        """A draft's audience; None when it is no longer a draft."""
        statement = (
            update(announcements)
            .where(A.id == announcement_id, A.status == AnnouncementStatus.DRAFT.value)
            .values(audience=str(audience))
            .returning(*announcements.c)
        )
        async with self.database.writing() as connection:
            row = (await connection.execute(statement)).first()
        return None if row is None else _announcement(row)

    async def show_in(self, announcement_id: int, chat_id: int, message_id: int) -> None:
        """The message of the operator's chat that shows the announcement's progress."""
        statement = update(announcements).where(A.id == announcement_id).values(chat_id=chat_id, message_id=message_id)
        async with self.database.writing() as connection:
            await connection.execute(statement)

    async def count_audience(self, audience: Audience, now: dt.datetime, leave_out: Collection[int] = ()) -> int:
        """How many chats an audience is now."""
        query = select(func.count()).select_from(audience_query(audience, now, leave_out).subquery())
        async with self.database.reading() as connection:
            return int((await connection.execute(query)).scalar_one())

    async def queue(self, announcement_id: int, now: dt.datetime, leave_out: Collection[int] = ()) -> int | None:
        """Confirm a draft: one queued row per chat of its audience now, in one statement; how many.
        None when it was not a draft (confirmed already, or cancelled): nothing is queued twice."""

        async def work(connection: AsyncConnection) -> int | None:
            confirm = (
                update(announcements)
                .where(A.id == announcement_id, A.status == AnnouncementStatus.DRAFT.value)
                .values(status=AnnouncementStatus.SENDING.value)
                .returning(A.audience)
            )
            spelled = (await connection.execute(confirm)).scalar_one_or_none()
            if spelled is None:
                return None
            audience = Audience.parse(spelled)
            assert audience is not None
            chosen = audience_query(audience, now, leave_out).subquery()
            rows = select(
                literal(announcement_id).label("announcement_id"),
                chosen.c.id,
                literal(RecipientState.QUEUED.value).label("state"),
                chosen.c.timezone,
            )
            into = [R.announcement_id, R.chat_id, R.state, R.timezone]
            queued = await connection.execute(insert(announcement_recipients).from_select(into, rows))
            return int(queued.rowcount)

        return await self.database.write_retrying(work)

    async def cancel(self, announcement_id: int, now: dt.datetime) -> bool:
        """Stop an announcement: what has not gone stays unsent. False when it had already ended."""
        going = (AnnouncementStatus.DRAFT.value, AnnouncementStatus.SENDING.value)
        async with self.database.writing() as connection:
            stopped = await connection.execute(
                update(announcements)
                .where(A.id == announcement_id, A.status.in_(going))
                .values(status=AnnouncementStatus.CANCELLED.value, finished_at=now)
            )
            await connection.execute(
                update(announcement_recipients)
                .where(R.announcement_id == announcement_id, R.state == RecipientState.QUEUED.value)
                .values(state=RecipientState.CANCELLED.value, done_at=now)
            )
        return stopped.rowcount == 1

    # --- sending it ----------------------------------------------------------------------------

    async def sending(self, now: dt.datetime) -> list[Announcement]:
        """The announcements going out now, oldest first."""
        query = (
            select(announcements)
            .where(A.status == AnnouncementStatus.SENDING.value, A.starts_at <= now)
            .order_by(A.starts_at, A.id)
        )
        async with self.database.reading() as connection:
            return [_announcement(row) for row in await connection.execute(query)]

    async def take_budget(self, announcement_id: int, count: int, per_second: float, now: dt.datetime) -> dt.datetime:
        """Take `count` messages of the budget every instance shares; the moment they may start."""

        async def work(connection: AsyncConnection) -> dt.datetime:
            query = select(A.paced_until).where(A.id == announcement_id)
            if self.database.dialect == "postgresql":
                query = query.with_for_update()
            paced_until = (await connection.execute(query)).scalar_one_or_none()
            until = budget_slot(paced_until, now, count, per_second)
            await connection.execute(update(announcements).where(A.id == announcement_id).values(paced_until=until))
            return until - dt.timedelta(seconds=count / per_second)

        return await self.database.write_retrying(work)

    async def claim(self, announcement_id: int, now: dt.datetime, limit: int) -> list[Recipient]:
        """Claim up to `limit` queued recipients whose night is over, marking them in flight before
        anything is sent (a crash leaves them in flight, later UNKNOWN: never sent twice).

        On PostgreSQL the picked rows are locked, SKIP LOCKED, so instances take different rows; on
        SQLite writers take turns, and the UPDATE re-checks the state (compare-and-set)."""
        queued = and_(
            R.announcement_id == announcement_id,
            R.state == RecipientState.QUEUED.value,
            or_(R.not_before.is_(None), R.not_before <= now),
        )
        picked = select(R.chat_id).where(queued).order_by(R.chat_id).limit(limit)
        if self.database.dialect == "postgresql":
            picked = picked.with_for_update(skip_locked=True)
        # Picked once, as a CTE: a subquery with LIMIT under an UPDATE may be run again by
        # PostgreSQL's plan and pick more rows than the lease.
        lease = picked.cte("lease")
        if self.database.dialect == "postgresql":
            lease = lease.prefix_with("MATERIALIZED")
        claim = (
            update(announcement_recipients)
            .where(queued, R.chat_id.in_(select(lease.c.chat_id)))
            .values(state=RecipientState.SENDING.value, claimed_at=now)
            .returning(R.chat_id, R.timezone)
        )
        async with self.database.writing() as connection:
            claimed = (await connection.execute(claim)).all()
            if not claimed:
                return []
            ids = [chat_id for chat_id, _ in claimed]
            wanting = await connection.execute(select(chats.c.id, chats.c.announcements).where(chats.c.id.in_(ids)))
            wants = {chat_id: bool(flag) for chat_id, flag in wanting}
            seen = select(chat_days.c.chat_id).where(chat_days.c.chat_id.in_(ids)).distinct()
            known = set(wants) | set((await connection.execute(seen)).scalars())
        return [
            Recipient(chat_id, zone, wants.get(chat_id, True), chat_id in known) for chat_id, zone in sorted(claimed)
        ]

    async def hold(self, announcement_id: int, until: Mapping[int, dt.datetime]) -> None:
        """Put claimed recipients back in the queue until their night is over."""
        if not until:
            return
        statement = (
            update(announcement_recipients)
            .where(R.announcement_id == announcement_id, R.chat_id == bindparam("b_chat"))
            .values(
                state=RecipientState.QUEUED.value, not_before=bindparam("b_until", type_=UtcDateTime), claimed_at=None
            )
        )
        async with self.database.writing() as connection:
            await connection.execute(statement, [{"b_chat": c, "b_until": t} for c, t in until.items()])

    async def record(
        self,
        announcement_id: int,
        claimed_at: dt.datetime,
        outcomes: Iterable[tuple[int, RecipientState, int | None]],
        now: dt.datetime,
    ) -> None:
        """What became of claimed recipients (chat, state, the new id it went to): only rows still
        held by this claim change."""
        outcomes_kept = list(outcomes)
        rows = [{"b_chat": c, "b_state": s.value, "b_to": to} for c, s, to in outcomes_kept]
        if not rows:
            return
        statement = (
            update(announcement_recipients)
            .where(
                R.announcement_id == announcement_id,
                R.chat_id == bindparam("b_chat"),
                R.claimed_at == bindparam("b_claimed", type_=UtcDateTime),
                or_(R.state == RecipientState.SENDING.value, R.state == RecipientState.UNKNOWN.value),
            )
            .values(
                state=bindparam("b_state"), sent_to=bindparam("b_to"), done_at=bindparam("b_now", type_=UtcDateTime)
            )
        )
        blocked = [c for c, s, _ in outcomes_kept if s is RecipientState.BLOCKED]
        async with self.database.writing() as connection:
            await connection.execute(statement, [{**row, "b_claimed": claimed_at, "b_now": now} for row in rows])
            if blocked:  # as a nudge's 403 does: reminders stop until the chat writes again
                await connection.execute(
                    update(reminders)
                    .where(reminders.c.chat_id.in_(blocked), reminders.c.status.not_in(UNREACHABLE))
                    .values(status=ReminderStatus.BLOCKED.value, due_at=None, stopped_at=now, claimed_at=None)
                )
                await connection.execute(
                    insert(facts), [{"chat_id": c, "at": now, "kind": BLOCKED_FACT, "source": None} for c in blocked]
                )

    async def give_up_stale(self, announcement_id: int, claimed_before: dt.datetime, now: dt.datetime) -> int:
        """Claims in flight since before `claimed_before` (their sender died) become UNKNOWN: maybe
        sent, never sent again. How many."""
        statement = (
            update(announcement_recipients)
            .where(
                R.announcement_id == announcement_id,
                R.state == RecipientState.SENDING.value,
                R.claimed_at < claimed_before,
            )
            .values(state=RecipientState.UNKNOWN.value, done_at=now)
        )
        async with self.database.writing() as connection:
            return int((await connection.execute(statement)).rowcount)

    async def finish_if_done(self, announcement_id: int, now: dt.datetime) -> bool:
        """Mark an announcement done when no recipient waits; True for the one caller that did."""
        waiting = exists().where(
            R.announcement_id == announcement_id,
            R.state.in_((RecipientState.QUEUED.value, RecipientState.SENDING.value)),
        )
        statement = (
            update(announcements)
            .where(A.id == announcement_id, A.status == AnnouncementStatus.SENDING.value, ~waiting)
            .values(status=AnnouncementStatus.DONE.value, finished_at=now)
        )
        async with self.database.writing() as connection:
            return (await connection.execute(statement)).rowcount == 1

    async def claim_report(self, announcement_id: int, now: dt.datetime, every: dt.timedelta) -> bool:
        """Whether this caller shows the progress now: at most once `every`, across instances."""
        statement = (
            update(announcements)
            .where(A.id == announcement_id, or_(A.reported_at.is_(None), A.reported_at <= now - every))
            .values(reported_at=now)
        )
        async with self.database.writing() as connection:
            return (await connection.execute(statement)).rowcount == 1

    # --- reading the figures -------------------------------------------------------------------

    async def tally(self, announcement_id: int) -> Tally:
        """How many recipients of an announcement are in each state."""
        query = select(R.state, func.count()).where(R.announcement_id == announcement_id).group_by(R.state)
        async with self.database.reading() as connection:
            return Tally({RecipientState(state): int(count) for state, count in await connection.execute(query)})

    async def recent(self, since: dt.datetime) -> list[tuple[Announcement, Tally]]:
        """Announcements confirmed since `since` (drafts left out), newest first, with their figures."""
        confirmed = A.status != AnnouncementStatus.DRAFT.value
        query = select(announcements).where(confirmed, A.created_at >= since).order_by(A.created_at.desc(), A.id.desc())
        async with self.database.reading() as connection:
            found = [_announcement(row) for row in await connection.execute(query)]
            counts = await connection.execute(
                select(R.announcement_id, R.state, func.count())
                .where(R.announcement_id.in_([a.id for a in found]))
                .group_by(R.announcement_id, R.state)
            )
            by_id: dict[int, dict[RecipientState, int]] = {}
            for announcement_id, state, count in counts:
                by_id.setdefault(announcement_id, {})[RecipientState(state)] = int(count)
        return [(a, Tally(by_id.get(a.id, {}))) for a in found]

    async def purge(self, finished_before: dt.datetime) -> int:
        """Drop the recipient rows of announcements finished before the facts' retention; how many.
        The announcement itself stays."""
        old = select(A.id).where(A.finished_at < finished_before).scalar_subquery()
        async with self.database.writing() as connection:
            return int(
                (await connection.execute(delete(announcement_recipients).where(R.announcement_id.in_(old)))).rowcount
            )

    # --- the learner's choice ------------------------------------------------------------------

    async def wants(self, chat_id: int) -> bool:
        """Whether a chat gets announcements (a chat never seen does)."""
        async with self.database.reading() as connection:
            found = (await connection.execute(select(chats.c.announcements).where(chats.c.id == chat_id))).first()
        return True if found is None else bool(found[0])

    async def choose(self, chat_id: int, wanted: bool, now: dt.datetime) -> None:
        """Turn a chat's announcements on or off (its row made if it has none)."""
        statement = (
            self.database.insert(chats)
            .values(id=chat_id, created_at=now, announcements=wanted)
            .on_conflict_do_update(index_elements=[chats.c.id], set_={"announcements": wanted})
        )
        async with self.database.writing() as connection:
            await connection.execute(statement)
