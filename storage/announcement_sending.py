"""The sending half of the announcement flow: the announcements going out, leases of recipients
claimed to be sent (FOR UPDATE SKIP LOCKED on PostgreSQL, compare-and-set on SQLite) and marked in
flight first, the sending budget every instance shares, what became of each recipient, a dead
sender's claims, the end, and the claim to show progress. Each method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from sqlalchemy import and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from progress.announcements import AnnouncementStatus, Recipient, RecipientState, budget_slot
from progress.reminders import ReminderStatus
from storage.announcement_rows import BLOCKED_FACT, UNREACHABLE, Announcement, announcement_of_row
from storage.database import Database
from storage.tables import UtcDateTime, announcement_recipients, announcements, chat_days, chats, facts, reminders

R = announcement_recipients.c
A = announcements.c


class AnnouncementSending:
    """Sending announcements over the shared Database: leases, the budget, outcomes."""

    database: Database

    async def sending(self, now: dt.datetime) -> list[Announcement]:
        """The announcements going out now, oldest first."""
        query = (
            select(announcements)
            .where(A.status == AnnouncementStatus.SENDING.value, A.starts_at <= now)
            .order_by(A.starts_at, A.id)
        )
        async with self.database.reading() as connection:
            return [announcement_of_row(row) for row in await connection.execute(query)]

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
