"""Running the bot (migrations, then polling until SIGINT or SIGTERM) and single nudge passes."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal

from telegram import Update

from bot.application import announce_commands, build_application, nudge_dispatcher
from bot.nudges import PassReport, plan_due_nudges
from bot.settings import Settings
from roadmaps import Catalog
from storage import Storage, create_engine, upgrade

log = logging.getLogger(__name__)


async def serve(settings: Settings, catalog: Catalog) -> None:
    """Apply migrations, then poll Telegram until asked to stop."""
    storage = Storage(create_engine(settings.database_url))
    try:
        revision = await upgrade(storage.engine)
        log.info("database ready at revision %s", revision)
        await poll(build_application(settings, catalog, storage))
    finally:
        await storage.close()


async def poll(application) -> None:  # type: ignore[no-untyped-def]
    """Poll until SIGINT/SIGTERM; in-flight updates finish before the process exits."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    async with application:
        await announce_commands(application)
        await application.start()
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        log.info("polling as @%s", application.bot.username)
        await stopping.wait()
        log.info("stopping: finishing updates in flight")
        await application.updater.stop()
        await application.stop()
    log.info("stopped")


async def run_nudge_pass(settings: Settings, catalog: Catalog, now: dt.datetime) -> PassReport:
    """One nudge pass as if the time were `now`, through the same Application the bot builds."""
    storage = Storage(create_engine(settings.database_url))
    try:
        await upgrade(storage.engine)
        application = build_application(settings, catalog, storage)
        async with application:
            return await nudge_dispatcher(application).run_pass(now)
    finally:
        await storage.close()


async def dry_run_nudges(settings: Settings, catalog: Catalog, now: dt.datetime) -> list[str]:
    """One line per chat due by `now`: which nudge it would get. Sends and changes nothing."""
    storage = Storage(create_engine(settings.database_url))
    try:
        planned = await plan_due_nudges(catalog, storage, now)
    finally:
        await storage.close()
    lines = []
    for reminder, nudge in planned:
        if nudge is None:
            lines.append(f"chat {reminder.chat_id}: nothing to nudge (every roadmap it started is finished)")
        else:
            pausing = " (the last before pausing)" if nudge.pausing else ""
            lines.append(f"chat {reminder.chat_id}: {nudge.roadmap.title} → {nudge.step.title}{pausing}")
    lines.append(f"{len(planned)} chat(s) due at {now.isoformat()}; dry run, nothing sent")
    return lines
