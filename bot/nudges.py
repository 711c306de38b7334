"""The nudge scheduler: a pass claims due reminders, renders each chat's next step, sends it under
Telegram's limits and records the outcome and the next due time. The database is the schedule:
no job per chat lives in memory, and a restart loses nothing.

Delivery is at most once, but for one case. A claim moves the reminder a week on (HOLD) before
anything is sent; recording the outcome then sets the exact next slot. A process that dies
between claim and record therefore never sends a nudge twice; the chats of the batch in flight
(at most BATCH) may miss that week's nudge and get the next one a week after the claim. The one
case: a send that times out is retried five minutes later, as Telegram may not have it; if it
did, that chat gets the nudge twice.

After the weekly nudges, a pass sends the welcomes that are due (bot/welcomes.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import ChatMigrated, TelegramError

from bot.metrics import NUDGES, NUDGES_DUE
from bot.welcomes import welcome_pass
from handlers import Failure, Screen, classify, render_nudge, send_unread
from i18n.catalogs import SOURCE, speaking
from progress import Momentum, NudgeOutcome, Progress, Reminder, ReminderStatus
from progress.nudges import LATELY, MAX_FAILURES, PAUSING, RETRY_DELAY, WEEKLY, NudgePlan, after_failure, plan_nudge
from roadmaps import Catalog, LiveCatalog, live
from storage import Storage
from storage.isolation import write_isolating

log = logging.getLogger(__name__)

BATCH = 100
HOLD = dt.timedelta(days=7)
MOVED = "moved to a supergroup"


@dataclass(frozen=True, slots=True)
class Nudge:
    """What one chat gets now: its plan, as a message."""

    plan: NudgePlan
    screen: Screen


@dataclass
class PassReport:
    """How many reminders of a pass ended which way."""

    counts: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        if not self.counts:
            return "nothing due"
        return ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.counts.items()))


@dataclass(frozen=True, slots=True)
class Pass:
    """One pass: the moment it acts as of, the due time its claims hold, and its report."""

    now: dt.datetime
    held: dt.datetime
    report: PassReport
    catalog: Catalog


@dataclass(frozen=True, slots=True)
class ChatRead:
    """What one chat's nudge is made from: its progress, its momentum, and its language."""

    progresses: Sequence[Progress]
    momentum: Momentum
    language: str


def nudge_for(catalog: Catalog, reminder: Reminder, read: ChatRead, now: dt.datetime) -> Nudge | None:
    """The nudge a chat gets now, as a message in its language; None when every roadmap it
    started is covered."""
    with speaking(read.language):
        translated = catalog.in_language(read.language)
        plan = plan_nudge(translated, reminder, read.progresses)
        return None if plan is None else Nudge(plan, render_nudge(plan, read.momentum, now))


async def read_batch(
    catalog: Catalog, storage: Storage, chat_ids: list[int], now: dt.datetime, languages: dict[int, str | None]
) -> dict[int, ChatRead]:
    """What a batch of nudges shows, for every chat of it at once: progress (without ticked checks,
    which a nudge does not show) and momentum, one after the other (read side by side on two
    connections they took longer than in turn: docs/performance.md); `languages`: as stored
    for each chat, which a claim reads with its reminders."""
    progresses = await storage.progress.progress_of_chats(chat_ids, with_ticks=False)
    momenta = await storage.nudges.momentum_of_chats(catalog, chat_ids, now, now - LATELY)
    return {
        chat_id: ChatRead(progresses[chat_id], momenta[chat_id], languages.get(chat_id) or SOURCE)
        for chat_id in chat_ids
    }


async def plan_due_nudges(catalog: Catalog, storage: Storage, now: dt.datetime) -> list[tuple[Reminder, Nudge | None]]:
    """Every reminder due by `now` and the nudge it would send, claiming nothing (a dry run)."""
    planned: list[tuple[Reminder, Nudge | None]] = []
    after: int | None = None
    while due := await storage.nudges.due_reminders(now, BATCH, after_chat_id=after):
        chat_ids = [r.chat_id for r in due]
        stored = {chat_id: found.language for chat_id, found in (await storage.languages.of_chats(chat_ids)).items()}
        reads = await read_batch(catalog, storage, chat_ids, now, stored)
        planned += [(r, nudge_for(catalog, r, reads[r.chat_id], now)) for r in due]
        after = due[-1].chat_id
    return planned


def retry_later(reminder: Reminder, chat_id: int, run: Pass, why: str) -> NudgeOutcome:
    """A nudge that failed, to be tried again (or left for the next slot), logged and counted."""
    outcome = after_failure(reminder, chat_id, run.now, run.held)
    if outcome.failures == 0:
        log.warning("nudge to chat %s failed %d times (%s): waiting for the next slot", chat_id, MAX_FAILURES, why)
        run.report.counts["given up"] += 1
    else:
        log.info("nudge to chat %s failed (%s): retrying in %s", chat_id, why, RETRY_DELAY)
        run.report.counts["to retry"] += 1
    return outcome


