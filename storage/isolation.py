"""Batched writes that one bad row cannot stop: the batch in one go, and if that fails, each row on
its own, the bad ones dropped with a warning and the rest written."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy.exc import InterfaceError, InternalError, OperationalError

from storage.database import DatabaseUnavailable

log = logging.getLogger(__name__)

Item = TypeVar("Item")


async def write_isolating(
    items: Sequence[Item], write: Callable[[Sequence[Item]], Awaitable[None]], what: str
) -> list[Item]:
    """Write `items` with one call of `write`; if a row makes it fail, call it for each item alone and
    return the items that failed on their own (each logged as a WARNING, without its values). A
    failure of the database itself (unreachable, locked, gone mid-way) fails the whole call and
    drops nothing: the rows were not the problem."""
    if not items:
        return []
    try:
        await write(items)
        return []
    except Exception as error:
        if of_the_database(error):
            raise
        log.warning("writing %d %s in one go failed (%s); writing them one at a time", len(items), what, _kind(error))
    dropped = []
    for item in items:
        try:
            await write([item])
        except Exception as error:
            if of_the_database(error):
                raise
            log.warning("dropped one of the %s: it cannot be written (%s)", what, _kind(error))
            dropped.append(item)
    return dropped


def of_the_database(error: BaseException) -> bool:
    """Whether a failure is the database's (it cannot be reached, is locked, lost the connection),
    not a value's: a bad value shows as a data or integrity error, or a driver refusing the value."""
    if getattr(error, "connection_invalidated", False):
        return True
    return isinstance(error, DatabaseUnavailable | OperationalError | InterfaceError | InternalError)


def _kind(error: BaseException) -> str:
    """An error named by its type only: its message may carry the values that were written."""
    return type(error).__name__
