"""The nudge scheduler: a pass claims due reminders, renders each chat's next step, sends it under
Telegram's limits and records the outcome and the next due time. The database is the schedule:
no job per chat lives in memory, and a restart loses nothing.

Delivery is at most once, but for one case. A claim moves the reminder a week on (HOLD) before
anything is sent; recording the outcome then sets the exact next slot. A process that dies
between claim and record therefore never sends a nudge twice; the chats of the batch in flight
(at most BATCH) may miss that week's nudge and get the next one a week after the claim. The one
case: a send that times out is retried five minutes later, as Telegram may not have it; if it
did, that chat gets the nudge twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.metrics import NUDGES, NUDGES_DUE
from handlers.reminder_views import render_nudge
from handlers.views import Screen
from roadmaps import Catalog, Roadmap, Step
from storage import NudgeOutcome, Progress, Reminder, ReminderStatus, StepState, Storage
from storage.schedule import next_slot

log = logging.getLogger(__name__)

BATCH = 100
HOLD = dt.timedelta(days=7)
RETRY_DELAY = dt.timedelta(minutes=5)
MAX_FAILURES = 12  # an hour of retries; then the nudge waits for the next weekly slot
BACK_OFF_AFTER = 3  # nudges in a row without an answer; the last one says reminders pause
LATELY = dt.timedelta(days=7)
MOVED = "moved to a supergroup"


@dataclass(frozen=True, slots=True)
class Nudge:
    """What one chat gets now: the lead roadmap's next step, as a message."""

    chat_id: int
    roadmap: Roadmap
    step: Step
    screen: Screen
    pausing: bool


@dataclass
class PassReport:
    """How many reminders of a pass ended which way."""

    counts: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        if not self.counts:
            return "nothing due"
        return ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.counts.items()))


def plan_nudge(catalog: Catalog, reminder: Reminder, progresses: Sequence[Progress], now: dt.datetime) -> Nudge | None:
    """The nudge a chat gets now, or None when every roadmap it started is finished (or gone).

    The roadmap used last leads; other unfinished ones are listed with their progress.
    """
    unfinished = [
        (roadmap, progress)
        for progress in progresses
        if (roadmap := catalog.get(progress.roadmap_id)) is not None and not progress.is_finished(roadmap)
    ]
    if not unfinished:
        return None
    (roadmap, progress), others = unfinished[0], unfinished[1:]
    since = reminder.last_sent_at or now - LATELY
    done_lately = sum(
        mark.state is StepState.DONE and mark.changed_at > since for p in progresses for mark in p.marks.values()
    )
    pausing = reminder.unanswered + 1 >= BACK_OFF_AFTER
    step = progress.next_step(roadmap)
    assert step is not None
    screen = render_nudge(roadmap, progress, others, done_lately, pausing, now)
    return Nudge(reminder.chat_id, roadmap, step, screen, pausing)


async def plan_due_nudges(catalog: Catalog, storage: Storage, now: dt.datetime) -> list[tuple[Reminder, Nudge | None]]:
    """Every reminder due by `now` and the nudge it would send, claiming nothing (a dry run)."""
    planned: list[tuple[Reminder, Nudge | None]] = []
    after: int | None = None
    while due := await storage.due_reminders(now, BATCH, after_chat_id=after):
        progresses = await storage.progress_of_chats([r.chat_id for r in due])
        planned += [(r, plan_nudge(catalog, r, progresses[r.chat_id], now)) for r in due]
        after = due[-1].chat_id
    return planned


def after_failure(
    reminder: Reminder, chat_id: int, now: dt.datetime, held: dt.datetime, report: PassReport, why: str
) -> NudgeOutcome:
    """A nudge that failed: tried again in RETRY_DELAY, or, after MAX_FAILURES in a row, left for
    the next weekly slot."""
    failures = reminder.failures + 1
    if failures >= MAX_FAILURES:
        log.warning("nudge to chat %s failed %d times (%s): waiting for the next slot", chat_id, failures, why)
        report.counts["given up"] += 1
        next_due = next_slot(reminder.weekday, reminder.hour, reminder.timezone, now)
        return NudgeOutcome(chat_id, held, ReminderStatus.ACTIVE, next_due, at=now)
    log.info("nudge to chat %s failed (%s): retrying in %s", chat_id, why, RETRY_DELAY)
    report.counts["to retry"] += 1
    return NudgeOutcome(chat_id, held, ReminderStatus.ACTIVE, now + RETRY_DELAY, failures=failures, at=now)


