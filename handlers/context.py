"""What every handler works with: the services the composition root built, on a typed context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from roadmaps import Catalog
from storage import Presence, Storage

if TYPE_CHECKING:
    from handlers.errors import OperatorAlerts

_SERVICES = "services"


@dataclass(frozen=True, slots=True)
class Services:
    """The catalog, the storage, the clock (injectable, so tests never sleep), presence, and the
    operator's error alerts."""

    catalog: Catalog
    storage: Storage
    clock: Callable[[], dt.datetime]
    presence: Presence
    alerts: OperatorAlerts | None = None  # error summaries for the operator's chat, if it has one


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context, with the services of the application the handler runs in."""

    @property
    def services(self) -> Services:
        """The services the composition root installed."""
        return cast(Services, self.bot_data[_SERVICES])


CONTEXT_TYPES = ContextTypes(context=BotContext)
RoadmapApplication = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[BotContext]
]


def install(application: RoadmapApplication, services: Services) -> None:
    """Make the services reachable from every handler of this application (as `context.services`)."""
    application.bot_data[_SERVICES] = services


def chat_id_of(update: Update) -> int:
    """The chat an update belongs to; progress is the chat's, never the sender's."""
    assert update.effective_chat is not None, "handlers registered for chat updates only"
    return update.effective_chat.id
