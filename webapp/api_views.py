"""What the page's API says in words when it refuses a request (the page shows them), in the
language being spoken (English until the page says its chat's). Pure functions."""

from __future__ import annotations

from i18n.catalogs import _, ngettext
from i18n.formats import number
from i18n.shared_views import nothing_to_count as nothing_to_count


def no_such_roadmap() -> str:
    """A path naming a roadmap the catalog does not have."""
    return _("there is no such roadmap")


def no_longer_offered() -> str:
    """A path naming a roadmap the catalog no longer has, on which the person has progress (kept)."""
    # Translators: the page, opened on a roadmap the bot no longer offers.
    return _("this roadmap is no longer offered; your progress on it is kept")


def no_such_step() -> str:
    """A path naming a step its roadmap does not have."""
    return _("this roadmap has no such step")


def not_json_type() -> str:
    """A mark sent as something other than JSON."""
    # Translators: keep application/json as it is.
    return _("send the mark as application/json")


def not_json() -> str:
    """A mark whose body is not JSON."""
    return _("the body is not valid JSON")


def database_down() -> str:
    """The database did not answer."""
    return _("the database is not answering; try again in a moment")


def no_state_words(choices: str) -> str:
    """A mark without a state."""
    # Translators: %(example)s is a JSON object, such as {"state": …}; %(choices)s lists the states
    # the API takes (todo, working…).
    return _("send %(example)s with one of: %(choices)s") % {"example": '{"state": …}', "choices": choices}


def unknown_state_words(choices: str) -> str:
    """A mark with a state the page does not have."""
    # Translators: keep "state" as it is; %(choices)s lists the states the API takes (todo, working…).
    return _("state must be one of: %(choices)s") % {"choices": choices}


def too_big_words(limit: int) -> str:
    """A mark longer than a mark ever is."""
    # Translators: %(limit)s is a number of bytes, such as 1024.
    text = ngettext("a mark is at most %(limit)s byte", "a mark is at most %(limit)s bytes", limit)
    return text % {"limit": number(limit, decimals=0)}


def too_many_calls_words(seconds: int) -> str:
    """A person who made more calls than a minute allows."""
    # Translators: the page shows it after too many changes in a minute; %(seconds)s is a number.
    words = ngettext(
        "That was a lot of changes at once. Wait %(seconds)s second and try again, or reopen the page from the chat.",
        "That was a lot of changes at once. Wait %(seconds)s seconds and try again, or reopen the page from the chat.",
        seconds,
    )
    return words % {"seconds": number(seconds, decimals=0)}
