"""The announcement flow's queries: drafts, the audience and its queue, cancelling, the figures, the
learner's choice; the sending half is storage.announcement_sending. Each method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    Select,
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
    RecipientState,
    Tally,
)
from progress.schedule import DEFAULT_TIMEZONE
from storage.announcement_rows import UNREACHABLE, Announcement, announcement_of_row
from storage.announcement_sending import AnnouncementSending
from storage.database import Database
from storage.tables import (
    announcement_recipients,
    announcements,
    chat_days,
    chat_roadmaps,
    chats,
    reminders,
)

R = announcement_recipients.c
A = announcements.c
# The language a chat without one is spoken to in (the catalogs' source).
SOURCE_LANGUAGE = "en"


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


class AnnouncementStore(AnnouncementSending):
    """Announcements over the shared Database: writing them, their figures, the learner's choice;
    sending them (AnnouncementSending)."""

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
            "starts_at": now,
        }
        async with self.database.writing() as connection:
            row = (await connection.execute(insert(announcements).values(values).returning(*announcements.c))).one()
        return announcement_of_row(row)

    async def of(self, announcement_id: int) -> Announcement | None:
        """An announcement by its id."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(announcements).where(A.id == announcement_id))).first()
        return None if row is None else announcement_of_row(row)

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
        return None if row is None else announcement_of_row(row)

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

    async def queue(
        self,
        announcement_id: int,
        now: dt.datetime,
        leave_out: Collection[int] = (),
        starts_at: dt.datetime | None = None,
    ) -> int | None:
        """Confirm a draft: one queued row per chat of its audience now, in one statement, to go from
        `starts_at` (now if not said); how many. None when it was not a draft (confirmed already, or
        cancelled): nothing is queued twice."""

        async def work(connection: AsyncConnection) -> int | None:
            confirm = (
                update(announcements)
                .where(A.id == announcement_id, A.status == AnnouncementStatus.DRAFT.value)
                .values(status=AnnouncementStatus.SENDING.value, starts_at=max(now, starts_at or now))
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
            found = [announcement_of_row(row) for row in await connection.execute(query)]
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
