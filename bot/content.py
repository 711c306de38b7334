"""Reloading the operator's roadmaps without a restart: on SIGHUP the folders are read again and
validated, and the whole catalog is swapped at once; an invalid folder keeps the catalog served and
says why, in the log and in ERROR_CHAT_ID's chat. Operator text, in English."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from html import escape

from telegram import Bot
from telegram.error import TelegramError

from bot.metrics import CATALOG
from bot.settings import Settings
from roadmaps import Catalog, LiveCatalog, Problem, inspect_folders

log = logging.getLogger(__name__)

# Problems the operator's chat is shown (the log has them all), and characters of each: within
# Telegram's 4,096 characters a message.
SHOWN_PROBLEMS = 10
PROBLEM_CHARS = 300


def serving(catalog: Catalog) -> None:
    """Say which catalog is served, on /metrics."""
    CATALOG.info({"version": catalog.version, "roadmaps": str(len(catalog))})


def render_refusal(problems: Sequence[Problem], version: str) -> str:
    """The operator's message when a reload found problems: how many, the first few, what is served."""
    shown = [f"• <code>{escape(str(problem)[:PROBLEM_CHARS])}</code>" for problem in problems[:SHOWN_PROBLEMS]]
    more = len(problems) - SHOWN_PROBLEMS
    rest = [f"… and {more} more: `roadmap-bot roadmaps check` lists them all"] if more > 0 else []
    return "\n".join(
        [
            f"⚠️ <b>The roadmaps were not reloaded</b>: {len(problems)} problem(s) in the files.",
            f"Still serving catalog version {escape(version)}.",
            "",
            *shown,
            *rest,
        ]
    )


class Reloader:
    """Reads the folders the settings name again, and swaps the live catalog if they validate."""

    def __init__(self, settings: Settings, live: LiveCatalog, bot: Bot | None = None) -> None:
        self.settings, self.live, self.bot = settings, live, bot
        self._one_at_a_time = asyncio.Lock()
        self._tasks: set[asyncio.Task[bool]] = set()

    async def reload(self) -> bool:
        """Read, validate, swap; False (the catalog served kept, and why said) on any error."""
        async with self._one_at_a_time:
            settings = self.settings
            inspection = await asyncio.to_thread(inspect_folders, settings.roadmaps_dir, settings.roadmaps_builtin)
            served = self.live.latest
            if inspection.errors:
                problems = "\n".join(str(problem) for problem in inspection.errors)
                log.error(
                    "roadmaps not reloaded, still serving version %s: %d problem(s)\n%s",
                    served.version,
                    len(inspection.errors),
                    problems,
                )
                await self.tell(render_refusal(inspection.errors, served.version))
                return False
            self.live.swap(inspection.catalog)
            serving(inspection.catalog)
            log.info(
                "roadmaps reloaded: version %s -> %s, %d roadmaps",
                served.version,
                inspection.catalog.version,
                len(inspection.catalog),
            )
            return True

    async def tell(self, text: str) -> None:
        """Send the operator's chat (ERROR_CHAT_ID) a message, if there is one; a failure is logged."""
        if self.bot is None or self.settings.error_chat_id is None:
            return
        try:
            await self.bot.send_message(self.settings.error_chat_id, text)
        except TelegramError as error:
            log.warning("could not tell the operator's chat that the roadmaps were not reloaded: %r", error)

    def on_sighup(self) -> None:
        """Reload on SIGHUP (kept running until done; a reload in progress finishes first)."""
        log.info("SIGHUP: reading the roadmaps again")
        task = asyncio.get_running_loop().create_task(self.reload())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def listen(self) -> None:
        """Reload whenever the process gets SIGHUP."""
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.on_sighup)
