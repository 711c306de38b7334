"""Building the bot: the one place where content, storage and Telegram meet. What it builds (the
Application, the services its handlers use, the nudge dispatcher) it keeps, and hands to whoever
runs the bot; nothing is read back through the handlers."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from telegram import BotCommand, MenuButtonWebApp, WebAppInfo
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder
from telegram.request import BaseRequest

from bot.announcements import AnnouncementDispatcher, Pacing
from bot.limits import TelegramLimits
from bot.metrics import DATABASE_ERRORS
from bot.nudges import NudgeDispatcher
from bot.settings import FACTS_RETENTION_DAYS, Settings
from bot.updates import PerChatUpdateProcessor
from handlers import (
    CONTEXT_TYPES,
    PAGE_MENU_TEXT,
    BotContext,
    OperatorAlerts,
    RoadmapApplication,
    Services,
    bot_description,
    bot_short_description,
    command_menu,
    install,
    register,
    send_due_digests,
)
from i18n.catalogs import LANGUAGES, SOURCE, speaking, telegram_code
from roadmaps import NO_BRANDING, Branding, Catalog, LiveCatalog, live
from storage import DatabaseError, Presence, Storage

log = logging.getLogger(__name__)

# Updates handled at once; each waits mostly on the database or on Telegram. Storage serves the
# calls made together as one batch, and while a batch is at PostgreSQL (another process) this one
# has only the other updates in flight to work on: with 64, they were all in that batch and the
# process waited a tenth of the time; 128 keep it busy. SQLite works in this process, one writer
# at a time: more updates at once only lengthen the line behind the writer (docs/performance.md).
CONCURRENT_UPDATES = {"postgresql": 128, "sqlite": 64}


def updates_at_once(dialect: str) -> int:
    """How many updates the bot handles at once on a database of this dialect."""
    return CONCURRENT_UPDATES.get(dialect, min(CONCURRENT_UPDATES.values()))


# Seconds between nudge passes; a pass claims whatever is due, so the interval only bounds lateness.
NUDGE_INTERVAL = 60
# Seconds between writes of the chats heard from (see storage.presence).
PRESENCE_INTERVAL = 2
# Seconds between announcement passes; a pass sends whatever is ready, so the interval only bounds
# how soon a confirmed announcement starts.
ANNOUNCE_INTERVAL = 5
# Seconds between the hourly chores: due digests, facts past their retention.
HOUSEKEEPING_INTERVAL = 3600


def utc_now() -> dt.datetime:
    """The current time, UTC-aware."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class RoadmapBot:
    """The bot as built: the Application, the services its handlers use, and the nudge dispatcher."""

    application: RoadmapApplication
    services: Services
    nudges: NudgeDispatcher
    announcements: AnnouncementDispatcher
    retention: dt.timedelta = dt.timedelta(days=FACTS_RETENTION_DAYS)  # how long the facts are kept

    async def flush_presence(self) -> None:
        """Write down the chats heard from since the last flush, and the languages their apps use."""
        await self.services.presence.write()
        await self.services.storage.languages.write_seen()

    async def nudge_pass(self) -> None:
        """One pass of the nudge scheduler now; answers to the last nudges count before new ones go
        (if presence cannot be written now, it is kept for the next write and the pass goes on)."""
        try:
            await self.flush_presence()
        except DatabaseError as error:
            log.warning("could not write presence before the nudge pass: %s", type(error).__name__)
        await self.nudges.run_pass(self.services.clock(), keep_going=lambda: self.application.running)

    async def announcement_pass(self) -> None:
        """Send what announcements going out have ready, after any nudges in flight."""
        await self.announcements.run_pass(keep_going=lambda: self.application.running)

    async def housekeeping(self) -> None:
        """The hourly chores: the operators' weekly digests that are due, and the facts past their retention."""
        services = self.services
        sent = await send_due_digests(self.application.bot, services)
        purged = await services.storage.digests.purge_facts(services.clock() - self.retention)
        purged += await services.storage.announcements.purge(services.clock() - self.retention)
        log.log(
            logging.INFO if sent or purged else logging.DEBUG,
            "housekeeping: %d digests, %d facts and recipients purged",
            sent,
            purged,
        )


