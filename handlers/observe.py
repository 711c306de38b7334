"""Which handler answered an update, for the logs and metrics the composition root keeps."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from telegram import Update

# Set to an empty list around the handling of one update; handlers append their names.
HANDLED_BY: ContextVar[list[str] | None] = ContextVar("handled_by", default=None)

Callback = TypeVar("Callback", bound=Callable[..., Awaitable[Any]])


def traced(callback: Callback) -> Callback:
    """The same handler, noting its name in HANDLED_BY when it runs."""

    @functools.wraps(callback)
    async def run(*args: Any, **kwargs: Any) -> Any:
        names = HANDLED_BY.get()
        if names is not None:
            names.append(callback.__name__)
        return await callback(*args, **kwargs)

    return run  # type: ignore[return-value]


def update_kind(update: object) -> str:
    """`message`, `callback_query`, `my_chat_member`, ...: what kind of update this is."""
    if not isinstance(update, Update):
        return "other"
    return next((kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None), "other")
