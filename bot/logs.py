"""Logging set-up: text or JSON lines, and the bot token scrubbed from every line."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Collection, Iterable
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

REDACTED = "<redacted>"
# The update being handled (update_id, chat_id); set by the update processor.
UPDATE_FIELDS: ContextVar[dict[str, Any] | None] = ContextVar("update_fields", default=None)
# Extra fields a JSON line carries when a record has them.
JSON_FIELDS = ("update_id", "chat_id", "handler", "latency_ms")


class UpdateContext(logging.Filter):
    """Gives every record written while an update is handled that update's ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = UPDATE_FIELDS.get()
        for key, value in (fields or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        ids = [f"{key}={getattr(record, key)}" for key in ("update_id", "chat_id") if getattr(record, key, None)]
        record.ids = f" [{' '.join(ids)}]" if ids else ""
        return True


class PrivateBotApiCalls(logging.Filter):
    """python-telegram-bot logs every Bot API call's parameters and answer at DEBUG: the messages
    the bot sends (notes, names) and the updates it gets. The call is kept, its contents left out."""

    CALLS = ("Calling Bot API endpoint", "Call to Bot API endpoint")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(self.CALLS) and record.args:
            endpoint = record.args[0] if isinstance(record.args, tuple) else "?"
            record.msg, record.args = (
                "%s Bot API endpoint `%s` (contents not logged)",
                (
                    "Calling" if record.msg.startswith("Calling") else "Finished",
                    endpoint,
                ),
            )
        return True


class OncePer(logging.Filter):
    """For lines a stranger can cause at will (a connection refused, a request timed out, a socket
    not accepted): one of each kind (its message template) per `period` seconds, the rest counted
    and the count said by the next one let through. `kinds`: the templates it holds back (all if None)."""

    def __init__(
        self, period: float, kinds: Collection[str] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.period, self.kinds, self.clock = period, kinds, clock
        self._seen: dict[str, tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        kind = str(record.msg)
        if self.kinds is not None and kind not in self.kinds:
            return True
        now = self.clock()
        last, held = self._seen.get(kind, (None, 0))
        if last is not None and now - last < self.period:
            self._seen[kind] = (last, held + 1)
            return False
        self._seen[kind] = (now, 0)
        if held:
            record.msg, record.args = f"{record.getMessage()} (and {held} more like it before this)", None
        return True


class ScrubbingFormatter(logging.Formatter):
    """Formats a record, then removes secrets (the token appears in Bot API URLs)."""

    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.secrets = sorted({form for secret in secrets if secret for form in _forms(secret)}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.scrub(super().format(record))

    def scrub(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line


def _forms(secret: str) -> set[str]:
    """A secret as it may appear in a line: as is, URL-encoded, and a bot token's secret half
    (what follows the bot id and colon) on its own."""
    forms = {secret, quote(secret, safe="")}
    bot_id, colon, half = secret.partition(":")
    if colon and bot_id.isdigit() and len(half) >= 16:
        forms.add(half)
    return forms


class JsonFormatter(ScrubbingFormatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {key: getattr(record, key) for key in JSON_FIELDS if getattr(record, key, None) is not None}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.scrub(json.dumps(entry, ensure_ascii=False))


def configure_logging(level: str, form: str, secrets: Iterable[str] = ()) -> None:
    """Send every log line to stderr in the chosen form, secrets scrubbed."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(UpdateContext())
    handler.addFilter(PrivateBotApiCalls())
    if form == "json":
        handler.setFormatter(JsonFormatter(secrets))
    else:
        handler.setFormatter(ScrubbingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s%(ids)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # aiosqlite logs every call it runs, with its arguments: the values people typed.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # uvicorn's loggers go through this handler too, so they are scrubbed and formatted alike.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
