"""Weekly slots in a chat's own time zone: pure functions over zoneinfo, tested across DST."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

DEFAULT_TIMEZONE = "UTC"
WEEK = dt.timedelta(days=7)
# A schedule change never puts the next nudge closer than this to the last one.
MIN_GAP = dt.timedelta(days=6)


@functools.cache
def _names() -> dict[str, str]:
    """Every IANA zone name tzdata knows, by its lower-case spelling."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def canonical_timezone(name: str) -> str | None:
    """The IANA spelling of a zone name typed in any case, or None if there is no such zone."""
    return _names().get(name.strip().lower())


def utc_offset_zone(hours: int) -> str:
    """The IANA zone for a fixed UTC offset (Etc/GMT zones count the other way round)."""
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def zone_label(name: str) -> str:
    """A zone as people read it: `Europe/Berlin`, or `UTC+3` for a fixed offset."""
    if name.startswith("Etc/GMT") and len(name) > len("Etc/GMT"):
        return f"UTC{-int(name[len('Etc/GMT') :]):+d}"
    return name


def next_slot(weekday: int, hour: int, timezone: str, after: dt.datetime) -> dt.datetime:
    """The first time strictly after `after` that is `weekday` (Monday 0) at `hour`:00 local time, in UTC.

    A local hour that a daylight-saving change skips is read with the offset before the
    change (02:00 becomes 03:00); an hour that happens twice is its first occurrence.
    """
    zone = zoneinfo.ZoneInfo(timezone)
    local = after.astimezone(zone)
    day = local.date() + dt.timedelta(days=(weekday - local.weekday()) % 7)
    while True:
        slot = dt.datetime.combine(day, dt.time(hour), tzinfo=zone).astimezone(dt.UTC)
        if slot > after:
            return slot
        day += WEEK


def first_slot(started_at: dt.datetime, timezone: str = DEFAULT_TIMEZONE) -> tuple[int, int, dt.datetime]:
    """The default schedule of a chat that starts now: its weekday and hour, first due a week on."""
    local = started_at.astimezone(zoneinfo.ZoneInfo(timezone))
    weekday, hour = local.weekday(), local.hour
    return weekday, hour, next_slot(weekday, hour, timezone, started_at + dt.timedelta(days=6))


def next_due(weekday: int, hour: int, timezone: str, now: dt.datetime, last_sent_at: dt.datetime | None) -> dt.datetime:
    """The next slot after `now`, and at least MIN_GAP after the last nudge: moving the day or
    the hour right after a nudge does not bring a second one that week."""
    after = max(now, last_sent_at + MIN_GAP) if last_sent_at else now
    return next_slot(weekday, hour, timezone, after)


def same_moment_in(weekday: int, hour: int, timezone: str, new_timezone: str, now: dt.datetime) -> tuple[int, int]:
    """The weekday and hour in `new_timezone` of the slot's next moment: a zone change keeps the
    moment (the default slot is when the chat was known to be awake), the person then moves it."""
    moment = next_slot(weekday, hour, timezone, now).astimezone(zoneinfo.ZoneInfo(new_timezone))
    return moment.weekday(), moment.hour
