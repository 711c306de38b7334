"""The announcement sender: every instance on one database drains the announcements going out, a
small lease of recipients at a time, through the same pacer as nudges (and after them), within a
sending budget the instances share in the database.

At most once: a lease is marked in flight before anything is sent, and an outcome is recorded after.
A process that dies between the two leaves its lease in flight; after STALE any instance counts those
recipients as "unknown", and nobody sends them again. So every recipient gets an announcement once,
but for the few of the leases in flight at a crash (at most IN_FLIGHT per instance), who get it at most once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot
from telegram.error import ChatMigrated, TelegramError, TimedOut

from bot.metrics import ANNOUNCED, ANNOUNCEMENT_LATE_TURNS, ANNOUNCEMENTS_WAITING
from handlers import (
    Failure,
    Screen,
    classify,
    edit_message,
    progress_screen,
    render_announcement,
    send_announcement,
)
from i18n.catalogs import SOURCE, speaking
from progress.announcements import (
    Recipient,
    RecipientState,
    before_sending,
)
from roadmaps import Catalog, LiveCatalog, live
from storage import UNKNOWN_LANGUAGE, Announcement, ChatLanguage, Storage

log = logging.getLogger(__name__)

LEASE = 16  # recipients one claim takes
WORKERS = 2  # leases one instance has in hand at once
IN_FLIGHT = LEASE * WORKERS  # the most recipients a crash can leave unknown, per instance
STALE = dt.timedelta(seconds=30)  # a lease in flight this long lost its sender (a lease takes ~1 s)
REPORT_EVERY = dt.timedelta(seconds=3)  # the operator's message is edited at most this often
LATE = 0.5  # a turn reached later than this share of its length is taken again
RETRY_IN = dt.timedelta(minutes=1)  # a send Telegram could not take now is tried again after this

Outcome = tuple[int, RecipientState, int | None]  # chat, what became of it, the new id it went to


@dataclass(frozen=True, slots=True)
class Pacing:
    """How fast announcements go: the rate all instances share, paid broadcasts, the lease, and
    how to wait (a benchmark's stub does not sleep)."""

    per_second: float
    paid: bool = False
    lease: int = LEASE
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


class AnnouncementDispatcher:
    """Sends the announcements going out, lease by lease, until none has a recipient ready."""

    def __init__(
        self,
        bot: Bot,
        catalog: Catalog | LiveCatalog,
        storage: Storage,
        clock: Callable[[], dt.datetime],
        pacing: Pacing,
        nudges_idle: asyncio.Event | None = None,
    ) -> None:
        self.bot, self.live, self.storage, self.clock = bot, live(catalog), storage, clock
        self.pacing, self.nudges_idle = pacing, nudges_idle
        self.counts: Counter[RecipientState] = Counter()

    async def run_pass(self, keep_going: Callable[[], bool] = lambda: True) -> Counter[RecipientState]:
        """Send every announcement going out as far as it can go now; what this pass did, by outcome."""
        before = self.counts.copy()
        for announcement in await self.storage.announcements.sending(self.clock()):
            if not keep_going():
                break
            await self.drain(announcement, keep_going)
        return self.counts - before

    async def drain(self, announcement: Announcement, keep_going: Callable[[], bool]) -> None:
        """Lease after lease of one announcement, until none is ready; then, if none waits, it is done."""
        store = self.storage.announcements
        await store.give_up_stale(announcement.id, self.clock() - STALE, self.clock())
        screens: dict[str, Screen] = {}
        await asyncio.gather(*(self._leases(announcement, keep_going, screens) for _ in range(WORKERS)))
        if await store.finish_if_done(announcement.id, self.clock()):
            log.info("announcement %s: done", announcement.id)
            await self.report(announcement, final=True)
        ANNOUNCEMENTS_WAITING.set((await store.tally(announcement.id)).waiting)

    async def _leases(
        self, announcement: Announcement, keep_going: Callable[[], bool], screens: dict[str, Screen]
    ) -> None:
        """One worker's leases: claim, send, record, until none is ready. Two workers keep the pacer
        busy: one sends while the other records its lease and claims the next."""
        while keep_going():
            if self.nudges_idle is not None:
                await self.nudges_idle.wait()  # nudges first
            claimed_at = self.clock()
            lease = await self.storage.announcements.claim(announcement.id, claimed_at, self.pacing.lease)
            if not lease:
                return
            await self._send_lease(announcement, lease, claimed_at, screens)
            await self.report(announcement)

    async def _send_lease(
        self, announcement: Announcement, lease: list[Recipient], claimed_at: dt.datetime, screens: dict[str, Screen]
    ) -> None:
        """Send one claimed lease within the shared budget, and record what became of each recipient."""
        store, now = self.storage.announcements, claimed_at
        outcomes: list[Outcome] = []
        held: dict[int, dt.datetime] = {}
        ready: list[int] = []
        for recipient in lease:
            decided = before_sending(recipient, now)
            if isinstance(decided, RecipientState):
                outcomes.append((recipient.chat_id, decided, None))
            elif decided is not None:
                held[recipient.chat_id] = decided
            else:
                ready.append(recipient.chat_id)
        if ready:
            await self._wait_for_turn(announcement.id, len(ready))
            languages = await self.storage.languages.of_chats(ready)
            sent = await asyncio.gather(
                *(
                    self._deliver(announcement, chat_id, self._screen(announcement, languages, chat_id, screens))
                    for chat_id in ready
                )
            )
            for chat_id, state, moved_to in sent:
                if state is RecipientState.QUEUED:
                    held[chat_id] = self.clock() + RETRY_IN
                else:
                    outcomes.append((chat_id, state, moved_to))
        await store.hold(announcement.id, held)
        await store.record(announcement.id, claimed_at, outcomes, self.clock())
        for _, state, _ in outcomes:
            self.counts[state] += 1
            ANNOUNCED.labels(state.value).inc()

    async def _wait_for_turn(self, announcement_id: int, count: int) -> None:
        """Wait for `count` sends' turn in the budget every instance shares. A turn this instance
        came to late (a slow database or HTTP call) is taken again once: sent late, it would spill
        into the turns booked after it, over the limit in that second."""
        store, length = self.storage.announcements, count / self.pacing.per_second
        for retaken in (False, True):
            start = await store.take_budget(announcement_id, count, self.pacing.per_second, self.clock())
            if (wait := (start - self.clock()).total_seconds()) > 0:
                await self.pacing.sleep(wait)
            if retaken or (self.clock() - start).total_seconds() <= length * LATE:
                return
            ANNOUNCEMENT_LATE_TURNS.inc()

    def _screen(
        self, announcement: Announcement, languages: dict[int, ChatLanguage], chat_id: int, screens: dict[str, Screen]
    ) -> Screen:
        """The announcement in a chat's language (made once a language)."""
        language = languages.get(chat_id, UNKNOWN_LANGUAGE).language or SOURCE
        if language not in screens:
            with speaking(language):
                roadmap = self.live.latest.in_language(language).get(announcement.roadmap_id or "")
                screens[language] = render_announcement(announcement.text, roadmap, self.bot.username)
        return screens[language]

    async def _deliver(self, announcement: Announcement, chat_id: int, screen: Screen) -> Outcome:
        """Send one recipient its announcement; Telegram's answer says what became of it (QUEUED: try again later)."""
        try:
            try:
                await send_announcement(self.bot, chat_id, screen, announcement.photo, paid=self.pacing.paid)
                return chat_id, RecipientState.SENT, None
            except ChatMigrated as moved:
                await self.storage.chats.move_chat(chat_id, moved.new_chat_id)
                await send_announcement(self.bot, moved.new_chat_id, screen, announcement.photo, paid=self.pacing.paid)
                return chat_id, RecipientState.SENT, moved.new_chat_id
        except TimedOut:
            return chat_id, RecipientState.UNKNOWN, None  # Telegram may have it: never sent again
        except TelegramError as error:
            failure = classify(error)
            if failure is Failure.BLOCKED:
                return chat_id, RecipientState.BLOCKED, None
            if failure in (Failure.CHAT_GONE, Failure.MIGRATED, Failure.NO_RIGHTS):
                return chat_id, RecipientState.LEFT, None
            if failure in (Failure.RETRY_AFTER, Failure.TRANSIENT):
                log.info("announcement %s to chat %s: %r; trying again later", announcement.id, chat_id, error)
                return chat_id, RecipientState.QUEUED, None
            log.error("announcement %s to chat %s failed: %s", announcement.id, chat_id, error)
            return chat_id, RecipientState.FAILED, None
        except Exception:
            log.exception("announcement %s to chat %s failed unexpectedly", announcement.id, chat_id)
            return chat_id, RecipientState.FAILED, None

    async def report(self, announcement: Announcement, *, final: bool = False) -> None:
        """Edit the operator's message with the figures: at most every REPORT_EVERY across instances,
        and always at the end."""
        if announcement.chat_id is None or announcement.message_id is None:
            return
        store, now = self.storage.announcements, self.clock()
        if not final and not await store.claim_report(announcement.id, now, REPORT_EVERY):
            return
        current = await store.of(announcement.id)
        if current is None or current.chat_id is None or current.message_id is None:
            return
        tally = await store.tally(announcement.id)
        language = (await self.storage.languages.of(current.chat_id)).language or SOURCE
        with speaking(language):
            screen = progress_screen(current, tally, self.live.latest, now, self.pacing.per_second)
        try:
            await edit_message(self.bot, current.chat_id, current.message_id, screen)
        except TelegramError as error:
            log.warning("could not show announcement %s's progress: %s", announcement.id, error)
