"""Which handler answered an update, and what identifies a failed one, for the logs, the metrics
and the operator's alerts."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class FailedUpdate:
    """What identifies a failed update, and nothing that a person wrote."""

    update_id: int | None
    chat_id: int | None
    kind: str
    handler: str
    error: str  # the exception's type, not its message (which may carry values)


def failure_of(update: object, error: BaseException | None) -> FailedUpdate:
    """The facts of a failed update."""
    handled_by = HANDLED_BY.get()
    return FailedUpdate(
        update_id=update.update_id if isinstance(update, Update) else None,
        chat_id=update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None,
        kind=update_kind(update),
        handler=handled_by[-1] if handled_by else "none",
        error=type(error).__name__,
    )
