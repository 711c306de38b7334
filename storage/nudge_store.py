"""The nudge flow's queries: the reminders due, claiming them, the momentum of a claimed batch, and
recording what became of each nudge. Each method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Integer,
    Select,
    String,
    Update,
    bindparam,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from progress.momentum import Momentum
from progress.reminders import NudgeOutcome, Reminder, ReminderStatus
from roadmaps import Catalog
from storage.database import Database
from storage.id_lists import one_of
from storage.momentum_reads import momentum_statement, read_momentum
from storage.reminder_rows import reminder_of_row
from storage.row_locks import in_id_order, lock_chats
from storage.tables import WELCOME_PENDING, UtcDateTime, chat_roadmaps, chats, facts, reminders

# The kinds of fact a nudge's outcome leaves.
NUDGE_SENT, BLOCKED = "nudge", "blocked"


@dataclass(frozen=True, slots=True)
class Welcome:
    """A chat whose welcome a pass took: the step card it opened last, its language, and whether it
    started a roadmap (or has a reminder) since, when it needs none."""

    chat_id: int
    roadmap_id: str
    step_id: str | None
    language: str | None
    started: bool


class Claimed(list[Reminder]):
    """The reminders a claim took, and the language stored for each of their chats (None: none
    yet), read by the claim's own statement: a batch's nudges need both."""

    def __init__(self, claimed: Iterable[Reminder], languages: dict[int, str | None]) -> None:
        super().__init__(claimed)
        self.languages = languages


class NudgeStore:
    """Due reminders over the shared Database: the database is the schedule."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._momentum: tuple[Catalog, Select[Any]] | None = None  # the last catalog's statement
        # The statements a pass runs for every batch, built once a store: the claim; what became
        # of one chat's nudge (executemany), and of several chats' alike in one go.
        self._claim = _claim(skip_locked=database.dialect == "postgresql")
        self._record_one = _record(reminders.c.chat_id == bindparam("b_chat", type_=BigInteger))
        self._record_alike = _record(one_of(reminders.c.chat_id, "b_chat"))

    async def momentum_of_chats(
        self, catalog: Catalog, chat_ids: Sequence[int], now: dt.datetime, lately: dt.datetime
    ) -> dict[int, Momentum]:
        """The momentum of a batch of chats, in one statement: steps done since each chat's last
        nudge (since `lately`, before its first), its weekly streak, and each roadmap's pace."""
        if self._momentum is None or self._momentum[0] is not catalog:
            self._momentum = (catalog, momentum_statement(catalog, self.database.dialect))
        async with self.database.reading() as connection:
            return await read_momentum(connection, self._momentum[1], catalog, chat_ids, now, lately)

    async def due_reminders(self, now: dt.datetime, limit: int, after_chat_id: int | None = None) -> list[Reminder]:
        """Reminders due by `now`, without claiming them (for a dry run), in chat order."""
        query = select(reminders).where(reminders.c.due_at <= now).order_by(reminders.c.chat_id).limit(limit)
        if after_chat_id is not None:
            query = query.where(reminders.c.chat_id > after_chat_id)
        async with self.database.reading() as connection:
            return [reminder_of_row(row) for row in await connection.execute(query)]

    async def count_due_reminders(self, now: dt.datetime) -> int:
        """How many reminders are due by `now` and not claimed (the backlog)."""
        async with self.database.reading() as connection:
            query = select(func.count()).select_from(reminders).where(reminders.c.due_at <= now)
            return int((await connection.execute(query)).scalar_one())

    async def claim_due_reminders(self, now: dt.datetime, limit: int, hold_until: dt.datetime) -> Claimed:
        """Claim up to `limit` reminders due by `now`, earliest first, by moving their due time to `hold_until`.

        One UPDATE both picks and moves the rows, and it re-checks `due_at <= now` itself: on
        SQLite writers are serialized, so a row another tick or process already moved no longer
        matches (compare-and-set); on PostgreSQL the picked rows are locked, SKIP LOCKED, so
        concurrent claims take different rows. A claimed row is due again only at `hold_until`:
        if the process dies before it records the outcome, the chat is not nudged twice.
        The claim also counts the nudge as unanswered (recording takes it back if none was
        sent), so an answer that comes while the batch is still sending is not overwritten.
        A claim whose outcome was never recorded (its process died; `claimed_at` is still set)
        is taken back here: its nudge may not have gone out, so it is not counted.
        Returns the claimed reminders as they were before the claim, with their chats' languages.
        """
        async with self.database.writing() as connection:
            rows = (await connection.execute(self._claim, {"c_now": now, "c_hold": hold_until, "c_limit": limit})).all()
        return Claimed(
            (reminder_of_row(row, unanswered=max(0, row.unanswered - 1)) for row in rows),
            {row.chat_id: row.language for row in rows},
        )

    async def welcomes_pending(self, opened_before: dt.datetime, limit: int) -> list[tuple[int, str | None]]:
        """Chats whose welcome is still to be dealt with, that came (opened a step card) before
        `opened_before`, the oldest first: (chat, its time zone if it told one)."""
        query = (
            select(chats.c.id, chats.c.timezone)
            .where(WELCOME_PENDING, chats.c.created_at <= opened_before)
            .order_by(chats.c.created_at)
            .limit(limit)
        )
        async with self.database.reading() as connection:
            return [(chat_id, timezone) for chat_id, timezone in await connection.execute(query)]

    async def claim_welcomes(self, chat_ids: Sequence[int], now: dt.datetime) -> list[Welcome]:
        """Deal with these chats' welcomes now, each once (a chat another pass dealt with meanwhile
        is left out): what each opened last, its language, and whether it started since."""
        claim = (
            update(chats)
            .where(chats.c.id.in_(chat_ids), WELCOME_PENDING)
            .values(welcomed_at=now)
            .returning(chats.c.id, chats.c.current_roadmap_id, chats.c.current_step_id, chats.c.language, _STARTED)
        )
        async with self.database.writing() as connection:
            await lock_chats(connection, _LOCK_WELCOMES, {"chats": list(chat_ids)})  # the UPDATE: in its own order
            rows = (await connection.execute(claim)).all()
        return [
            Welcome(row.id, row.current_roadmap_id, row.current_step_id, row.language, bool(row.started))
            for row in rows
        ]

    async def record_welcomes(self, chat_ids: Sequence[int], at: dt.datetime, kind: str) -> None:
        """The welcomes that went out `at`, as facts (a nudge of `kind`)."""
        if chat_ids:
            async with self.database.writing() as connection:
                params = {"f_chats": list(chat_ids), "f_at": at, "f_kind": NUDGE_SENT, "f_source": kind}
                await connection.execute(_RECORD_FACTS, params)

    async def record_nudge_outcomes(self, outcomes: Iterable[NudgeOutcome]) -> None:
        """Write what became of claimed nudges: the next due time and status, and who was sent one."""
        alike: dict[tuple[Any, ...], list[int]] = {}  # most of a batch ends alike: one statement for them
        outcomes_kept = list(outcomes)
        for o in outcomes_kept:
            alike.setdefault((o.claimed_due_at, o.status, o.due_at, o.failures, o.at, o.sent_at), []).append(o.chat_id)
        if not alike:
            return
        one_each = [_outcome_row(chat_ids[0], same) for same, chat_ids in alike.items() if len(chat_ids) == 1]
        happened: dict[tuple[dt.datetime, str, str | None], list[int]] = {}  # a fact's (when, kind, source): whose
        for o in outcomes_kept:
            if (fact := _fact_of(o)) is not None:
                happened.setdefault(fact, []).append(o.chat_id)
        async with self.database.writing() as connection:
            for same, chat_ids in alike.items():
                if len(chat_ids) > 1:
                    await connection.execute(self._record_alike, _outcome_row(chat_ids, same))
            if one_each:
                await connection.execute(self._record_one, one_each)
            for (at, kind, source), chat_ids in happened.items():
                await connection.execute(
                    _RECORD_FACTS, {"f_chats": chat_ids, "f_at": at, "f_kind": kind, "f_source": source}
                )


