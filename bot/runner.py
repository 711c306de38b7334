"""Running the bot (migrations, then polling or a webhook until SIGINT or SIGTERM) and single nudge passes."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from telegram import Update

from bot.application import RoadmapBot, build_bot
from bot.collector import tune_collector
from bot.nudges import PassReport, plan_due_nudges
from bot.settings import Settings
from handlers import RoadmapApplication
from roadmaps import Catalog
from storage import Storage, create_engine, current_revision, head_revision, upgrade

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger(__name__)


async def serve(settings: Settings, catalog: Catalog) -> None:
    """Apply migrations, then take updates (webhook if WEBHOOK_URL is set, else polling) until
    stopped; with WEBAPP_URL, polling serves PORT too (the page, /healthz, /metrics)."""
    tune_collector()
    storage = Storage(create_engine(settings.database_url))
    try:
        revision = await upgrade(storage.engine)
        log.info("database ready at revision %s", revision)
        bot = build_bot(settings, catalog, storage)
        if settings.webhook_url:
            await serve_webhook(bot, settings)
        else:
            await poll(bot.application, web_server(bot, settings) if settings.webapp_url else None)
    finally:
        await storage.close()


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


def web_server(bot: RoadmapBot, settings: Settings) -> uvicorn.Server:
    """The web server on PORT: /healthz, /metrics, the webhook (if WEBHOOK_URL is set) and the
    roadmap page under /app/ (if WEBAPP_URL is set)."""
    import uvicorn  # the web stack loads only when it serves: plain polling starts faster without it

    from bot.web import build_web_app
    from webapp.api import mount_webapp

    services, secret = bot.services, settings.webhook_secret
    page = None
    if settings.webapp_url:
        assert settings.token is not None
        page = mount_webapp(
            services.catalog, services.storage.progress, settings.token, services.clock, services.presence.note
        )
    web = build_web_app(
        bot.application,
        services.storage,
        settings.webhook_url,
        secret.get_secret_value() if secret else None,
        page=page,
    )
    config = uvicorn.Config(web, host="0.0.0.0", port=settings.port, log_config=None, lifespan="off", access_log=False)
    return uvicorn.Server(config)


async def serve_until(server: uvicorn.Server, stopping: asyncio.Event) -> None:
    """Serve until SIGINT/SIGTERM: uvicorn stops taking requests and finishes those in flight.

    uvicorn handles SIGTERM itself once it serves (and raises it again after: that lands in
    `stopping` softly); a SIGTERM that comes while we are still starting must stop it too."""

    async def stop_when_asked() -> None:
        await stopping.wait()
        server.should_exit = True

    watcher = asyncio.create_task(stop_when_asked())
    try:
        if not stopping.is_set():
            await server.serve()
    finally:
        watcher.cancel()


async def serve_webhook(bot: RoadmapBot, settings: Settings) -> None:
    """Serve the webhook, /healthz and /metrics (and the page) on PORT until SIGINT/SIGTERM; then
    the application stops, which lets a running nudge pass finish its batch."""
    from bot.web import webhook_path

    assert settings.webhook_url is not None and settings.webhook_secret is not None
    server, stopping = web_server(bot, settings), stopping_signal()
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
        await serve_until(server, stopping)
        log.info("stopping: finishing the nudge batch in hand")
    log.info("stopped")


def stopping_signal() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    return stopping


async def poll(application: RoadmapApplication, server: uvicorn.Server | None = None) -> None:
    """Poll until SIGINT/SIGTERM, serving PORT meanwhile when given a server; in-flight updates
    finish before the process exits."""
    stopping = stopping_signal()
    assert application.updater is not None, "polling needs the updater PTB builds by default"
    async with running(application):
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        log.info("polling as @%s", application.bot.username)
        if server is None:
            await stopping.wait()
        else:
            log.info("serving the roadmap page, /healthz and /metrics on port %s", server.config.port)
            await serve_until(server, stopping)
        log.info("stopping: finishing updates in flight")
        await application.updater.stop()
    log.info("stopped")


async def run_nudge_pass(settings: Settings, catalog: Catalog, now: dt.datetime) -> PassReport:
    """One nudge pass as if the time were `now`, through the same Application the bot builds."""
    storage = Storage(create_engine(settings.database_url))
    try:
        await upgrade(storage.engine)
        bot = build_bot(settings, catalog, storage)
        async with bot.application:
            return await bot.nudges.run_pass(now)
    finally:
        await storage.close()


async def dry_run_nudges(settings: Settings, catalog: Catalog, now: dt.datetime) -> list[str]:
    """One line per chat due by `now`: which nudge it would get. Sends and changes nothing."""
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
    lines.append(f"{len(planned)} chat(s) due at {now.isoformat()}; dry run, nothing sent")
    return lines
