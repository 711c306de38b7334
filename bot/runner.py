"""Running the bot (migrations, then polling or a webhook until SIGINT or SIGTERM) and single nudge passes."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardMarkup, Update

from bot.application import RoadmapBot, announce_commands, build_bot
from bot.collector import tune_collector
from bot.content import PUBLICATION_POLL, Reloader, serving
from bot.nudges import PassReport, plan_due_nudges
from bot.settings import Settings
from handlers import RoadmapApplication, Screen, ask_when
from progress import Reminder
from roadmaps import Catalog, LiveCatalog
from storage import (
    DatabaseClocks,
    Storage,
    create_engine,
    current_revision,
    head_revision,
    missing_sqlite_file,
    upgrade,
)

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from bot.servers import Server

log = logging.getLogger(__name__)

# The process's exit status when stopping outlasted SHUTDOWN_TIMEOUT and the process left anyway.
FORCED_EXIT = 3
# Seconds of SHUTDOWN_TIMEOUT kept for the exit itself (the interpreter's end, the last log lines).
EXIT_MARGIN = 1.0


async def serve(settings: Settings, catalog: Catalog) -> None:
    """Apply migrations, then take updates (webhook if WEBHOOK_URL is set, else polling) until
    stopped; PORT is served when it has something to serve (the webhook, the page, /metrics to a
    METRICS_TOKEN), METRICS_PORT when it is set, in either mode."""
    tune_collector()
    log.info("database ready at revision %s", await migrate(settings))
    log.info("serving %d roadmaps, catalog version %s", len(catalog), catalog.version)
    storage = Storage(create_engine(settings.database_url, DatabaseClocks.every(settings.database_timeout)))
    try:
        bot = build_bot(settings, LiveCatalog(catalog), storage)
        serving(catalog)
        application = bot.application

        async def rebranded(catalog: Catalog) -> None:
            await announce_commands(application, settings.bot_name, catalog.branding)

        reloader = Reloader(settings, bot.services.live, storage, application.bot, rebranded)
        await reloader.follow_publications()  # a published catalog wins over the folders from the start
        reloader.listen()
        follow_publications(bot, reloader)
        servers = web_servers(bot, settings)
        if settings.webhook_url:
            await serve_webhook(bot, settings, servers)
        else:
            await poll(bot.application, settings, servers)
    finally:
        await storage.close()


async def migrate(settings: Settings) -> str | None:
    """Bring the database to the newest schema, on an engine of its own: a migration's statements
    may take long, and instances starting together wait their turn on a lock, so only connecting
    has a clock here."""
    engine = create_engine(settings.database_url, DatabaseClocks(connect=settings.database_timeout))
    try:
        return await upgrade(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def running(application: RoadmapApplication) -> AsyncIterator[None]:
    """The application's life as PTB's run_polling leads it: initialize, post_init (the command
    menu), start; then stop, post_stop (the last presence), shutdown. Our runner serves the
    webhook itself (uvicorn), so it leads the life itself too."""
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        try:
            yield
        finally:
            # No job starts once stopping begins. PTB's JobQueue.stop waits for the jobs running
            # then, and APScheduler cancels any that starts during that wait (a nudge pass cut in
            # the middle of its batch, logged as an error).
            assert application.job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
            application.job_queue.scheduler.pause()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)


def follow_publications(bot: RoadmapBot, reloader: Reloader) -> None:
    """A job that looks for a newly published catalog every PUBLICATION_POLL seconds."""

    async def look(context: object) -> None:
        await reloader.poll()

    assert bot.application.job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
    bot.application.job_queue.run_repeating(
        look, interval=PUBLICATION_POLL, first=PUBLICATION_POLL, name="publications", job_kwargs={"max_instances": 1}
    )


def web_servers(bot: RoadmapBot, settings: Settings) -> list[Server]:
    """The web servers to run: PORT (/healthz, the webhook, the page, /metrics to a token's
    bearer) when it has something to serve, METRICS_PORT (/metrics) when set. A server stopping
    gives its requests in flight half of SHUTDOWN_TIMEOUT."""
    # The web stack loads only when it serves: plain polling starts faster without it.
    from bot.connections import Connections
    from bot.servers import METRICS_CONNECTIONS, connections_within_file_limit, quiet_down, web_server
    from bot.web import metrics_app

    drain, servers = settings.shutdown_timeout / 2, []
    if settings.webhook_url or settings.webapp_url or settings.metrics_token:
        room = Connections(connections_within_file_limit(settings.max_connections))
        servers.append(web_server(public_app(bot, settings), settings.port, room, drain))
    if settings.metrics_port is not None:
        room = Connections(METRICS_CONNECTIONS, name="metrics")
        servers.append(web_server(metrics_app(), settings.metrics_port, room, drain))
    if servers:
        quiet_down(asyncio.get_running_loop())
    return servers


def public_app(bot: RoadmapBot, settings: Settings) -> ASGIApp:
    """The app on PORT: /healthz, the webhook (if WEBHOOK_URL is set), the roadmap page under /app/
    (if WEBAPP_URL is set), /metrics (if METRICS_TOKEN is set)."""
    from bot.web import WebParts, build_web_app
    from webapp import PageHooks, PageRules, mount_webapp

    services, secret, token = bot.services, settings.webhook_secret, settings.metrics_token
    page = None
    if settings.webapp_url:
        assert settings.token is not None
        rules = PageRules(dt.timedelta(seconds=settings.init_data_max_age), settings.webapp_calls_per_minute)
        page = mount_webapp(
            services.live,
            services.storage.progress,
            settings.token,
            services.clock,
            rules,
            PageHooks(
                services.presence.note,
                services.storage.languages.of,
                zone_seen(services.storage),
                first_question(bot.application.bot),
            ),
        )
    return build_web_app(
        bot.application,
        services.storage,
        settings.webhook_url,
        secret.get_secret_value() if secret else None,
        WebParts(
            page,
            settings.webapp_url,
            token.get_secret_value() if token else None,
            catalog_version=lambda: services.live.latest.version,
        ),
    )


async def serve_webhook(bot: RoadmapBot, settings: Settings, servers: list[Server]) -> None:
    """Serve the webhook and the rest of PORT (and METRICS_PORT) until SIGINT/SIGTERM; then the
    application stops, which lets a running nudge pass finish its batch."""
    from bot.servers import serve_until
    from bot.web import webhook_path

    assert settings.webhook_url is not None and settings.webhook_secret is not None
    stopping = stopping_signal(settings.shutdown_timeout)
    application = bot.application
    async with running(application):
        # Every instance sets the same webhook; none deletes it on the way out, as others may still run.
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=Update.ALL_TYPES,
            max_connections=40,
        )
        log.info("webhook at %s, listening on port %s", webhook_path(settings.webhook_url), settings.port)
        await serve_until(servers, stopping)
        log.info("stopping: finishing the nudge batch in hand")
    log.info("stopped")


def stopping_signal(bound: float) -> asyncio.Event:
    """An event set by SIGINT or SIGTERM; the first also starts the clock that ends the process
    `bound` seconds later, whatever is still running then."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stop() -> None:
        if not stopping.is_set():
            log.info("stopping: the process exits within %g s", bound)
            leave_after(bound)
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    return stopping


