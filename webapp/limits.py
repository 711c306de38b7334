"""How often one person may call the page's API: a token bucket per Telegram user id, kept in this
process's memory (so per instance: N instances allow N times as much)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Calls a person may make at once; the bucket then refills at this many a minute. Opening the
# page is two calls and each mark one, so a person reading and marking never meets it.
CALLS_PER_MINUTE = 60
# People remembered before those whose bucket is full again (quiet for a minute) are forgotten.
REMEMBERED = 10_000


@dataclass(slots=True)
class Bucket:
    """A person's calls left, as counted at a moment."""

    calls: float
    at: dt.datetime


class CallsPerPerson:
    """Each person may make `per_minute` calls at once, then one every 60/`per_minute` seconds."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.buckets: dict[int, Bucket] = {}
        self._forgot_at: dt.datetime | None = None

    def wait_for(self, person: int, now: dt.datetime) -> float:
        """Take one call for this person: 0 if they may make it now, else the seconds until they may
        (and the call is not taken)."""
        calls = self.calls_left(person, now)
        if calls < 1:
            self.buckets[person] = Bucket(calls, now)
            return (1 - calls) * 60 / self.per_minute
        self.buckets[person] = Bucket(calls - 1, now)
        if len(self.buckets) > REMEMBERED:
            self._forget_the_quiet(now)
        return 0.0

    def calls_left(self, person: int, now: dt.datetime) -> float:
        """The person's calls left now: what their bucket had, plus what it refilled since."""
        bucket = self.buckets.get(person)
        if bucket is None:
            return float(self.per_minute)
        refilled = max((now - bucket.at).total_seconds(), 0.0) * self.per_minute / 60
        return min(float(self.per_minute), bucket.calls + refilled)

    def _forget_the_quiet(self, now: dt.datetime) -> None:
        """Forget the people whose bucket is full again (at most once a minute: it reads them all)."""
        if self._forgot_at is not None and now - self._forgot_at < dt.timedelta(minutes=1):
            return
        self._forgot_at = now
        full = [person for person in self.buckets if self.calls_left(person, now) >= self.per_minute]
        for person in full:
            del self.buckets[person]
