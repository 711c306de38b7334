"""Logging: the token never appears in a line, in text or JSON form."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import REDACTED, configure_logging
from tests.fakebotapi import TOKEN


@pytest.mark.parametrize("form", ["text", "json"])
def test_the_token_is_scrubbed_from_messages_and_tracebacks(
    form: str, restore_logging: object, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", form, secrets=[TOKEN])
    log = logging.getLogger("telegram.test")
    log.info("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    try:
        raise RuntimeError(f"failed calling /bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("request failed")
    lines = capsys.readouterr().err.strip().splitlines()
    assert TOKEN not in "\n".join(lines)
    assert REDACTED in lines[0]
    if form == "json":
        first = json.loads(lines[0])
        assert first["level"] == "INFO" and first["logger"] == "telegram.test"
        assert f"/bot{REDACTED}/getUpdates" in first["message"]
        second = json.loads(lines[1])  # one object per line, the traceback inside it
        assert len(lines) == 2 and "RuntimeError" in second["exception"]


def test_a_token_url_encoded_or_its_secret_half_alone_is_scrubbed_too(
    restore_logging: object, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "text", secrets=[TOKEN])
    log = logging.getLogger("telegram.test")
    bot_id, _, half = TOKEN.partition(":")
    log.info("GET /bot%s%%3A%s/getMe", bot_id, half)
    log.info("token half %s", half)
    err = capsys.readouterr().err
    assert half not in err
    assert err.count(REDACTED) == 2
