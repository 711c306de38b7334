"""How updates run: different chats at once, one chat's updates one at a time and in order,
each one counted, timed and logged with its update id, chat id and handler."""

from __future__ import annotations

import functools
import inspect
import logging
import time
from asyncio import Lock
from collections.abc import Awaitable
from typing import Any

from prometheus_client import Counter, Histogram
from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.logs import UPDATE_FIELDS
from bot.metrics import HANDLER_SECONDS, UPDATES
from handlers import HANDLED_BY, update_kind

log = logging.getLogger(__name__)


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

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """Wait for the chat's earlier updates first, and only then for one of the slots: an update
        waiting its chat's turn must not hold a slot that another chat's update could use. Nothing
        here but the queueing: a burst of updates (a backlog after a restart) all pass through it in
        one turn of the event loop, before the first of them can finish."""
        try:
            chat = update.effective_chat if isinstance(update, Update) else None
            if chat is None:
                await super().process_update(update, coroutine)
                return
            chat_id = chat.id
            lock = self._locks.get(chat_id)
            if lock is None:
                lock = self._locks[chat_id] = Lock()
                self._in_flight[chat_id] = 1
            else:
                self._in_flight[chat_id] += 1
            try:
                async with lock:
                    await super().process_update(update, coroutine)
            finally:
                if self._in_flight[chat_id] == 1:
                    del self._in_flight[chat_id], self._locks[chat_id]
                else:
                    self._in_flight[chat_id] -= 1
        except BaseException:
            _close_unstarted(coroutine)  # cancelled while it waited its turn (the bot stopping)
            raise

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update (its chat's turn has come and a slot is free), counted and timed. An
        update naming a chat or a person Telegram could not have is turned away unrun."""
        if not within_telegrams_ids(update):
            log.warning("turned away update %s: its chat or user id is outside Telegram's range", update_id_of(update))
            _close_unstarted(coroutine)
            return
        with observed(update):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _close_unstarted(coroutine: Awaitable[Any]) -> None:
    """Close an update's coroutine that will never run, or Python warns that it was never awaited."""
    if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
        coroutine.close()


# Telegram's ids fit in 52 bits (its documentation: "at most 52 significant bits"); supergroups
# and channels add -100 in front, still far inside.
MAX_TELEGRAM_ID = 2**53 - 1


def within_telegrams_ids(update: object) -> bool:
    """Whether the chat and the person of an update have ids Telegram could give."""
    if not isinstance(update, Update):
        return True
    ids = [entity.id for entity in (update.effective_chat, update.effective_user, update.effective_sender) if entity]
    return all(isinstance(entity_id, int) and -MAX_TELEGRAM_ID <= entity_id <= MAX_TELEGRAM_ID for entity_id in ids)


def update_id_of(update: object) -> int | None:
    """The update's id, for the logs."""
    return update.update_id if isinstance(update, Update) else None


class observed:  # a class used as a function: `with observed(update):`
    """Count, time and log one update; log lines written meanwhile carry its ids. A class, not a
    generator: every update enters one."""

    __slots__ = ("_fields_token", "_handled_by", "_handled_token", "_kind", "_started")

    def __init__(self, update: object) -> None:
        self._kind = update_kind(update)
        chat = update.effective_chat if isinstance(update, Update) else None
        self._handled_by: list[str] = []
        self._handled_token = HANDLED_BY.set(self._handled_by)
        fields = {"update_id": getattr(update, "update_id", None), "chat_id": chat.id if chat else None}
        self._fields_token = UPDATE_FIELDS.set(fields)

    def __enter__(self) -> None:
        self._started = time.perf_counter()
        labelled(UPDATES, self._kind).inc()

    def __exit__(self, *exc: object) -> None:
        latency = time.perf_counter() - self._started
        handler = self._handled_by[-1] if self._handled_by else "none"
        labelled(HANDLER_SECONDS, handler).observe(latency)
        log.info(
            "%s handled by %s in %.1f ms",
            self._kind,
            handler,
            latency * 1000,
            extra={"handler": handler, "latency_ms": round(latency * 1000, 2)},
        )
        HANDLED_BY.reset(self._handled_token)
        UPDATE_FIELDS.reset(self._fields_token)


@functools.cache  # a metric's child for a label: the same object every time (as labels() finds it)
def labelled(metric: Counter | Histogram, label: str) -> Any:
    """The metric's series for one label, looked up once rather than once an update."""
    return metric.labels(label)
