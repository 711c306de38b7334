"""What the operator's counts are written with: a period and the chats it leaves out, and the few
things each database says its own way (the Monday of a week, a time some while after another,
the hours between two)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, func, literal, true, type_coerce
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True, slots=True)
class Period:
    """From `since` (included) to `until` (not), in UTC; the states are of the week `until` is in."""

    since: dt.datetime
    until: dt.datetime

    @property
    def first_day(self) -> dt.date:
        """The period's first day."""
        return self.since.date()

    @property
    def last_day(self) -> dt.date:
        """The period's last day (the one `until` ends)."""
        return (self.until - dt.timedelta(microseconds=1)).date()


@dataclass(frozen=True, slots=True)
class Scope:
    """What one count is of: a period, the chats left out, in the database's dialect."""

    dialect: str
    period: Period
    operators: set[int]

    def kept(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """Not an operator's chat."""
        return column.not_in(sorted(self.operators)) if self.operators else true()

    def during(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """In the period."""
        return and_(column >= self.period.since, column < self.period.until)


def week_start(column: ColumnElement[Any], dialect: str) -> ColumnElement[dt.date]:
    """The Monday of the ISO week a day or a UTC time falls in, as the database works it out."""
    if dialect == "postgresql":
        return cast(func.date_trunc("week", column), Date)
    return type_coerce(func.date(column, "weekday 0", "-6 days"), Date)


def plus(column: ColumnElement[Any], delta: dt.timedelta, dialect: str) -> ColumnElement[Any]:
    """A time some while after another, as the database works it out."""
    if dialect == "postgresql":
        return column + literal(delta)
    return func.strftime("%Y-%m-%d %H:%M:%f", column, f"+{int(delta.total_seconds())} seconds")


def hours_between(start: ColumnElement[Any], end: ColumnElement[Any], dialect: str) -> ColumnElement[int]:
    """Whole hours from one time to another."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", end - start) / 3600), Integer)
    return cast((func.julianday(end) - func.julianday(start)) * 24, Integer)


def week_index(day: ColumnElement[Any], base: dt.date, dialect: str) -> ColumnElement[int]:
    """Whole weeks from a Monday to a day (-1 for any day before it), as the database works it out."""
    if dialect == "postgresql":
        days = day - base
    else:
        days = cast(func.julianday(day) - func.julianday(base.isoformat()), Integer)
    return case((day < base, -1), else_=cast(days, Integer) // 7)
