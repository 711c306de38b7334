"""What handlers work with, put in the Application's bot_data once at build time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, ContextTypes

from roadmaps import Catalog
from storage import Storage

_KEY = "services"

Context = ContextTypes.DEFAULT_TYPE


def utc_now() -> dt.datetime:
    """The current time, UTC-aware."""
    return dt.datetime.now(dt.UTC)


class Presence:
    """Chats heard from lately, kept in memory until the bot writes them down in one go.

    Every update counts as a chat being there (its nudges answered, its reminders back on);
    writing that on every update would cost a database round trip per tap, so the bot
    flushes this every few seconds and before each nudge pass instead.
    """

    def __init__(self) -> None:
        self._seen: dict[int, dt.datetime] = {}

    def note(self, chat_id: int, at: dt.datetime) -> None:
        """The chat did something at `at`."""
        self._seen[chat_id] = at

    def forget(self, chat_id: int) -> None:
        """Drop what was noted of a chat (it just blocked the bot)."""
        self._seen.pop(chat_id, None)

    def take(self) -> dict[int, dt.datetime]:
        """Everything noted since the last take."""
        seen, self._seen = self._seen, {}
        return seen

    def give_back(self, seen: dict[int, dt.datetime]) -> None:
        """Put back what a failed write took; anything noted since is newer and stays."""
        for chat_id, at in seen.items():
            self._seen.setdefault(chat_id, at)

    async def write(self, storage: Storage, chat_id: int | None = None) -> None:
        """Write down what was noted, of every chat or of one, in one go; what a failed write
        took is noted again, for the next write."""
        if chat_id is None:
            seen = self.take()
        else:
            at = self._seen.pop(chat_id, None)
            seen = {} if at is None else {chat_id: at}
        if not seen:
            return
        try:
            await storage.note_presence(seen)
        except BaseException:
            self.give_back(seen)
            raise


@dataclass(frozen=True, slots=True)
class Services:
    """The catalog, the storage, the clock (injectable, so tests never sleep) and presence."""

    catalog: Catalog
    storage: Storage
    clock: Callable[[], dt.datetime] = field(default=utc_now)
    presence: Presence = field(default_factory=Presence)


def install(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    """Make the services reachable from every handler of this application."""
    application.bot_data[_KEY] = services


def services_of(context: CallbackContext) -> Services:  # type: ignore[type-arg]
    """The services of the application a handler runs in."""
    return context.bot_data[_KEY]  # type: ignore[no-any-return]


def services_of_application(application: Application) -> Services:  # type: ignore[type-arg]
    """The services installed in an application."""
    return application.bot_data[_KEY]  # type: ignore[no-any-return]


async def write_presence(services: Services, chat_id: int) -> None:
    """Write down now that a chat is here, for screens about its reminder (they must show them back on)."""
    await services.presence.write(services.storage, chat_id)