class NudgeDispatcher:
    """Runs passes: claim a bounded batch, deliver it, record it, until nothing is due."""

    def __init__(self, bot: Bot, catalog: Catalog, storage: Storage, *, batch: int = BATCH) -> None:
        self.bot, self.catalog, self.storage, self.batch = bot, catalog, storage, batch

    async def run_pass(self, now: dt.datetime, keep_going: Callable[[], bool] = lambda: True) -> PassReport:
        """One pass as if the time were `now`: every reminder due by then is claimed once.

        `keep_going` is asked before each batch: a stopping bot finishes the batch in hand and
        leaves the rest due for the next pass, in this process or another.
        """
        report = PassReport()
        hold_until = now + HOLD
        while keep_going() and (claimed := await self.storage.claim_due_reminders(now, self.batch, hold_until)):
            before = report.counts.copy()
            progresses = await self.storage.progress_of_chats([r.chat_id for r in claimed])
            outcomes = await asyncio.gather(
                *(self._deliver_safely(r, progresses[r.chat_id], now, hold_until, report) for r in claimed)
            )
            await self.storage.record_nudge_outcomes(outcomes)
            # Counted batch by batch, so a long pass shows on /metrics as it goes.
            for outcome, count in (report.counts - before).items():
                if outcome != MOVED:  # an extra note on a nudge counted as sent
                    NUDGES.labels(outcome).inc(count)
        NUDGES_DUE.set(await self.storage.count_due_reminders(now))
        log.log(logging.INFO if report.counts else logging.DEBUG, "nudge pass at %s: %s", now.isoformat(), report)
        return report

    async def _deliver_safely(
        self,
        reminder: Reminder,
        progresses: Sequence[Progress],
        now: dt.datetime,
        held: dt.datetime,
        report: PassReport,
    ) -> NudgeOutcome:
        """_deliver; an unexpected error in one chat is logged and retried, and its batch is still recorded."""
        try:
            return await self._deliver(reminder, progresses, now, held, report)
        except Exception:
            log.exception("nudge to chat %s failed unexpectedly", reminder.chat_id)
            return after_failure(reminder, reminder.chat_id, now, held, report, "an unexpected error")

    async def _deliver(
        self,
        reminder: Reminder,
        progresses: Sequence[Progress],
        now: dt.datetime,
        held: dt.datetime,
        report: PassReport,
    ) -> NudgeOutcome:
        """Send one chat its nudge and say what to record; Telegram's answers decide the outcome."""
        chat_id = reminder.chat_id
        next_due = next_slot(reminder.weekday, reminder.hour, reminder.timezone, now)

        def outcome(
            counted: str,
            status: ReminderStatus,
            *,
            due_at: dt.datetime | None = None,
            sent_at: dt.datetime | None = None,
            failures: int = 0,
        ) -> NudgeOutcome:
            report.counts[counted] += 1
            if status is ReminderStatus.ACTIVE and due_at is None:
                due_at = next_due
            return NudgeOutcome(chat_id, held, status, due_at, sent_at, failures, at=now)

        nudge = plan_nudge(self.catalog, reminder, progresses, now)
        if nudge is None:
            return outcome("with nothing to nudge", ReminderStatus.ACTIVE)
        try:
            try:
                await self._send(chat_id, nudge.screen)
            except ChatMigrated as moved:
                moved_here = await self.storage.move_chat(chat_id, moved.new_chat_id)
                if not moved_here and await self.storage.reminder_of(chat_id) is not None:
                    log.warning("chat %s moved to %s, which has its own data", chat_id, moved.new_chat_id)
                    return outcome("gone", ReminderStatus.GONE)
                chat_id = moved.new_chat_id
                await self._send(chat_id, nudge.screen)
                report.counts[MOVED] += 1
        except Forbidden as error:
            log.info("chat %s stopped the bot (%s): reminders stop", chat_id, error.message)
            return outcome("blocked", ReminderStatus.BLOCKED)
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return outcome("gone", ReminderStatus.GONE)
            log.error("nudge to chat %s refused: %s", chat_id, error.message)
            return outcome("refused", ReminderStatus.ACTIVE)
        except (NetworkError, RetryAfter) as error:
            return after_failure(reminder, chat_id, now, held, report, repr(error))
        except TelegramError as error:
            log.error("nudge to chat %s failed: %s", chat_id, error)
            return outcome("failed", ReminderStatus.ACTIVE)
        if nudge.pausing:
            return outcome("sent, then paused", ReminderStatus.IDLE, sent_at=now)
        return outcome("sent", ReminderStatus.ACTIVE, sent_at=now)

    async def _send(self, chat_id: int, screen: Screen) -> None:
        await self.bot.send_message(chat_id, screen.text, reply_markup=screen.keyboard)
