"""Reloading the operator's roadmaps without a restart: on SIGHUP the folders are read again and
validated, and the whole catalog is swapped at once; a catalog published in the database
(`roadmaps publish`) is polled for and served the same way by every instance. An invalid catalog
keeps the one served and says why, in the log and in ERROR_CHAT_ID's chat. Operator text, in English."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from html import escape

from telegram import Bot
from telegram.error import TelegramError

from bot.metrics import CATALOG
from bot.settings import Settings
from handlers import AS_HTML
from roadmaps import Catalog, Inspection, LiveCatalog, Problem, inspect_files, inspect_folders
from storage import DatabaseError, Storage

log = logging.getLogger(__name__)

# Problems the operator's chat is shown (the log has them all), and characters of each: within
# Telegram's 4,096 characters a message.
SHOWN_PROBLEMS = 10
# Seconds between looks for a newly published catalog: every instance serves it within this.
PUBLICATION_POLL = 10
PROBLEM_CHARS = 300


def serving(catalog: Catalog) -> None:
    """Say which catalog is served, on /metrics."""
    CATALOG.info({"version": catalog.version, "roadmaps": str(len(catalog))})


def same_branding(before: Catalog, after: Catalog) -> bool:
    """Whether two catalogs carry the same branding, in every language."""
    old, new = before.branding, after.branding
    return old == new and dict(old.languages) == dict(new.languages)


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
    """What the bot serves, kept current: the folders the settings name, read again on SIGHUP, or
    the catalog published in the database (`roadmaps publish`), which wins over the folders until
    withdrawn. Either is swapped in whole, and only once it validates."""

    def __init__(
        self,
        settings: Settings,
        live: LiveCatalog,
        storage: Storage | None = None,
        bot: Bot | None = None,
        rebranded: Callable[[Catalog], Awaitable[None]] | None = None,
    ) -> None:
        self.settings, self.live, self.storage, self.bot = settings, live, storage, bot
        self.rebranded = rebranded  # told when a swap changes the branding (Telegram's descriptions follow it)
        self.following = 0  # the number of the newest publication (or withdrawal) seen; 0: none yet
        self.published = False  # whether a published catalog is served (SIGHUP then leaves it)
        self._one_at_a_time = asyncio.Lock()
        self._tasks: set[asyncio.Task[bool]] = set()

    async def reload(self) -> bool:
        """Read the folders again and swap them in (SIGHUP); False when they do not validate, or when
        a published catalog is served (it wins over the folders)."""
        async with self._one_at_a_time:
            if self.published:
                log.info(
                    "a published catalog is served (version %s): the folders count again after "
                    "`roadmap-bot roadmaps publish --withdraw`",
                    self.live.latest.version,
                )
                return False
            return await self._serve(
                await asyncio.to_thread(inspect_folders, self.settings.roadmaps_dir, self.settings.roadmaps_builtin),
                "roadmaps",
            )

    async def follow_publications(self) -> None:
        """Serve the newest publication if it is new (a withdrawal: the folders again); polled."""
        assert self.storage is not None, "publications live in the database"
        number = await self.storage.catalogs.newest_number()
        if number == self.following:
            return
        async with self._one_at_a_time:
            publication = await self.storage.catalogs.newest()
            if publication is None or publication.number == self.following:
                return
            self.following = publication.number
            if publication.withdrawn:
                if self.published:
                    self.published = False
                    settings = self.settings
                    inspection = await asyncio.to_thread(
                        inspect_folders, settings.roadmaps_dir, settings.roadmaps_builtin
                    )
                    await self._serve(inspection, "publication withdrawn: the folders' roadmaps")
                return
            inspection = await asyncio.to_thread(inspect_files, publication.files, publication.builtin)
            self.published = await self._serve(inspection, f"published catalog {publication.number}") or self.published

    async def _serve(self, inspection: Inspection, what: str) -> bool:
        """Swap in the catalog of an inspection, or keep the one served and say why; whether it was swapped."""
        served = self.live.latest
        if inspection.errors:
            problems = "\n".join(str(problem) for problem in inspection.errors)
            log.error(
                "%s not reloaded, still serving version %s: %d problem(s)\n%s",
                what,
                served.version,
                len(inspection.errors),
                problems,
            )
            await self.tell(render_refusal(inspection.errors, served.version))
            return False
        self.live.swap(inspection.catalog)
        serving(inspection.catalog)
        if self.rebranded is not None and not same_branding(served, inspection.catalog):
            await self.rebranded(inspection.catalog)
        log.info(
            "%s reloaded: version %s -> %s, %d roadmaps",
            what,
            served.version,
            inspection.catalog.version,
            len(inspection.catalog),
        )
        return True

    async def poll(self) -> None:
        """One look for a new publication; a database that does not answer is tried again next time."""
        try:
            await self.follow_publications()
        except DatabaseError as error:
            log.warning("could not look for a published catalog: %s", type(error).__name__)

    async def tell(self, text: str) -> None:
        """Send the operator's chat (ERROR_CHAT_ID) a message, if there is one; a failure is logged."""
        if self.bot is None or self.settings.error_chat_id is None:
            return
        try:
            await self.bot.send_message(self.settings.error_chat_id, text, **AS_HTML)
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
