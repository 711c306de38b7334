"""The operator's figures, defined once: what each chat's weeks make of it (Duolingo's six states),
activation, a step's funnel, weekly cohorts, what a nudge brings, and the rule that keeps small
groups honest. Storage counts what the facts hold (in the database, where the volume is); these
rules turn the counts into figures. Weeks are ISO weeks in UTC, starting on Monday.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

WEEK = dt.timedelta(days=7)
HOUR = dt.timedelta(hours=1)
MONTH = dt.timedelta(days=28)  # "monthly active": the last four weeks
ACTIVATION_WINDOW = dt.timedelta(hours=24)  # a first step changed this soon after the first visit
NUDGE_WINDOWS = (dt.timedelta(hours=2), dt.timedelta(hours=24))  # a step changed this soon after a nudge
AWAY = 4  # weeks without a visit after which a chat that comes back is resurrected, not reactivated
FEWEST = 5  # a figure over fewer chats than this shows as "<5"


class ChatState(enum.Enum):
    """Where a chat stands in a week, as Duolingo's growth model has it (by weeks, not days)."""

    NEW = "new"  # came for the first time this week
    CURRENT = "current"  # active this week and the week before
    REACTIVATED = "reactivated"  # active this week, not the week before, but within AWAY weeks
    RESURRECTED = "resurrected"  # active this week after AWAY weeks or more away
    AT_RISK = "at_risk"  # not active this week, but within the AWAY weeks before
    DORMANT = "dormant"  # not active this week nor the AWAY weeks before


def week_of(moment: dt.date) -> dt.date:
    """The Monday of the ISO week a day (or a moment, in UTC) falls in."""
    day = moment.astimezone(dt.UTC).date() if isinstance(moment, dt.datetime) else moment
    return day - dt.timedelta(days=day.weekday())


