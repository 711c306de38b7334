"""The chat itself: heard from (its ignored nudges forgiven, stopped reminders back on) and moved
to a new id. Each method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from progress.reminders import ReminderStatus
from storage.chat_moves import move_chat
from storage.database import Database
from storage.id_lists import one_of
from storage.reminder_rows import reminder_of_row
from storage.tables import chat_days, facts, reminders

# The kind of fact a tap on a nudge's button is.
NUDGE_TAPPED = "nudge_tap"

# Presence is written for this many chats per statement.
PRESENCE_CHUNK = 500


class ChatStore:
    """Chats over the shared Database: presence and moves."""

    def __init__(self, database: Database) -> None:
        self.database = database
        # Presence's statements, built once a store (`chats`: the chats heard from): the nudges
        # they ignored forgiven (and a claim a dead process left with them); their reminders
        # stopped because they were quiet or had blocked the bot.
        self._forgive = (
            update(reminders)
            .where(
                one_of(reminders.c.chat_id, "chats"),
                or_(reminders.c.unanswered > 0, reminders.c.claimed_at.is_not(None)),
            )
            .values(unanswered=0, claimed_at=None)
        )
        woken = (ReminderStatus.BLOCKED.value, ReminderStatus.IDLE.value)
        self._stopped = select(reminders).where(
            one_of(reminders.c.chat_id, "chats"), or_(*(reminders.c.status == status for status in woken))
        )

    async def note_presence(self, seen: Mapping[int, dt.datetime]) -> None:
        """Chats were heard from (chat id: when): the nudges they ignored are forgiven, and
        reminders stopped because they were quiet or had blocked the bot start again."""
        chat_ids = list(seen)
        for first in range(0, len(chat_ids), PRESENCE_CHUNK):
            async with self.database.writing() as connection:
                await self._wake(connection, chat_ids[first : first + PRESENCE_CHUNK], seen)

    async def record_nudge_taps(self, taps: Sequence[tuple[int, dt.datetime, str]]) -> None:
        """Taps on nudges' buttons, kept as facts: chat, when, what the tap asked for."""
        rows = [{"chat_id": c, "at": at, "kind": NUDGE_TAPPED, "source": action} for c, at, action in taps]
        async with self.database.writing() as connection:
            await connection.execute(insert(facts), rows)

    async def _wake(self, connection: AsyncConnection, chat_ids: list[int], seen: Mapping[int, dt.datetime]) -> None:
        """Presence for some chats, in the caller's transaction: the day each was seen kept too."""
        days = [{"chat_id": c, "day": seen[c].astimezone(dt.UTC).date(), "first_at": seen[c]} for c in chat_ids]
        await connection.execute(self.database.insert(chat_days).on_conflict_do_nothing(), days)
        await connection.execute(self._forgive, {"chats": chat_ids})
        stopped = await connection.execute(self._stopped, {"chats": chat_ids})
        for row in stopped.all():
            if row.stopped_at is not None and row.stopped_at > seen[row.chat_id]:
                continue  # stopped after the chat was last seen (news from another process)
            current = reminder_of_row(row)
            await connection.execute(
                update(reminders)
                .where(reminders.c.chat_id == current.chat_id, reminders.c.status == current.status.value)
                .values(status=ReminderStatus.ACTIVE.value, due_at=current.next_due(seen[current.chat_id]), failures=0)
            )

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Move a chat's data to its new id (a group that became a supergroup), merging with what
        the new id already has; False when the old id had nothing to move."""
        async with self.database.writing() as connection:
            return await move_chat(connection, old_chat_id, new_chat_id)
