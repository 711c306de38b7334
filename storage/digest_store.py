"""The weekly digest of the operator's figures: who asked for it, and claiming the ones due (once,
whatever the number of instances: the claim moves the due time on before anything is sent); and
the facts' retention. Each method is one transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update

from storage.database import Database
from storage.tables import chat_days, facts, stats_digests


class DigestStore:
    """Digests and the facts' retention over the shared Database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def wants_digest(self, chat_id: int) -> bool:
        """Whether an operator's chat asked for the weekly digest."""
        async with self.database.reading() as connection:
            query = select(stats_digests.c.chat_id).where(stats_digests.c.chat_id == chat_id)
            return (await connection.execute(query)).first() is not None

    async def ask_digest(self, chat_id: int, wanted: bool, first_due: dt.datetime) -> None:
        """Start (first due at `first_due`) or stop an operator's weekly digest."""
        async with self.database.writing() as connection:
            await connection.execute(delete(stats_digests).where(stats_digests.c.chat_id == chat_id))
            if wanted:
                await connection.execute(stats_digests.insert().values(chat_id=chat_id, due_at=first_due))

    async def claim_due_digests(self, now: dt.datetime, next_due: dt.datetime) -> list[int]:
        """The chats whose digest is due, each moved to `next_due` in the same statement (so that
        two instances never send one twice)."""
        claim = (
            update(stats_digests)
            .where(stats_digests.c.due_at <= now)
            .values(due_at=next_due)
            .returning(stats_digests.c.chat_id)
        )
        async with self.database.writing() as connection:
            return sorted(chat_id for (chat_id,) in await connection.execute(claim))

    async def purge_facts(self, before: dt.datetime) -> int:
        """Delete the facts older than a moment (the retention); how many rows went."""
        async with self.database.writing() as connection:
            gone = await connection.execute(delete(facts).where(facts.c.at < before))
            days = await connection.execute(delete(chat_days).where(chat_days.c.day < before.date()))
        return int(gone.rowcount or 0) + int(days.rowcount or 0)
