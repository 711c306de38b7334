"""Building the Application: the one place where content, storage and Telegram meet."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackContext, Defaults
from telegram.request import BaseRequest

from bot.limits import TelegramLimits
from bot.metrics import DATABASE_ERRORS
from bot.nudges import NudgeDispatcher
from bot.settings import Settings
from bot.updates import PerChatUpdateProcessor
from handlers import COMMANDS, Services, register
from handlers.services import install, services_of_application, utc_now
from roadmaps import Catalog
from storage import DatabaseError, Storage

log = logging.getLogger(__name__)

# Updates handled at once; each waits mostly on the database or on Telegram.
CONCURRENT_UPDATES = 64
# Seconds between nudge passes; a pass claims whatever is due, so the interval only bounds lateness.
NUDGE_INTERVAL = 60
# Seconds between writes of the chats heard from (see handlers.services.Presence).
PRESENCE_INTERVAL = 2


def build_application(
    settings: Settings,
    catalog: Catalog,
    storage: Storage,
    *,
    request: BaseRequest | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    limits: TelegramLimits | None = None,
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
        .rate_limiter(limits or TelegramLimits(settings.telegram_messages_per_second))
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    install(application, Services(catalog, storage, clock))
    register(application)
    application.add_error_handler(count_database_errors)
    schedule_nudges(application)
    return application


async def flush_presence(application: Application) -> None:  # type: ignore[type-arg]
    """Write down the chats heard from since the last flush."""
    services = services_of_application(application)
    await services.presence.write(services.storage)


async def count_database_errors(update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
    """Errors reach every error handler; this one counts those that came from the database."""
    if isinstance(context.error, DatabaseError):
        DATABASE_ERRORS.inc()


def nudge_dispatcher(application: Application) -> NudgeDispatcher:  # type: ignore[type-arg]
    """The dispatcher that sends this application's nudges through its bot."""
    services = services_of_application(application)
    return NudgeDispatcher(application.bot, services.catalog, services.storage)


def schedule_nudges(application: Application) -> None:  # type: ignore[type-arg]
    """Repeating jobs run nudge passes and write presence; they start and stop with the application."""

    async def tick(context: CallbackContext) -> None:  # type: ignore[type-arg]
        application = context.application
        now = services_of_application(application).clock()
        await flush_presence(application)  # answers to the last nudges count before new ones go
        await nudge_dispatcher(application).run_pass(now, keep_going=lambda: application.running)

    async def flush(context: CallbackContext) -> None:  # type: ignore[type-arg]
        await flush_presence(context.application)

    assert application.job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
    application.job_queue.run_repeating(flush, interval=PRESENCE_INTERVAL, name="presence")
    application.job_queue.run_repeating(
        tick,
        interval=NUDGE_INTERVAL,
        first=NUDGE_INTERVAL / 6,
        name="nudges",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": NUDGE_INTERVAL},
    )


async def announce_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Register the command menu with Telegram; a failure here is logged, not fatal."""
    try:
        await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    except TelegramError as error:
        log.warning("could not register the command menu: %s", error)
