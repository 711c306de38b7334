"""Weekly slots in a chat's own time zone: pure functions over zoneinfo, tested across DST.

A time zone is stored as an IANA name (`Europe/Berlin`, `Etc/GMT-3`) or as a fixed offset
written `UTC+05:30`; `zone()` turns either into a tzinfo.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Iterable

DEFAULT_TIMEZONE = "UTC"
WEEK = dt.timedelta(days=7)
# A schedule change never puts the next nudge closer than this to the last one: with one day a
# week, moving the day or the hour right after a nudge brings no second one that week.
MIN_GAP = dt.timedelta(days=6)
# With several days a week, nudges may come a day apart, but not twice in one day.
MIN_GAP_SEVERAL_DAYS = dt.timedelta(hours=20)
# Offsets people can type: UTC+3, GMT-5, +05:30, UTC+5:45, −12 to +14.
_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+-−])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_FIXED = re.compile(r"UTC([+-])(\d{2}):(\d{2})")
MIN_OFFSET, MAX_OFFSET = dt.timedelta(hours=-12), dt.timedelta(hours=14)


@functools.cache
def _names() -> dict[str, str]:
    """Every IANA zone name tzdata knows, by its lower-case spelling."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


@functools.cache
def _places() -> dict[str, str]:
    """Zones by the place they are named after, as people type it: `new york`, `berlin`,
    `buenos aires` (the canonical area/place names win over the old aliases)."""
    places: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones(), key=lambda n: (n.count("/") == 0, n.startswith("Etc/"), n)):
        if "/" in name and not name.startswith("Etc/"):
            places.setdefault(name.rsplit("/", 1)[1].replace("_", " ").lower(), name)
    return places


def canonical_timezone(name: str) -> str | None:
    """The zone a person means by what they typed: an IANA name in any case, a place a zone is
    named after (`New York`), or an offset (`UTC+3`, `GMT-5`, `+05:30`); None if none."""
    typed = " ".join(name.split())
    if typed.lower() in ("utc", "gmt", "z"):
        return "UTC"
    if found := _names().get(typed.lower()) or _places().get(typed.lower()):
        return found
    return fixed_offset_zone(typed)


def fixed_offset_zone(typed: str) -> str | None:
    """`UTC+05:30` for `+5:30`, `UTC+3`, `GMT+0300`; None unless it is an offset a place uses."""
    match = _OFFSET.fullmatch(typed)
    if match is None:
        return None
    sign = -1 if match[1] in "-−" else 1
    hours, minutes = int(match[2]), int(match[3] or 0)
    if minutes not in (0, 15, 30, 45):
        return None
    offset = sign * dt.timedelta(hours=hours, minutes=minutes)
    return offset_zone(offset) if MIN_OFFSET <= offset <= MAX_OFFSET else None


def offset_zone(offset: dt.timedelta) -> str:
    """The stored name of a fixed offset: `UTC` or `UTC+05:30`."""
    if not offset:
        return "UTC"
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(offset) // dt.timedelta(minutes=1)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def utc_offset_zone(minutes: int) -> str:
    """The zone of a fixed UTC offset given in minutes (a button's)."""
    return offset_zone(dt.timedelta(minutes=minutes))


@functools.cache
def zone(name: str) -> dt.tzinfo:
    """The tzinfo of a stored zone name."""
    if match := _FIXED.fullmatch(name):
        sign = -1 if match[1] == "-" else 1
        return dt.timezone(sign * dt.timedelta(hours=int(match[2]), minutes=int(match[3])))
    return zoneinfo.ZoneInfo(name)


def zone_label(name: str) -> str:
    """A zone as people read it: `Europe/Berlin`, or `UTC+3` and `UTC+5:30` for a fixed offset."""
    if name.startswith("Etc/GMT") and len(name) > len("Etc/GMT"):
        return f"UTC{-int(name[len('Etc/GMT') :]):+d}"
    if match := _FIXED.fullmatch(name):
        minutes = "" if match[3] == "00" else f":{match[3]}"
        return f"UTC{match[1]}{int(match[2])}{minutes}"
    return name


def next_slot(weekdays: Iterable[int], hour: int, timezone: str, after: dt.datetime) -> dt.datetime:
    """The first time strictly after `after` that is one of `weekdays` (Monday 0) at `hour`:00
    local time, in UTC.

    A local hour that a daylight-saving change skips is read with the offset before the
    change (02:00 becomes 03:00); an hour that happens twice is its first occurrence.
    """
    return min(_next_slot_on(weekday, hour, timezone, after) for weekday in weekdays)


