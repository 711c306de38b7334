"""Building the Application: the one place where content, storage and Telegram meet."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot.settings import Settings
from handlers import COMMANDS, Services, register
from handlers.services import install, utc_now
from roadmaps import Catalog
from storage import Storage

log = logging.getLogger(__name__)

# Updates handled at once; each waits mostly on the database or on Telegram.
CONCURRENT_UPDATES = 64


def build_application(
    settings: Settings,
    catalog: Catalog,
    storage: Storage,
    *,
    request: BaseRequest | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
) -> Application:  # type: ignore[type-arg]
    """The bot: HTML by default, Telegram's rate limits applied, every handler registered."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(CONCURRENT_UPDATES)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    install(application, Services(catalog, storage, clock))
    register(application)
    return application


async def announce_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Register the command menu with Telegram; a failure here is logged, not fatal."""
    try:
        await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    except TelegramError as error:
        log.warning("could not register the command menu: %s", error)
