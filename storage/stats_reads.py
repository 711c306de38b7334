"""What the facts hold, counted in the database (where the volume is) for the operator's figures:
a few aggregate statements, each answering with a handful of rows however many chats there are.
progress/stats.py turns the counts into figures. Operator chats are left out of every count."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    BigInteger,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from progress.stats import (
    AWAY,
    MONTH,
    NUDGE_WINDOWS,
    WEEK,
    ChatState,
    Cohort,
    NudgeFigures,
    StatsCounts,
    StepCounts,
    Visits,
    state_of,
)
from roadmaps import Catalog
from storage.chat_store import NUDGE_TAPPED
from storage.database import Database
from storage.nudge_store import BLOCKED, NUDGE_SENT
from storage.progress_writes import STEP_CHANGED
from storage.reminder_store import SNOOZED, STOPPED
from storage.stats_funnels import funnel_counts
from storage.stats_sql import Period, Scope, plus, week_index, week_start
from storage.tables import chat_days, facts

CHART_WEEKS = 12  # weeks the chart shows at most
MARKS = ("chat", "page")  # where a mark a person made comes from (imports and back-fills are not marks)


class StatsStore:
    """The operator's counts over the shared Database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def count(self, catalog: Catalog, period: Period, operators: Collection[int] = ()) -> StatsCounts:
        """Every count the figures need, for a period, leaving out the operators' chats."""
        counts = StatsCounts(week=period.last_day)
        counts.week -= dt.timedelta(days=counts.week.weekday())
        reads = Reads(self.database.dialect, period, set(operators))
        async with self.database.reading() as connection:
            counts.states_by_week = await reads.states(connection, weeks_of(period, CHART_WEEKS))
            counts.states = counts.states_by_week[counts.week]
            counts.nudges_by_week = await reads.nudges_by_week(connection)
            counts.weekly_active, counts.monthly_active = await reads.active(connection)
            counts.new_chats, counts.activated = await reads.activation(connection)
            counts.funnels = await reads.funnels(connection, catalog)
            counts.cohorts = await reads.cohorts(connection)
            counts.nudges = await reads.nudges(connection)
            counts.marks, counts.page_marks = await reads.marks(connection)
        return counts