# What the record (`_record`) asks in several of its SETs: whether the due time is still the one
# the claim wrote; the status it writes; whether a nudge was sent.
_HELD = reminders.c.due_at == bindparam("b_claimed", type_=UtcDateTime)
_STATUS, _SENT = bindparam("b_status", type_=String), bindparam("b_sent", type_=Boolean)


def _claim(*, skip_locked: bool) -> Update:
    """The claim of claim_due_reminders, built once (a pass runs it for every batch): up to
    `c_limit` reminders due by `c_now`, earliest first, moved to `c_hold`; the rows picked locked
    and those another claim holds skipped (`skip_locked`, PostgreSQL). Returns every column and
    the chat's language."""
    now = bindparam("c_now", type_=UtcDateTime)
    picked = (
        select(reminders.c.chat_id)
        .where(reminders.c.due_at <= now)
        .order_by(reminders.c.due_at, reminders.c.chat_id)
        .limit(bindparam("c_limit", type_=Integer))
    )
    if skip_locked:
        picked = picked.with_for_update(skip_locked=True)
    return (
        update(reminders)
        .where(reminders.c.chat_id.in_(picked.scalar_subquery()), reminders.c.due_at <= now)
        .values(
            due_at=bindparam("c_hold", type_=UtcDateTime),
            claimed_at=now,
            unanswered=reminders.c.unanswered + case((reminders.c.claimed_at.is_(None), 1), else_=0),
        )
        .returning(*reminders.c, _LANGUAGE)
    )