def _next_slot_on(weekday: int, hour: int, timezone: str, after: dt.datetime) -> dt.datetime:
    tz = zone(timezone)
    local = after.astimezone(tz)
    day = local.date() + dt.timedelta(days=(weekday - local.weekday()) % 7)
    while True:
        slot = dt.datetime.combine(day, dt.time(hour), tzinfo=tz).astimezone(dt.UTC)
        if slot > after:
            return slot
        day += WEEK


# Quiet hours, local: no suggestion or default falls from 22:00 to 08:00 (a time the person picks is kept).
QUIET_FROM, QUIET_UNTIL = 22, 8
# What the first reminder's question suggests, local: a weekday evening and a weekend morning.
SUGGESTED_EVENING, SUGGESTED_MORNING, SATURDAY = 19, 10, 5
# The first nudge comes at the chosen slot at least this long after the first step marked.
FIRST_GAP = dt.timedelta(days=6)


def quiet(hour: int) -> bool:
    """Whether a local hour is within quiet hours (22:00 to 08:00)."""
    return hour >= QUIET_FROM or hour < QUIET_UNTIL


def suggested_slots(weekday: int) -> tuple[tuple[int, int], ...]:
    """The schedules (weekday, hour) the first reminder's question suggests to a chat that started
    on a local `weekday`, the default first: that weekday's evening (Monday's, from a weekend), and
    Saturday morning."""
    return ((weekday if weekday < SATURDAY else 0), SUGGESTED_EVENING), (SATURDAY, SUGGESTED_MORNING)


def first_due(weekdays: Iterable[int], hour: int, timezone: str, started_at: dt.datetime) -> dt.datetime:
    """When a new schedule's first nudge comes: its first slot at least FIRST_GAP on."""
    return next_slot(weekdays, hour, timezone, started_at + FIRST_GAP)


def first_slot(started_at: dt.datetime, timezone: str = DEFAULT_TIMEZONE) -> tuple[frozenset[int], int, dt.datetime]:
    """The schedule of a chat that starts now, until it answers the question: the first suggestion,
    first due about a week on."""
    (weekday, hour), *_ = suggested_slots(started_at.astimezone(zone(timezone)).weekday())
    weekdays = frozenset({weekday})
    return weekdays, hour, first_due(weekdays, hour, timezone, started_at)


def next_due(
    weekdays: Iterable[int], hour: int, timezone: str, now: dt.datetime, last_sent_at: dt.datetime | None
) -> dt.datetime:
    """The next slot after `now`, and at least the minimum gap after the last nudge: moving the
    day or the hour right after a nudge does not bring a second one too soon."""
    days = frozenset(weekdays)
    gap = MIN_GAP if len(days) == 1 else MIN_GAP_SEVERAL_DAYS
    after = max(now, last_sent_at + gap) if last_sent_at else now
    return next_slot(days, hour, timezone, after)


# The hour "this evening" means, local time.
EVENING_HOUR = 19


def snoozed_until(choice: str, now: dt.datetime, timezone: str, hour: int | None = None) -> dt.datetime:
    """When a nudge put off now comes again: in an `hour`, this `evening` (19:00 local; from 18:00
    on, the next evening), `tomorrow` (at the reminder's `hour` local, or a day on without one) or
    next `week` (seven days on)."""
    if choice == "hour":
        return now + dt.timedelta(hours=1)
    if choice == "week":
        return now + WEEK
    tz = zone(timezone)
    local = now.astimezone(tz)
    if choice == "evening":
        day = local.date() if not evening_passed(now, timezone) else local.date() + dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(EVENING_HOUR), tzinfo=tz).astimezone(dt.UTC)
    if hour is None:
        return now + dt.timedelta(days=1)
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(hour), tzinfo=tz).astimezone(dt.UTC)


def evening_passed(now: dt.datetime, timezone: str) -> bool:
    """Whether it is too late for "this evening" (from 18:00 local): the evening snooze means the next one."""
    return now.astimezone(zone(timezone)).hour >= EVENING_HOUR - 1


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone of a place on earth (tzfpy's offline map); None at sea or off the map."""
    from tzfpy import get_tz  # loaded on the first shared location, not at start

    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    found = get_tz(longitude, latitude)
    return canonical_timezone(found) if found else None