def iso_week(monday: dt.date) -> str:
    """An ISO week's name: `2026-W49`."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class Visits:
    """What one chat's visits say about a week: first week seen, this week, the week before, and
    the last week seen before this one (None: none)."""

    first_week: dt.date
    this_week: bool
    week_before: bool
    last_before: dt.date | None


def state_of(visits: Visits, week: dt.date) -> ChatState:
    """The state of a chat in a week (its Monday), from its visits."""
    if visits.first_week == week:
        return ChatState.NEW
    away = (week - visits.last_before).days // 7 if visits.last_before else None
    if visits.this_week:
        if visits.week_before:
            return ChatState.CURRENT
        return ChatState.REACTIVATED if away is not None and away <= AWAY else ChatState.RESURRECTED
    return ChatState.AT_RISK if away is not None and away <= AWAY else ChatState.DORMANT


def median_from(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as counts by value (hours spent, say); None for none."""
    total = sum(histogram.values())
    if not total:
        return None

    def nth(wanted: int) -> int:
        """The value at a 0-based place in order."""
        seen = 0
        for value, count in sorted(histogram.items()):
            seen += count
            if seen > wanted:
                return value
        raise AssertionError("unreachable")  # pragma: no cover

    return (nth((total - 1) // 2) + nth(total // 2)) / 2


def share(part: int, whole: int) -> float | None:
    """`part` of `whole`, or None when the whole is too small to say (fewer than FEWEST chats)."""
    return part / whole if whole >= FEWEST else None


def per_100(part: int, whole: int) -> float | None:
    """`part` per 100 of `whole`, or None when the whole is too small to say."""
    found = share(part, whole)
    return None if found is None else 100 * found


@dataclass(frozen=True, slots=True)
class StepFunnel:
    """One step of a roadmap's funnel: chats that reached it, did it, skipped it, and the median
    hours from starting it (or doing the step before) to doing it."""

    step_id: str
    reached: int
    done: int
    skipped: int
    median_hours: float | None


@dataclass(frozen=True, slots=True)
class StepCounts:
    """What storage counted of one roadmap's steps: chats by the position (from 1) of the furthest
    step they changed, and by step id the chats that did or skipped it and the hours doing it took."""

    furthest: Mapping[int, int] = field(default_factory=dict)
    done: Mapping[str, int] = field(default_factory=dict)
    skipped: Mapping[str, int] = field(default_factory=dict)
    hours: Mapping[str, Mapping[int, int]] = field(default_factory=dict)


def funnel(step_ids: Sequence[str], counts: StepCounts) -> list[StepFunnel]:
    """A roadmap's funnel: a step is reached by every chat whose furthest change is at it or after it."""
    found = []
    for number, step_id in enumerate(step_ids, 1):
        reached = sum(chats for position, chats in counts.furthest.items() if position >= number)
        done, skipped = counts.done.get(step_id, 0), counts.skipped.get(step_id, 0)
        found.append(StepFunnel(step_id, reached, done, skipped, median_from(counts.hours.get(step_id, {}))))
    return found


@dataclass(frozen=True, slots=True)
class Cohort:
    """The chats first seen in one week, and how many of them were active in each week after."""

    week: dt.date
    chats: int
    active: Sequence[int]  # the week itself first, then each week after, up to the last one counted


@dataclass(frozen=True, slots=True)
class NudgeFigures:
    """What the nudges did: sent by kind, a step changed within each window after one, and what
    the chats did to them."""

    sent: Mapping[str, int] = field(default_factory=dict)
    changed_within: Mapping[dt.timedelta, int] = field(default_factory=dict)
    snoozed: int = 0
    stopped: int = 0
    blocked: int = 0
    tapped: int = 0

    @property
    def total(self) -> int:
        """Every nudge sent, whatever its kind."""
        return sum(self.sent.values())


@dataclass
class StatsCounts:
    """Everything the facts say for a period, counted (the week is the one the states are of)."""

    week: dt.date
    states: Counter[ChatState] = field(default_factory=Counter)
    weekly_active: int = 0
    monthly_active: int = 0
    new_chats: int = 0
    activated: int = 0
    funnels: dict[str, StepCounts] = field(default_factory=dict)
    cohorts: list[Cohort] = field(default_factory=list)
    nudges: NudgeFigures = field(default_factory=NudgeFigures)
    marks: int = 0
    page_marks: int = 0
    # For the chart: chats by state in each week of the period, and each week's nudges sent and
    # those followed by a step changed within a day.
    states_by_week: dict[dt.date, Counter[ChatState]] = field(default_factory=dict)
    nudges_by_week: dict[dt.date, tuple[int, int]] = field(default_factory=dict)


def honest(count: int) -> int | str:
    """A count as a figure may show it: none, or at least FEWEST; a handful of chats is "<5"."""
    return count if count == 0 or count >= FEWEST else f"<{FEWEST}"


def activation_rate(counts: StatsCounts) -> float | None:
    """The share of chats first seen in the period that changed a step within ACTIVATION_WINDOW."""
    return share(counts.activated, counts.new_chats)


def page_share(counts: StatsCounts) -> float | None:
    """The share of the period's marks made on the page."""
    return share(counts.page_marks, counts.marks)


def retention(cohort: Cohort) -> list[float | None]:
    """A cohort's share active in each of its weeks (None when the cohort is too small to say)."""
    return [share(active, cohort.chats) for active in cohort.active]


def nudge_rates(nudges: NudgeFigures) -> dict[str, float | None]:
    """What came of every 100 nudges sent: steps changed within each window, snoozes, stops, blocks."""
    rates = {
        f"changed_within_{window // HOUR}h": per_100(nudges.changed_within.get(window, 0), nudges.total)
        for window in NUDGE_WINDOWS
    }
    for name, count in (("snoozed", nudges.snoozed), ("stopped", nudges.stopped), ("blocked", nudges.blocked)):
        rates[name] = per_100(count, nudges.total)
    return rates


DIGEST_HOUR = 8  # the weekly digest goes out on Mondays at this hour, UTC: the week before is whole


def next_digest(after: dt.datetime) -> dt.datetime:
    """The first Monday DIGEST_HOUR:00 UTC strictly after a moment."""
    day = week_of(after)
    moment = dt.datetime.combine(day, dt.time(DIGEST_HOUR), tzinfo=dt.UTC)
    return moment if moment > after else moment + WEEK