def _record(chats: ColumnElement[bool]) -> Update:
    """What became of claimed nudges that ended alike, for the chats `chats` picks, in one statement.

    The schedule (status, due time, failures, when it stopped) changes only while the due time is
    still the one the claim wrote: a chat that changed its settings meanwhile keeps its new ones.
    Whatever the schedule, the claim is over, a nudge sent is dated, and one not sent is not
    counted as unanswered. Every SET reads the row as it was before this UPDATE.
    """
    return (
        update(reminders)
        .where(chats)
        .values(
            status=case((_HELD, _STATUS), else_=reminders.c.status),
            due_at=case((_HELD, bindparam("b_due_at", type_=UtcDateTime)), else_=reminders.c.due_at),
            failures=case((_HELD, bindparam("b_failures", type_=Integer)), else_=reminders.c.failures),
            stopped_at=case(
                (_HELD & (ReminderStatus.ACTIVE.value != _STATUS), bindparam("b_at", type_=UtcDateTime)),
                else_=reminders.c.stopped_at,
            ),
            last_sent_at=case((_SENT, bindparam("b_sent_at", type_=UtcDateTime)), else_=reminders.c.last_sent_at),
            unanswered=case(
                (_SENT, reminders.c.unanswered), (reminders.c.unanswered > 0, reminders.c.unanswered - 1), else_=0
            ),
            claimed_at=None,
        )
    )


def _outcome_row(chat: int | list[int], same: tuple[Any, ...]) -> dict[str, Any]:
    """The parameters of a record (`_record`) for one chat or several whose outcomes are alike
    in `same` (claimed due time, status, due time, failures, when, when sent)."""
    claimed_due_at, status, due_at, failures, at, sent_at = same
    return {
        "b_chat": chat,
        "b_claimed": claimed_due_at,
        "b_status": status.value,
        "b_due_at": due_at,
        "b_failures": failures,
        "b_at": at,
        "b_sent": sent_at is not None,
        "b_sent_at": sent_at,
    }


def _fact_of(outcome: NudgeOutcome) -> tuple[dt.datetime, str, str | None] | None:
    """The fact a nudge's outcome leaves, as (when, kind, source): a nudge sent (its kind), or the
    bot blocked; else none."""
    if outcome.sent_at is not None:
        return outcome.sent_at, NUDGE_SENT, outcome.kind
    if outcome.status is ReminderStatus.BLOCKED:
        return outcome.at, BLOCKED, None
    return None


# Whether a chat has started a roadmap or has a reminder: its weekly nudges are under way.
_STARTED = or_(
    exists().where(chat_roadmaps.c.chat_id == chats.c.id, chat_roadmaps.c.started_at.is_not(None)),
    exists().where(reminders.c.chat_id == chats.c.id),
).label("started")

# The language stored for a claimed reminder's chat, returned by the claim itself.
_LANGUAGE = select(chats.c.language).where(chats.c.id == reminders.c.chat_id).scalar_subquery().label("language")

# One fact for each of some chats, alike but for the chat (a batch's nudges share their moment and
# mostly their kind): one statement with one list of chats, not a row of parameters a chat. The
# chats are read off their rows, so a chat forgotten since its claim leaves no fact behind.
_RECORD_FACTS = insert(facts).from_select(
    ["chat_id", "at", "kind", "source"],
    select(
        chats.c.id,
        bindparam("f_at", type_=UtcDateTime),
        bindparam("f_kind", type_=String),
        bindparam("f_source", type_=String),
    ).where(one_of(chats.c.id, "f_chats")),
)

# The chats of a welcomes' claim (`chats`) still waiting for theirs, locked in id order (PostgreSQL).
_LOCK_WELCOMES = in_id_order(select(chats.c.id).where(one_of(chats.c.id, "chats"), WELCOME_PENDING))