def build_bot(
    settings: Settings,
    catalog: Catalog | LiveCatalog,
    storage: Storage,
    *,
    request: BaseRequest | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    limits: TelegramLimits | None = None,
) -> RoadmapBot:
    """The bot: Telegram's rate limits applied, every handler registered, its jobs scheduled (every
    message says it is HTML itself: handlers/replies.py)."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    services = services_of(settings, live(catalog), storage, clock)

    life = Life(settings, services)

    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .context_types(CONTEXT_TYPES)
        .rate_limiter(limits or TelegramLimits(settings.telegram_messages_per_second))
        .concurrent_updates(PerChatUpdateProcessor(updates_at_once(storage.database.dialect)))
        .post_init(life.started)
        .post_stop(life.stopped)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: RoadmapApplication = builder.build()
    install(application, services)
    register(application)
    application.add_error_handler(count_database_errors)
    retention = dt.timedelta(days=settings.facts_retention_days)
    nudges = NudgeDispatcher(application.bot, services.live, storage)
    pacing = Pacing(settings.telegram_messages_per_second, settings.telegram_paid_broadcast)
    announcements = AnnouncementDispatcher(application.bot, services.live, storage, clock, pacing, nudges.idle)
    bot = RoadmapBot(application, services, nudges, announcements, retention)
    schedule_jobs(bot)
    return bot


class Life:
    """What the application does once started and once stopped (PTB's post_init and post_stop)."""

    def __init__(self, settings: Settings, services: Services) -> None:
        self.settings, self.services = settings, services
        self.listening: list[asyncio.Task[None]] = []

    async def started(self, application: RoadmapApplication) -> None:
        """The command menu and the page announced; then, last (a start that fails before leaves no
        task behind), other instances' language changes heard while the bot runs (on PostgreSQL)."""
        await announce_commands(application, self.settings.bot_name, self.services.content.branding)
        if self.settings.webapp_url:
            await announce_page(application, self.settings.webapp_url)
        self.listening.append(asyncio.create_task(self.services.storage.languages.listen()))

    async def stopped(self, application: RoadmapApplication) -> None:
        """No more listening; the last presence written."""
        for task in self.listening:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await write_last_presence(self.services)


def services_of(
    settings: Settings, catalog: LiveCatalog, storage: Storage, clock: Callable[[], dt.datetime]
) -> Services:
    """What every handler works with, as the settings say."""
    alerts = OperatorAlerts(settings.error_chat_id, clock) if settings.error_chat_id is not None else None
    return Services(
        catalog,
        storage,
        clock,
        Presence(storage.chats),
        alerts,
        settings.webapp_url,
        settings.bot_name,
        frozenset(settings.operator_chat_ids),
        settings.telegram_messages_per_second,
    )


async def write_last_presence(services: Services) -> None:
    """The last presence (and the languages seen), on the way out; a failure is logged, and the bot
    still stops cleanly."""
    try:
        await services.presence.write()
        await services.storage.languages.write_seen()
    except Exception as error:
        log.warning("could not write the last presence while stopping: %s", type(error).__name__)


async def count_database_errors(update: object, context: BotContext) -> None:
    """Errors reach every error handler; this one counts those that came from the database."""
    if isinstance(context.error, DatabaseError):
        DATABASE_ERRORS.inc()


def schedule_jobs(bot: RoadmapBot) -> None:
    """Repeating jobs run nudge and announcement passes and write presence; they start and stop with the application."""

    async def nudge_pass(context: BotContext) -> None:
        await bot.nudge_pass()

    async def flush(context: BotContext) -> None:
        await bot.flush_presence()

    async def housekeeping(context: BotContext) -> None:
        await bot.housekeeping()

    async def announcement_pass(context: BotContext) -> None:
        await bot.announcement_pass()

    job_queue = bot.application.job_queue
    assert job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
    job_queue.run_repeating(flush, interval=PRESENCE_INTERVAL, name="presence")
    job_queue.run_repeating(
        nudge_pass,
        interval=NUDGE_INTERVAL,
        first=NUDGE_INTERVAL / 6,
        name="nudges",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": NUDGE_INTERVAL},
    )
    job_queue.run_repeating(
        announcement_pass,
        interval=ANNOUNCE_INTERVAL,
        first=ANNOUNCE_INTERVAL / 5,
        name="announcements",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": ANNOUNCE_INTERVAL},
    )
    job_queue.run_repeating(
        housekeeping, interval=HOUSEKEEPING_INTERVAL, first=HOUSEKEEPING_INTERVAL / 12, name="housekeeping"
    )


async def announce_commands(application: RoadmapApplication, bot_name: str, branding: Branding = NO_BRANDING) -> None:
    """Register the command menu and the bot's descriptions with Telegram, in every language the
    bot speaks (Telegram shows each person the one of their app's language, English otherwise);
    a failure here is logged, not fatal."""
    bot = application.bot
    for spoken in LANGUAGES:
        code = None if spoken == SOURCE else telegram_code(spoken)
        with speaking(spoken):
            commands = [BotCommand(name, text) for name, text in command_menu()]
            branded = branding.in_language(spoken)
            name = branded.name or bot_name
            description, short = branded.welcome or bot_description(name), bot_short_description(name)
        try:
            await bot.set_my_commands(commands, language_code=code)
            await bot.set_my_description(description, language_code=code)
            await bot.set_my_short_description(short, language_code=code)
        except TelegramError as error:
            log.warning("could not register the command menu and descriptions (%s): %s", spoken, error)


async def announce_page(application: RoadmapApplication, url: str) -> None:
    """Make the chat's menu button open the roadmap page (every private chat without its own
    menu button); a failure here is logged, not fatal."""
    try:
        await application.bot.set_chat_menu_button(menu_button=MenuButtonWebApp(PAGE_MENU_TEXT, WebAppInfo(url)))
    except TelegramError as error:
        log.warning("could not set the menu button to the roadmap page: %s", error)