class NudgeDispatcher:
    """Runs passes: claim a bounded batch, deliver it, record it, until nothing is due."""

    def __init__(self, bot: Bot, catalog: Catalog | LiveCatalog, storage: Storage, *, batch: int = BATCH) -> None:
        self.live, self.storage, self.batch, self.bot = live(catalog), storage, batch, bot
        # Set while no pass is sending: announcements wait for it, so nudges go first.
        self.idle = asyncio.Event()
        self.idle.set()

    async def run_pass(self, now: dt.datetime, keep_going: Callable[[], bool] = lambda: True) -> PassReport:
        """One pass as if the time were `now`: every reminder due by then is claimed once.

        `keep_going` is asked before each batch: a stopping bot finishes the batch in hand and
        leaves the rest due for the next pass, in this process or another.
        """
        self.idle.clear()
        try:
            return await self._run_pass(now, keep_going)
        finally:
            self.idle.set()

    async def _run_pass(self, now: dt.datetime, keep_going: Callable[[], bool]) -> PassReport:
        """run_pass, while announcements wait."""
        # A pass works with the catalog served when it starts, whatever a reload swaps in meanwhile.
        run = Pass(now, now + HOLD, PassReport(), self.live.latest)
        report, nudges = run.report, self.storage.nudges
        while not (stopping := not keep_going()) and (
            claimed := await nudges.claim_due_reminders(now, self.batch, run.held)
        ):
            before = report.counts.copy()
            reads = await read_batch(run.catalog, self.storage, [r.chat_id for r in claimed], now, claimed.languages)
            outcomes = await asyncio.gather(*(self._deliver_safely(r, reads[r.chat_id], run) for r in claimed))
            await write_isolating(outcomes, nudges.record_nudge_outcomes, "nudge outcomes")
            # Counted batch by batch, so a long pass shows on /metrics as it goes.
            for outcome, count in (report.counts - before).items():
                if outcome != MOVED:  # an extra note on a nudge counted as sent
                    NUDGES.labels(outcome).inc(count)
        if not stopping:
            await welcome_pass(run.catalog, self.storage, self._send, now, report.counts, keep_going)
        NUDGES_DUE.set(await nudges.count_due_reminders(now))
        log.log(logging.INFO if report.counts else logging.DEBUG, "nudge pass at %s: %s", now.isoformat(), report)
        return report

    async def _deliver_safely(self, reminder: Reminder, read: ChatRead, run: Pass) -> NudgeOutcome:
        """_deliver; an unexpected error in one chat is logged and retried, and its batch is still recorded."""
        try:
            return await self._deliver(reminder, read, run)
        except Exception:
            log.exception("nudge to chat %s failed unexpectedly", reminder.chat_id)
            return retry_later(reminder, reminder.chat_id, run, "an unexpected error")

    async def _deliver(self, reminder: Reminder, read: ChatRead, run: Pass) -> NudgeOutcome:
        """Send one chat its nudge and say what to record; Telegram's answers decide the outcome."""
        now = run.now

        def outcome(counted: str, status: ReminderStatus, *, sent: bool = False) -> NudgeOutcome:
            run.report.counts[counted] += 1
            due_at = reminder.next_slot(now) if status is ReminderStatus.ACTIVE else None
            kind = PAUSING if status is ReminderStatus.IDLE else WEEKLY
            return NudgeOutcome(chat_id, run.held, status, due_at, now if sent else None, at=now, kind=kind)

        chat_id = reminder.chat_id
        nudge = nudge_for(run.catalog, reminder, read, now)
        if nudge is None:
            return outcome("with nothing to nudge", ReminderStatus.ACTIVE)
        try:
            try:
                await self._send(chat_id, nudge.screen)
            except ChatMigrated as moved:
                chat_id = await self._move(chat_id, moved)
                await self._send(chat_id, nudge.screen)
                run.report.counts[MOVED] += 1
        except TelegramError as error:
            failure = classify(error)
            if failure is Failure.BLOCKED:
                log.info("chat %s stopped the bot (%s): reminders stop", chat_id, error.message)
                return outcome("blocked", ReminderStatus.BLOCKED)
            if failure in (Failure.CHAT_GONE, Failure.MIGRATED):
                return outcome("gone", ReminderStatus.GONE)
            if failure in (Failure.TRANSIENT, Failure.RETRY_AFTER):
                return retry_later(reminder, chat_id, run, repr(error))
            if failure is Failure.OTHER:
                log.error("nudge to chat %s failed: %s", chat_id, error)
                return outcome("failed", ReminderStatus.ACTIVE)
            log.error("nudge to chat %s refused: %s", chat_id, error.message)
            return outcome("refused", ReminderStatus.ACTIVE)
        if nudge.plan.pausing:
            return outcome("sent, then paused", ReminderStatus.IDLE, sent=True)
        return outcome("sent", ReminderStatus.ACTIVE, sent=True)

    async def _move(self, chat_id: int, moved: ChatMigrated) -> int:
        """A group became a supergroup: its data moves (or merges) to the new id, which is returned."""
        await self.storage.chats.move_chat(chat_id, moved.new_chat_id)
        return moved.new_chat_id

    async def _send(self, chat_id: int, screen: Screen) -> None:
        await send_unread(self.bot, chat_id, screen)
