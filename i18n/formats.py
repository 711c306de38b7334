"""Dates, times, numbers and plural choices as a locale writes them (Babel and CLDR), never
strftime: every view that shows one goes through here."""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

SOURCE_LOCALE = "en"


@functools.lru_cache(maxsize=64)
def locale_of(name: str) -> Locale:
    """The Babel locale of a name such as `en`, `ru` or `pt_BR`."""
    return Locale.parse(name)


def day(moment: dt.date, locale: str = SOURCE_LOCALE) -> str:
    """A day with its year: `3 Nov 2026` (a moment's day in UTC)."""
    return _day(moment.astimezone(dt.UTC).date() if isinstance(moment, dt.datetime) else moment, locale)


@functools.lru_cache(maxsize=4096)  # a card shows the same few days tap after tap
def _day(moment: dt.date, locale: str) -> str:
    return format_date(moment, "d MMM y", locale=locale_of(locale))


@functools.lru_cache(maxsize=1024)
def day_of_month(moment: dt.date, locale: str = SOURCE_LOCALE) -> str:
    """A day and its month in full, without the year: `12 March`."""
    return format_date(moment, "d MMMM", locale=locale_of(locale))


def day_of_month_and_year(moment: dt.date, locale: str = SOURCE_LOCALE) -> str:
    """A day and its month in full, with the year: `12 March 2027`."""
    return format_date(moment, "d MMMM y", locale=locale_of(locale))


def weekday_and_time(moment: dt.datetime, locale: str = SOURCE_LOCALE) -> str:
    """A local moment within the coming week: `Fri 4 Dec, 19:00`."""
    return format_datetime(moment, "EEE d MMM, HH:mm", tzinfo=moment.tzinfo, locale=locale_of(locale))


def number(value: float, locale: str = SOURCE_LOCALE, *, decimals: int = 1) -> str:
    """A number as the locale writes it, with at most `decimals` digits after the point: `1.5`, `2`."""
    return format_decimal(round(value, decimals), format="#,##0." + "#" * decimals, locale=locale_of(locale))


def plural_form(count: int, locale: str = SOURCE_LOCALE) -> str:
    """The CLDR plural category of a count in a locale: `one`, `few`, `many` or `other`."""
    return locale_of(locale).plural_form(count)
