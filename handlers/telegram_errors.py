"""One reading of Telegram's errors, for the nudge sender, the replies and the error handler.

Telegram says most things in words (a 400 for a chat that is gone, for a message that did not
change, for a query too old to answer), so the words are matched here, once.
"""

from __future__ import annotations

import enum

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError


class Failure(enum.Enum):
    """What a Telegram error means for the bot."""

    BLOCKED = "blocked"  # 403: the person blocked the bot, or it was removed from the group
    CHAT_GONE = "chat gone"  # the chat does not exist (any more)
    NO_RIGHTS = "no rights"  # the chat is there, but the bot may not write in it
    MIGRATED = "migrated"  # a group became a supergroup with a new id
    RETRY_AFTER = "retry after"  # flood control: wait, then the same call works
    TRANSIENT = "transient"  # a timeout, a refused connection, a 5xx: the same call may work
    NOT_MODIFIED = "not modified"  # an edit to what the message already shows
    CANNOT_EDIT = "cannot edit"  # the message is gone or too old to edit: send a new one
    QUERY_TOO_OLD = "query too old"  # a callback query past answering
    REFUSED = "refused"  # any other 400: the request itself was wrong
    OTHER = "other"  # the token, the Bot API server, ...


# Failures that are the chat's or Telegram's weather, not a fault of the bot.
WEATHER = frozenset(
    {Failure.BLOCKED, Failure.CHAT_GONE, Failure.NO_RIGHTS, Failure.MIGRATED, Failure.RETRY_AFTER, Failure.TRANSIENT}
)

_WORDS = (
    (Failure.CHAT_GONE, ("chat not found",)),
    (Failure.NO_RIGHTS, ("not enough rights", "have no rights", "chat_write_forbidden")),
    (Failure.NOT_MODIFIED, ("message is not modified",)),
    (Failure.CANNOT_EDIT, ("message can't be edited", "message to edit not found", "message_id_invalid")),
    (Failure.QUERY_TOO_OLD, ("query is too old", "query id is invalid")),
)


def classify(error: BaseException | None) -> Failure | None:
    """What a Telegram error means; None for anything that is not Telegram's."""
    if isinstance(error, ChatMigrated):
        return Failure.MIGRATED
    if isinstance(error, RetryAfter):
        return Failure.RETRY_AFTER
    if isinstance(error, Forbidden):
        return Failure.BLOCKED
    if isinstance(error, BadRequest):  # before NetworkError, which it is a kind of
        reason = error.message.lower()
        return next((failure for failure, words in _WORDS if any(w in reason for w in words)), Failure.REFUSED)
    if isinstance(error, NetworkError):
        return Failure.TRANSIENT
    if isinstance(error, TelegramError):
        return Failure.OTHER
    return None


def is_weather(error: BaseException | None) -> bool:
    """Whether an error is Telegram failing or refusing for reasons outside the bot."""
    return classify(error) in WEATHER
