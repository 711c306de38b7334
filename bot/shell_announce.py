"""`roadmap-bot announce FILE`: an announcement from the shell. It is queued as /announce queues one,
then sent from this process too (beside any running instance: they share the leases and the budget),
with its progress printed every few seconds until nothing more can go now."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.application import build_bot, utc_now
from bot.runner import migrate
from bot.settings import Settings
from progress.announcements import Audience, RecipientState, Tally, estimated_finish
from roadmaps import Catalog
from storage import DatabaseClocks, Storage, create_engine

PRINT_EVERY = 3.0  # seconds between progress lines


@dataclass(frozen=True, slots=True)
class ShellAnnouncement:
    """What the command line asked for."""

    text: str
    audience: Audience
    roadmap_id: str | None = None
    photo: str | None = None
    dry_run: bool = False
    at: dt.datetime | None = None  # to go from then (the running bot sends it)


def progress_line(announcement_id: int, tally: Tally, now: dt.datetime, per_second: float) -> str:
    """One line of progress: how many have an outcome, each outcome, and the estimated finish."""
    figures = ", ".join(f"{state.value.replace('_', ' ')} {tally[state]}" for state in SHOWN)
    done = tally.total - tally.waiting
    finish = estimated_finish(tally, now, per_second)
    eta = f"; done by about {finish:%H:%M:%S} UTC" if finish is not None else ""
    return f"announcement {announcement_id}: {done} of {tally.total} ({figures}){eta}"


SHOWN = (
    RecipientState.SENT,
    RecipientState.BLOCKED,
    RecipientState.FAILED,
    RecipientState.OPTED_OUT,
    RecipientState.LEFT,
    RecipientState.UNKNOWN,
)


async def announce_from_shell(
    settings: Settings, catalog: Catalog, asked: ShellAnnouncement, say: Callable[[str], None]
) -> int:
    """Queue the announcement and send it, saying how it goes; the exit status."""
    if asked.roadmap_id is not None and catalog.get(asked.roadmap_id) is None:
        say(f"there is no roadmap {asked.roadmap_id!r}")
        return 2
    await migrate(settings)
    storage = Storage(create_engine(settings.database_url, DatabaseClocks.every(settings.database_timeout)))
    try:
        store, now, operators = storage.announcements, utc_now(), set(settings.operator_chat_ids)
        recipients = await store.count_audience(asked.audience, now, operators)
        if asked.dry_run:
            say(f"{recipients} chats would get this announcement ({asked.audience}); nothing was sent:")
            say(asked.text)
            return 0
        draft = await store.draft(asked.text, asked.audience, now, photo=asked.photo, roadmap_id=asked.roadmap_id)
        queued = await store.queue(draft.id, now, operators, asked.at)
        say(f"announcement {draft.id} queued for {queued} chats ({asked.audience})")
        if asked.at is not None and asked.at > now:
            say(f"it goes from {asked.at.isoformat()}: a running bot sends it then")
            return 0
        await send_and_watch(settings, catalog, storage, draft.id, say)
        return 0
    finally:
        await storage.close()


async def send_and_watch(
    settings: Settings, catalog: Catalog, storage: Storage, announcement_id: int, say: Callable[[str], None]
) -> None:
    """Send what can go now, printing the progress every PRINT_EVERY seconds and at the end."""
    per_second = settings.telegram_messages_per_second

    async def watch() -> None:
        while True:
            await asyncio.sleep(PRINT_EVERY)
            say(
                progress_line(
                    announcement_id, await storage.announcements.tally(announcement_id), utc_now(), per_second
                )
            )

    bot = build_bot(settings, catalog, storage)
    async with bot.application:
        watcher = asyncio.create_task(watch())
        try:
            await bot.announcements.run_pass()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
    tally = await storage.announcements.tally(announcement_id)
    say(progress_line(announcement_id, tally, utc_now(), per_second))
    if not tally.finished:
        say(f"{tally.waiting} wait for their morning or a retry: a running bot sends them when they can go")
