"""Calls that arrive together are served together (group commit, as databases do it, or a
DataLoader): each caller awaits its own call, and the calls made in the same turn of the event
loop go to the database as one batch; so do the calls made while batches are being served, as
soon as one of them is answered (BATCHES_AT_ONCE).

A lone call is served at once, so an idle bot answers as quickly as without batches; under load
sixty-four taps cost a few statements, not sixty-four times a few. A batch is served in the order
its calls came, and a call waits while a batch holds one of its chat's calls, so one chat's calls
apply in the order they were made. If serving a batch fails for a reason of its rows (a
constraint, a bad value), each call is served alone, and only the calls that fail on their own
fail their caller; a failure of the database itself (gone, locked) fails the whole batch, since
serving each alone would only fail again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from storage.isolation import of_the_database

Call = TypeVar("Call")
Answer = TypeVar("Answer")

# Batches served at once. One batch waits on the database several times (a read, the writes, the
# commit), and each wait costs a turn of an event loop busy with sixty-four taps: a second batch
# filling up and going out meanwhile doubles what the database is asked per unit of time.
BATCHES_AT_ONCE = 2


class Batcher(Generic[Call, Answer]):
    """Serves calls in batches through `serve`, which takes calls and returns their answers, in order.

    Up to BATCHES_AT_ONCE batches are served at once, never two holding calls with the same `key`
    (a chat): a call whose key is in a batch being served waits for the next one, so one key's
    calls are served in the order they were made, each seeing what the ones before it did.
    `together=False` serves every call alone, as it arrives: the path without batches, kept to
    measure what batching costs a lone call."""

    def __init__(
        self,
        serve: Callable[[Sequence[Call]], Awaitable[Sequence[Answer]]],
        key: Callable[[Call], Hashable],
        *,
        together: bool = True,
    ) -> None:
        self._serve, self._key = serve, key
        self.together = together
        self._waiting: list[tuple[Call, asyncio.Future[Answer]]] = []
        self._keys_served: set[Hashable] = set()
        self._batches: set[asyncio.Task[None]] = set()
        self._start_due = False

    async def __call__(self, call: Call) -> Answer:
        """The call's answer, served with whatever calls arrive with it."""
        if not self.together:
            (answer,) = await self._serve([call])
            return answer
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((call, answer))
        self._start_soon()
        return await answer

    def _start_soon(self) -> None:
        """Start a batch on the next turn of the loop: the calls made in this turn join it."""
        if not self._start_due:
            self._start_due = True
            asyncio.get_running_loop().call_soon(self._start_batch)

    def _start_batch(self) -> None:
        """Serve the waiting calls whose keys no batch holds, if another batch may go out."""
        self._start_due = False
        if len(self._batches) >= BATCHES_AT_ONCE or not self._waiting:
            return
        batch, held, keys = [], [], set()
        for waiting in self._waiting:
            key = self._key(waiting[0])
            if key in self._keys_served:
                held.append(waiting)
            else:
                batch.append(waiting)
                keys.add(key)
        self._waiting = held
        if not batch:
            return
        self._keys_served |= keys
        served = asyncio.create_task(self._serve_batch(batch))
        self._batches.add(served)
        served.add_done_callback(lambda _: self._batch_done(served, keys))

    def _batch_done(self, served: asyncio.Task[None], keys: set[Hashable]) -> None:
        """A batch is answered: its keys are free, and the calls that waited go out."""
        self._batches.discard(served)
        self._keys_served -= keys
        if self._waiting:
            self._start_soon()

    async def _serve_batch(self, batch: list[tuple[Call, asyncio.Future[Answer]]]) -> None:
        """One batch in one go; on a failure of its rows, each call alone."""
        try:
            answers = await self._serve([call for call, _ in batch])
        except Exception as error:
            if len(batch) == 1 or of_the_database(error):
                for _, answer in batch:
                    _fail(answer, error)
                return
            for call, answer in batch:
                try:
                    (alone,) = await self._serve([call])
                except Exception as error:
                    _fail(answer, error)
                else:
                    _give(answer, alone)
            return
        except BaseException as error:  # cancelled: so are the callers, or they would wait for ever
            for _, answer in batch:
                if not answer.done():
                    answer.cancel()
            raise error
        for (_, answer), given in zip(batch, answers, strict=True):
            _give(answer, given)


def _give(answer: asyncio.Future[Answer], value: Answer) -> None:
    """Hand a caller its answer, unless it stopped waiting."""
    if not answer.done():
        answer.set_result(value)


def _fail(answer: asyncio.Future[Answer], error: BaseException) -> None:
    """Hand a caller its failure, unless it stopped waiting."""
    if not answer.done():
        answer.set_exception(error)
