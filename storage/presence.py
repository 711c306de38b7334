"""Presence: the chats heard from lately, kept in memory and written down in one go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from storage.chat_store import ChatStore
from storage.isolation import write_isolating
from storage.metrics import NUDGE_TAPS


class Presence:
    """A write-behind buffer in front of `ChatStore.note_presence`.

    Every update counts as a chat being there (its nudges answered, its reminders back on);
    writing that on every update would cost a database round trip per tap, so the bot
    writes these every few seconds and before each nudge pass instead.
    """

    def __init__(self, chats: ChatStore) -> None:
        self._chats = chats
        self._seen: dict[int, dt.datetime] = {}
        self._taps: list[tuple[int, dt.datetime, str]] = []

    def note_nudge_tap(self, chat_id: int, at: dt.datetime, action: str) -> None:
        """The chat tapped a button of a nudge (`mark`: the step, a conversion; `open`, `later`,
        `stop`): counted now, kept as a fact at the next write."""
        NUDGE_TAPS.labels(action).inc()
        self._taps.append((chat_id, at, action))

    def note(self, chat_id: int, at: dt.datetime) -> None:
        """The chat did something at `at`."""
        self._seen[chat_id] = at

    def forget(self, chat_id: int) -> None:
        """Drop what was noted of a chat (it just blocked the bot, or asked to be forgotten)."""
        self._seen.pop(chat_id, None)

    def take(self) -> dict[int, dt.datetime]:
        """Everything noted since the last take."""
        seen, self._seen = self._seen, {}
        return seen

    def give_back(self, seen: dict[int, dt.datetime]) -> None:
        """Put back what a failed write took; anything noted since is newer and stays."""
        for chat_id, at in seen.items():
            self._seen.setdefault(chat_id, at)

    async def write(self, chat_id: int | None = None) -> None:
        """Write down what was noted, of every chat or of one, in one go. A chat whose row cannot
        be written is dropped with a warning and the others are written; when the database cannot
        be reached, what was taken is noted again, for the next write."""
        if chat_id is None:
            seen = self.take()
        else:
            at = self._seen.pop(chat_id, None)
            seen = {} if at is None else {chat_id: at}

        async def write_some(chats: Sequence[tuple[int, dt.datetime]]) -> None:
            await self._chats.note_presence(dict(chats))

        try:
            await write_isolating(list(seen.items()), write_some, "chats heard from")
        except BaseException:
            self.give_back(seen)
            raise
        taps, self._taps = self._taps, []
        if taps:
            await self._chats.record_nudge_taps(taps)