def leave_after(bound: float) -> threading.Timer:
    """The last resort of stopping: `bound` seconds after the signal (less a margin for the exit
    itself), the process exits, in a thread of its own so that nothing it waits for can hold it.
    What is still running then is left as a SIGKILL leaves it: safely (README, "Stopping")."""

    def leave() -> None:
        log.warning("still stopping %g s after the signal: leaving what still runs and exiting", bound)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(FORCED_EXIT)

    timer = threading.Timer(max(bound - EXIT_MARGIN, EXIT_MARGIN), leave)
    timer.daemon = True
    timer.start()
    return timer


async def poll(application: RoadmapApplication, settings: Settings, servers: Sequence[Server] = ()) -> None:
    """Poll until SIGINT/SIGTERM, serving the web servers meanwhile; in-flight updates finish
    before the process exits."""
    from bot.servers import serve_until

    stopping = stopping_signal(settings.shutdown_timeout)
    assert application.updater is not None, "polling needs the updater PTB builds by default"
    async with running(application):
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        log.info("polling as @%s", application.bot.username)
        if not servers:
            await stopping.wait()
        else:
            if settings.webapp_url:
                log.info("serving the roadmap page and /healthz on port %s", settings.port)
            await serve_until(servers, stopping)
        log.info("stopping: finishing updates in flight")
        await application.updater.stop()
    log.info("stopped")


