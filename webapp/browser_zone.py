"""The time zone the page's browser says it is in: a chat that never told one starts its first
reminder in it."""

from __future__ import annotations

import functools
import zoneinfo

from starlette.requests import Request

MAX_ZONE = 64  # characters of a zone's name the page may send (the longest tzdata has is 32)

_zones = functools.cache(lambda: frozenset(zoneinfo.available_timezones()))  # read once


def browser_zone(request: Request) -> str | None:
    """The IANA zone the page's browser says it is in (`X-Time-Zone`), if it is one tzdata has."""
    zone = request.headers.get("x-time-zone", "")
    return zone if len(zone) <= MAX_ZONE and zone in _zones() and zone != "UTC" else None