class Reads(Scope):
    """The statements of one count, over a Scope."""

    async def states(self, connection: AsyncConnection, weeks: list[dt.date]) -> dict[dt.date, Counter[ChatState]]:
        """Chats by state in each of some weeks, in one pass over the days seen: the database gives
        each chat's weeks seen as bits (since AWAY weeks before the first asked, one bit for any
        week before), grouped, and each group's state in each week comes from the rules."""
        base = weeks[0] - WEEK * (AWAY + 1)
        d = chat_days.c
        index = week_index(d.day, base, self.dialect)
        one = cast(literal(1), BigInteger)
        bit = case((index < 0, cast(literal(1 << EARLIER), BigInteger)), else_=one.op("<<")(index))
        per_chat = (
            select(func.min(index).label("first"), func.sum(distinct(bit)).label("mask"))
            .where(d.day < weeks[-1] + WEEK, self.kept(d.chat_id))
            .group_by(d.chat_id)
            .subquery()
        )
        groups = select(per_chat.c.first, per_chat.c.mask, func.count()).group_by(per_chat.c.first, per_chat.c.mask)
        states: dict[dt.date, Counter[ChatState]] = {week: Counter() for week in weeks}
        for first, mask, chats in await connection.execute(groups):
            for week in weeks:
                visits = visits_in(int(first), int(mask), (week - base).days // 7, base)
                if visits is not None:
                    states[week][state_of(visits, week)] += int(chats)
        return states

    async def active(self, connection: AsyncConnection) -> tuple[int, int]:
        """Chats active in the week and the four weeks up to the period's end."""
        d, end = chat_days.c, self.period.last_day
        counted = [
            func.count(distinct(case((d.day > end - span, d.chat_id)))).label(name)
            for name, span in (("week", WEEK), ("month", MONTH))
        ]
        query = select(*counted).where(d.day <= end, d.day > end - MONTH, self.kept(d.chat_id))
        row = (await connection.execute(query)).one()
        return int(row.week), int(row.month)

    async def activation(self, connection: AsyncConnection) -> tuple[int, int]:
        """Chats first seen in the period, and of them those who changed a step within a day."""
        d, f = chat_days.c, facts.c
        firsts = select(d.chat_id, func.min(d.first_at).label("first_at")).group_by(d.chat_id).subquery()
        soon = exists().where(
            f.chat_id == firsts.c.chat_id,
            f.kind == STEP_CHANGED,
            f.at >= firsts.c.first_at,
            f.at < plus(firsts.c.first_at, dt.timedelta(hours=24), self.dialect),
        )
        query = select(func.count(), func.count().filter(soon)).where(
            self.during(firsts.c.first_at), self.kept(firsts.c.chat_id)
        )
        new, activated = (await connection.execute(query)).one()
        return int(new), int(activated)

    async def funnels(self, connection: AsyncConnection, catalog: Catalog) -> dict[str, StepCounts]:
        """Each roadmap's step counts: furthest steps changed, steps done and skipped, hours to do each."""
        return await funnel_counts(connection, self, catalog)

    async def cohorts(self, connection: AsyncConnection) -> list[Cohort]:
        """The chats first seen in each week of the period, and how many were active each week after."""
        d = chat_days.c
        firsts = select(d.chat_id, func.min(d.day).label("first_day")).group_by(d.chat_id).subquery()
        cohort, active = week_start(firsts.c.first_day, self.dialect), week_start(d.day, self.dialect)
        query = (
            select(cohort.label("cohort"), active.label("active"), func.count(distinct(d.chat_id)))
            .select_from(chat_days.join(firsts, firsts.c.chat_id == d.chat_id))
            .where(
                firsts.c.first_day >= self.period.first_day,
                firsts.c.first_day <= self.period.last_day,
                d.day <= self.period.last_day,
                self.kept(d.chat_id),
            )
            .group_by("cohort", "active")
        )
        weeks: dict[dt.date, dict[dt.date, int]] = {}
        for first, week, chats in await connection.execute(query):
            weeks.setdefault(_day(first), {})[_day(week)] = int(chats)
        return [
            Cohort(first, active[first], [active.get(first + WEEK * n, 0) for n in range(_weeks_to(first, self))])
            for first, active in sorted(weeks.items())
        ]

    async def nudges(self, connection: AsyncConnection) -> NudgeFigures:
        """Nudges sent by kind, steps changed soon after them, and the snoozes, stops and blocks."""
        f, step = facts.c, facts.alias("step").c
        soon = [
            exists().where(
                step.chat_id == f.chat_id,
                step.kind == STEP_CHANGED,
                step.at > f.at,
                step.at <= plus(f.at, window, self.dialect),
            )
            for window in NUDGE_WINDOWS
        ]
        sent = select(f.source, func.count(), *(func.count().filter(s) for s in soon)).where(
            f.kind == NUDGE_SENT, self.during(f.at), self.kept(f.chat_id)
        )
        by_kind, changed = {}, Counter[dt.timedelta]()
        for kind, count, *within in await connection.execute(sent.group_by(f.source)):
            by_kind[str(kind)] = int(count)
            changed.update({window: int(n) for window, n in zip(NUDGE_WINDOWS, within, strict=True)})
        others = select(f.kind, func.count()).where(
            f.kind.in_([SNOOZED, STOPPED, BLOCKED, NUDGE_TAPPED]), self.during(f.at), self.kept(f.chat_id)
        )
        kinds = {str(kind): int(count) for kind, count in await connection.execute(others.group_by(f.kind))}
        return NudgeFigures(
            by_kind,
            dict(changed),
            kinds.get(SNOOZED, 0),
            kinds.get(STOPPED, 0),
            kinds.get(BLOCKED, 0),
            kinds.get(NUDGE_TAPPED, 0),
        )

    async def nudges_by_week(self, connection: AsyncConnection) -> dict[dt.date, tuple[int, int]]:
        """Each week's nudges sent, and of them those followed by a step changed within a day."""
        f, step = facts.c, facts.alias("step").c
        within_a_day = exists().where(
            step.chat_id == f.chat_id,
            step.kind == STEP_CHANGED,
            step.at > f.at,
            step.at <= plus(f.at, NUDGE_WINDOWS[-1], self.dialect),
        )
        week = week_start(f.at, self.dialect).label("week")
        query = (
            select(week, func.count(), func.count().filter(within_a_day))
            .where(f.kind == NUDGE_SENT, self.during(f.at), self.kept(f.chat_id))
            .group_by(week)
        )
        return {_day(monday): (int(sent), int(changed)) for monday, sent, changed in await connection.execute(query)}

    async def marks(self, connection: AsyncConnection) -> tuple[int, int]:
        """Steps marked in the period, and of them those marked on the page."""
        f = facts.c
        query = select(func.count(), func.count().filter(f.source == "page")).where(
            f.kind == STEP_CHANGED, f.source.in_(MARKS), self.during(f.at), self.kept(f.chat_id)
        )
        marks, page = (await connection.execute(query)).one()
        return int(marks), int(page)


EARLIER = 40  # the bit of a chat's weeks seen that stands for any week before the first counted


def visits_in(first: int, mask: int, week: int, base: dt.date) -> Visits | None:
    """One chat's visits as they stand in a week (its index from `base`), from the weeks it was
    seen (bits of `mask`; EARLIER: some week before `base`); None if it came only after that week."""
    if first > week:
        return None
    seen = [n for n in range(week) if mask & (1 << n)]
    last_before = base + WEEK * seen[-1] if seen else (base - WEEK if mask & (1 << EARLIER) else None)
    first_week = base + WEEK * first if first >= 0 else base - WEEK
    return Visits(first_week, bool(mask & (1 << week)), bool(mask & (1 << (week - 1))) if week else False, last_before)


def weeks_of(period: Period, most: int) -> list[dt.date]:
    """The Mondays of the period's last weeks, at most `most`, oldest first."""
    last = period.last_day - dt.timedelta(days=period.last_day.weekday())
    first = max(period.first_day - dt.timedelta(days=period.first_day.weekday()), last - WEEK * (most - 1))
    return [first + WEEK * n for n in range((last - first).days // 7 + 1)]


def _day(value: Any) -> dt.date:
    """A day as either database gives it back (SQLite: text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _weeks_to(first: dt.date, reads: Reads) -> int:
    """How many weeks of a cohort the period holds, its first included."""
    return (reads.period.last_day - first).days // 7 + 1


__all__ = ["Period", "StatsStore"]