async def run_nudge_pass(settings: Settings, catalog: Catalog, now: dt.datetime) -> PassReport:
    """One nudge pass as if the time were `now`, through the same Application the bot builds."""
    await migrate(settings)
    storage = Storage(create_engine(settings.database_url, DatabaseClocks.every(settings.database_timeout)))
    try:
        bot = build_bot(settings, catalog, storage)
        async with bot.application:
            return await bot.nudges.run_pass(now)
    finally:
        await storage.close()


async def dry_run_nudges(settings: Settings, catalog: Catalog, now: dt.datetime) -> list[str]:
    """Each chat due by `now`, and the message it would get, as the chat would read it. Sends,
    changes and creates nothing: a SQLite file that is not there is not made."""
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        return [f"There is no database at {missing}: nothing is due (a dry run creates nothing)."]
    storage = Storage(create_engine(settings.database_url))
    try:
        if await current_revision(storage.engine) != head_revision():
            return [
                "The database is not at the newest schema: run `roadmap-bot db upgrade` first "
                "(a dry run writes nothing)."
            ]
        planned = await plan_due_nudges(catalog, storage, now)
    finally:
        await storage.close()
    lines = []
    for reminder, nudge in planned:
        if nudge is None:
            lines.append(f"chat {reminder.chat_id}: nothing to nudge (every roadmap it started is finished)")
        else:
            pausing = " (the last before pausing)" if nudge.plan.pausing else ""
            lines.append(f"chat {reminder.chat_id}: {nudge.plan.roadmap.title} → {nudge.plan.step.title}{pausing}")
            lines += [f"    {line}" for line in as_read(nudge.screen).splitlines()]
    lines.append(f"{len(planned)} chat(s) due at {now.isoformat()}; dry run, nothing sent")
    return lines


def as_read(screen: Screen) -> str:
    """A message as the chat reads it: its text without markup, then its buttons, a row a line."""
    from bot.terminal import plain

    lines = [plain(screen.text)]
    if isinstance(screen.keyboard, InlineKeyboardMarkup):
        lines += ["  ".join(f"[{button.text}]" for button in row) for row in screen.keyboard.inline_keyboard]
    return "\n".join(lines)


def zone_seen(storage: Storage) -> Callable[[int, str, dt.datetime], Awaitable[object]]:
    """The page's browser zone, kept for a chat that never told one (its first reminder starts in it)."""

    async def keep(chat_id: int, zone: str, now: dt.datetime) -> object:
        return await storage.reminders.set_zone(chat_id, zone, now, unless_known=True)

    return keep


def first_question(bot: Bot) -> Callable[[int, Reminder], object]:
    """Ask a chat whose first mark was made on the page when to remind it, as a message of its own,
    sent beside the page's answer (in the page's language), not before it."""
    asking: set[asyncio.Task[None]] = set()

    def ask(chat_id: int, reminder: Reminder) -> object:
        task = asyncio.create_task(ask_when(bot, chat_id, reminder))
        asking.add(task)
        task.add_done_callback(asking.discard)
        return task

    return ask
