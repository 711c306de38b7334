"""Dates, times, numbers and plural choices as a locale writes them (Babel and CLDR), never
strftime: every view that shows one goes through here."""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from i18n.catalogs import language

# Languages whose digits are not 0-9: Babel gives their separators but the Latin digits.
DIGITS = {"fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")}


def local_digits(text: str, name: str) -> str:
    """Text with a language's own digits (Persian: ۰-۹), as its readers write numbers."""
    table = DIGITS.get(name)
    return text.translate(table) if table else text


# English dates as the bot has always written them: `3 Nov 2026`, not `Nov 3, 2026`.
FORMATTED_AS = {"en": "en_GB"}


@functools.lru_cache(maxsize=64)
def locale_of(name: str) -> Locale:
    """The Babel locale a language's dates and numbers are written in (`en` as `en_GB`)."""
    return Locale.parse(FORMATTED_AS.get(name, name))


def _skeleton(skeleton: str, moment: dt.date, name: str) -> str:
    """A date in the language's own order and words for a CLDR skeleton (`yMMMd`), its digits its own."""
    return local_digits(format_skeleton(skeleton, moment, locale=locale_of(name)), name)


def day(moment: dt.date) -> str:
    """A day with its year: `3 Nov 2026` (a moment's day in UTC)."""
    return _day(moment.astimezone(dt.UTC).date() if isinstance(moment, dt.datetime) else moment, language())


@functools.lru_cache(maxsize=4096)  # a card shows the same few days tap after tap
def _day(moment: dt.date, name: str) -> str:
    return _skeleton("yMMMd", moment, name)


def day_of_month(moment: dt.date) -> str:
    """A day and its month in full, without the year: `12 March` (`12 марта`)."""
    return _skeleton("MMMMd", moment, language())


def day_of_month_and_year(moment: dt.date) -> str:
    """A day and its month in full, with the year: `12 March 2027`."""
    return _skeleton("yMMMMd", moment, language())


def weekday_and_time(moment: dt.datetime) -> str:
    """A local moment within the coming week: `Fri 4 Dec, 19:00`."""
    name = language()
    glue = str(locale_of(name).datetime_formats["medium"])
    return glue.format(_skeleton("Hm", moment, name), _skeleton("MMMEd", moment, name))


def weekday_name(weekday: int, width: str = "wide") -> str:
    """A weekday (Monday 0) as the language names it: `Friday`, or `Fri` with width `abbreviated`."""
    return locale_of(language()).days["format"][width][weekday]


def list_of(items: list[str]) -> str:
    """Items as the language lists them: `Monday, Wednesday and Friday`, `пн, ср и пт`."""
    return format_list(items, locale=locale_of(language())) if items else ""


def time_of_day(hour: int, minute: int = 0) -> str:
    """An hour of the day on the 24-hour clock, as the language writes digits: `09:00`."""
    return f"{number(hour, decimals=0, width=2)}:{number(minute, decimals=0, width=2)}"


@functools.lru_cache(maxsize=4096)
def _number(value: float, name: str, decimals: int, width: int) -> str:
    pattern = "0" * width + ("." + "#" * decimals if decimals else "")
    shown = format_decimal(round(value, decimals), format=pattern, locale=locale_of(name), numbering_system="default")
    return local_digits(shown, name)


def number(value: float, *, decimals: int = 1, width: int = 1) -> str:
    """A number as the language writes it (its digits too), with at most `decimals` digits after
    the point and at least `width` before it: `1.5`, `2`, `09`."""
    return _number(value, language(), decimals, width)


def count(value: int) -> str:
    """A whole number as the language writes it, with its grouping: `1,024`, `۱٬۰۲۴`."""
    return _count(value, language())


@functools.lru_cache(maxsize=4096)  # a card and its buttons show the same few counts tap after tap
def _count(value: int, name: str) -> str:
    return local_digits(format_decimal(value, locale=locale_of(name), numbering_system="default"), name)


def percent(value: int) -> str:
    """A whole percent as the language writes it: `30%`, `30 %`, `۳۰٪`."""
    return _percent(value, language())


@functools.lru_cache(maxsize=1024)  # 0 to 100 in each language
def _percent(value: int, name: str) -> str:
    return local_digits(format_percent(value / 100, locale=locale_of(name), numbering_system="default"), name)


def plural_form(value: int) -> str:
    """The CLDR plural category of a count in the language spoken: `one`, `few`, `many` or `other`."""
    return locale_of(language()).plural_form(value)


def country_name(code: str) -> str:
    """A country's name as the language says it (CLDR): `Germany`, `Германия`; the code if CLDR has none."""
    return locale_of(language()).territories.get(code.upper(), code)
