"""Logging set-up: text or JSON lines, and the bot token scrubbed from every line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable

REDACTED = "<redacted>"


class ScrubbingFormatter(logging.Formatter):
    """Formats a record, then removes secrets (the token appears in Bot API URLs)."""

    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        return self.scrub(super().format(record))

    def scrub(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line


class JsonFormatter(ScrubbingFormatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.scrub(json.dumps(entry, ensure_ascii=False))


def configure_logging(level: str, form: str, secrets: Iterable[str] = ()) -> None:
    """Send every log line to stderr in the chosen form, secrets scrubbed."""
    handler = logging.StreamHandler(sys.stderr)
    if form == "json":
        handler.setFormatter(JsonFormatter(secrets))
    else:
        handler.setFormatter(ScrubbingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
