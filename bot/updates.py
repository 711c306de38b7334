"""How updates run: different chats at once, one chat's updates one at a time and in order."""

from __future__ import annotations

from asyncio import Lock
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrency across chats, order within a chat.

    Without it, two quick taps on one card (or two people in a group) can commit in one order
    and edit the message in the other, leaving a card that disagrees with the database.
    Locks live only while a chat has updates in flight, so memory follows the load, not the
    number of chats.
    """

    __slots__ = ("_in_flight", "_locks")

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, Lock] = {}
        self._in_flight: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update once no earlier update of its chat is running."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, Lock())
        self._in_flight[chat.id] = self._in_flight.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._in_flight[chat.id] -= 1
            if not self._in_flight[chat.id]:
                del self._in_flight[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
