"""The reminders table's rows as the rules' Reminder, and its weekdays as stored."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Row

from progress.reminders import Reminder, ReminderStatus


def days_bits(weekdays: frozenset[int]) -> int:
    """Weekdays as stored: a bit a day, Monday 1, Tuesday 2, ... Sunday 64."""
    return sum(1 << day for day in weekdays)


@functools.cache  # 128 possible values, one per claimed reminder
def bits_days(bits: int) -> frozenset[int]:
    """Weekdays from their stored bits."""
    return frozenset(day for day in range(7) if bits & (1 << day))


# A stored status as the enum, looked up directly: a nudge pass reads one per claimed reminder.
_STATUSES = {status.value: status for status in ReminderStatus}


def reminder_of_row(row: Row[Any], *, unanswered: int | None = None) -> Reminder:
    """A reminders row as a Reminder (with another count of unanswered nudges, if given)."""
    return Reminder(
        row.chat_id,
        _STATUSES[row.status],
        bits_days(row.weekdays),
        row.hour,
        row.timezone,
        row.due_at,
        row.unanswered if unanswered is None else unanswered,
        row.last_sent_at,
        row.failures,
    )
