"""Telegram's initData for Mini Apps, checked as Telegram documents it: pure functions, no network.

The page receives `Telegram.WebApp.initData`, a query string that Telegram signed with a key
derived from the bot's token; the server recomputes the signature and trusts nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

# How old initData may be, unless INIT_DATA_MAX_AGE says otherwise. Telegram signs it when the page
# opens; an hour covers a session of reading and marking, and initData that leaks (a log, a shared
# link of the in-app browser) stops proving anyone within the hour. A page left open longer asks
# to be reopened from the chat, which signs it afresh.
MAX_AGE = dt.timedelta(hours=1)
# Telegram's clock and ours may differ a little; data dated further ahead than this is refused.
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_LENGTH = 4096  # characters; Telegram's initData is well under 1 KB
MAX_FIELDS = 32  # Telegram sends about ten


class InitDataError(ValueError):
    """initData that does not prove who the user is; `reason` is a short fixed word for metrics."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """The Telegram user who opened the Mini App, as the verified initData names them."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


def secret_key(bot_token: str) -> bytes:
    """HMAC-SHA256 of the bot's token keyed with the constant "WebAppData"."""
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    """Every field but `hash`, sorted by key, as `key=value` lines joined by a line feed."""
    return "\n".join(f"{key}={value}" for key, value in sorted(fields.items()) if key != "hash")


def parse_init_data(init_data: str) -> dict[str, str]:
    """The fields of an initData query string, decoded; a malformed string or a repeated key is refused."""
    if not init_data:
        raise InitDataError("missing", "no initData")
    if len(init_data) > MAX_LENGTH:
        raise InitDataError("malformed", "initData is too long")
    try:
        pairs = parse_qsl(
            init_data, keep_blank_values=True, strict_parsing=True, errors="strict", max_num_fields=MAX_FIELDS
        )
    except (ValueError, UnicodeDecodeError) as error:
        raise InitDataError("malformed", "initData is not a query string") from error
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("malformed", "initData repeats a field")
    return fields


def verify_init_data(init_data: str, bot_token: str, now: dt.datetime, max_age: dt.timedelta = MAX_AGE) -> WebAppUser:
    """The user of initData signed for this bot no longer ago than `max_age`; InitDataError otherwise."""
    fields = parse_init_data(init_data)
    received = fields.get("hash")
    if not received:
        raise InitDataError("no_hash", "initData has no hash")
    expected = hmac.new(secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise InitDataError("bad_hash", "initData is not signed for this bot")
    _check_auth_date(fields.get("auth_date"), now, max_age)
    return _user(fields.get("user"))


def _check_auth_date(value: str | None, now: dt.datetime, max_age: dt.timedelta) -> None:
    """Refuse initData without a date, older than `max_age`, or from the future."""
    if value is None or not value.isascii() or not value.isdigit():
        raise InitDataError("malformed", "initData has no valid auth_date")
    try:
        signed_at = dt.datetime.fromtimestamp(int(value), dt.UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise InitDataError("malformed", "initData has no valid auth_date") from error
    if now - signed_at > max_age:
        raise InitDataError("expired", "initData has expired; reopen the page from the bot")
    if signed_at - now > MAX_CLOCK_SKEW:
        raise InitDataError("malformed", "initData is dated in the future")


def _user(value: str | None) -> WebAppUser:
    """The `user` field: a JSON object with an integer id and a first name."""
    if value is None:
        raise InitDataError("no_user", "initData names no user")
    try:
        data: Any = json.loads(value)
    except ValueError as error:
        raise InitDataError("no_user", "initData's user is not JSON") from error
    if not isinstance(data, dict):
        raise InitDataError("no_user", "initData's user is not an object")
    user_id, first_name = data.get("id"), data.get("first_name")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataError("no_user", "initData's user has no valid id")
    if not isinstance(first_name, str):
        raise InitDataError("no_user", "initData's user has no first name")
    return WebAppUser(
        id=user_id,
        first_name=first_name,
        last_name=_optional_text(data, "last_name"),
        username=_optional_text(data, "username"),
        language_code=_optional_text(data, "language_code"),
    )


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    """A text field of the user object, if it is there and is text."""
    value = data.get(key)
    return value if isinstance(value, str) else None
