"""Calls that arrive together are served together (group commit, as databases do it, or a
DataLoader): each caller awaits its own call, and the calls made in the same turn of the event
loop, or while a batch is being served, go to the database as the next batch.

A lone call is served at once, so an idle bot answers as quickly as without batches; under load
sixty-four taps cost a few statements, not sixty-four times a few. The batch is served in the
order the calls came, so one chat's calls in one batch apply in that order. If serving a batch
fails for a reason of its rows (a constraint, a bad value), each call is served alone, and only
the calls that fail on their own fail their caller; a failure of the database itself (gone,
locked) fails the whole batch, since serving each alone would only fail again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from storage.isolation import of_the_database

Call = TypeVar("Call")
Answer = TypeVar("Answer")


class Batcher(Generic[Call, Answer]):
    """Serves calls in batches through `serve`, which takes calls and returns their answers, in order.

    `together=False` serves every call alone, as it arrives: the path without batches, kept to
    measure what batching costs a lone call."""

    def __init__(self, serve: Callable[[Sequence[Call]], Awaitable[Sequence[Answer]]], *, together: bool = True):
        self._serve = serve
        self.together = together
        self._waiting: list[tuple[Call, asyncio.Future[Answer]]] = []
        self._server: asyncio.Task[None] | None = None

    async def __call__(self, call: Call) -> Answer:
        """The call's answer, served with whatever calls arrive with it."""
        if not self.together:
            (answer,) = await self._serve([call])
            return answer
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((call, answer))
        if self._server is None:
            # A task starts on the next turn of the loop: calls made in this turn join the first batch.
            self._server = asyncio.create_task(self._serve_waiting())
        return await answer

    async def _serve_waiting(self) -> None:
        """Serve the calls waiting, batch after batch, until none is left."""
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._serve_batch(batch)
        finally:
            self._server = None
            for _, answer in self._waiting:  # only when this task itself was cancelled
                answer.cancel()
            self._waiting = []

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
