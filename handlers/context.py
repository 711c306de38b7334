"""What every handler works with: the services the composition root built, on a typed context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from handlers.alerts import OperatorAlerts
from handlers.guide_views import DEFAULT_BOT_NAME
from handlers.screens import Links
from i18n.catalogs import language
from roadmaps import Catalog, LiveCatalog
from storage import Presence, Storage

_SERVICES = "services"


@dataclass(frozen=True, slots=True)
class Services:
    """The catalog, the storage, the clock (injectable, so tests never sleep), presence, and the
    operator's error alerts."""

    live: LiveCatalog  # the catalog served, swapped whole on a reload; `content` is the one this update pinned
    storage: Storage
    clock: Callable[[], dt.datetime]
    presence: Presence
    alerts: OperatorAlerts | None = None  # error summaries for the operator's chat, if it has one
    webapp_url: str | None = None  # the roadmap page (Mini App), when WEBAPP_URL is set
    configured_bot_name: str = DEFAULT_BOT_NAME  # what the bot calls itself (BOT_NAME), unless branded
    operators: frozenset[int] = frozenset()  # the chats of OPERATOR_CHAT_IDS: /stats, /announce
    messages_per_second: float = 29.0  # TELEGRAM_MESSAGES_PER_SECOND: how fast announcements go

    @property
    def content(self) -> Catalog:
        """The catalog in English, with its translations: the one this update started with."""
        return self.live.current

    @property
    def bot_name(self) -> str:
        """What the bot calls itself: the operator's branding's name (in the language spoken), else BOT_NAME."""
        return self.content.branding.in_language(language()).name or self.configured_bot_name

    @property
    def catalog(self) -> Catalog:
        """The roadmaps in the language being spoken (English where a translation gives no text)."""
        return self.content.in_language(language())


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


async def pin_the_catalog(update: Update, context: BotContext) -> None:
    """Before any handler: this update works with the catalog served now, to its end, whatever a
    reload swaps in meanwhile."""
    context.services.live.pin()


def chat_id_of(update: Update) -> int:
    """The chat an update belongs to; progress is the chat's, never the sender's."""
    assert update.effective_chat is not None, "handlers registered for chat updates only"
    return update.effective_chat.id


@dataclass(frozen=True, slots=True)
class InChat:
    """Whom a handler answers: the chat (its progress is the chat's), the services, and where the
    chat's link buttons may lead."""

    chat_id: int
    services: Services
    links: Links


def in_chat(update: Update, context: BotContext) -> InChat:
    """The chat of an update; share links by the bot's username, and the page's button only in a
    private chat and only when the page is served."""
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    links = Links(context.bot.username, context.services.webapp_url if private else None)
    return InChat(chat_id_of(update), context.services, links)
