"""What the page's API says in words when it refuses a request (the page shows them), and the
words the page shows beside the ones it draws itself. Pure values and functions."""

from __future__ import annotations

from i18n.shared_views import nothing_to_count as nothing_to_count

NO_SUCH_ROADMAP = "there is no such roadmap"
NO_SUCH_STEP = "this roadmap has no such step"
NOT_JSON_TYPE = "send the mark as application/json"
NOT_JSON = "the body is not valid JSON"
DATABASE_DOWN = "the database is not answering; try again in a moment"


def no_state_words(choices: str) -> str:
    """A mark without a state."""
    return f'send {{"state": …}} with one of: {choices}'


def unknown_state_words(choices: str) -> str:
    """A mark with a state the page does not have."""
    return f"state must be one of: {choices}"


def too_big_words(limit: int) -> str:
    """A mark longer than a mark ever is."""
    return f"a mark is at most {limit} bytes"


def too_many_calls_words(seconds: int) -> str:
    """A person who made more calls than a minute allows."""
    return f"too many calls at once: wait {seconds} s and try again"
