"""Running the bot: migrations, then polling until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update

from bot.application import announce_commands, build_application
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
