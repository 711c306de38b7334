"""The operator's settings: every one documented (README's table, .env.example), and each of the
web server's and the page's refused, in words, past its range (bot/settings.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from tests.process import roadmap_bot
from tests.support import settings_for_tests
from webapp.init_data import MAX_AGE
from webapp.limits import CALLS_PER_MINUTE

ROOT = Path(__file__).resolve().parent.parent
TOKEN_RULE = "METRICS_TOKEN must be 24 to 256 characters of A-Z, a-z, 0-9 and ._~+/=-"
A_TOKEN = "m3trics.token-0123456789abcdef"


def test_every_setting_is_in_the_readme_s_table_and_in_the_example_env_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in table, f"{name.upper()} is not in the README's settings table"
        assert re.search(rf"^#? ?{name.upper()}=", example, re.MULTILINE), f"{name.upper()} is not in .env.example"


def test_the_example_env_file_lists_exactly_the_settings_of_the_readme_s_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    in_table = {
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])
    }
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    in_example = set(re.findall(r"^#? ?([A-Z_]+)=", example, re.MULTILINE))
    assert {"WEBHOOK_URL", "WEBHOOK_SECRET", "PORT", "WEBAPP_URL", "ERROR_CHAT_ID"} <= in_table
    assert in_example == in_table


def test_the_defaults_are_the_ones_the_readme_gives_and_the_page_has() -> None:
    settings = settings_for_tests()
    assert (settings.metrics_port, settings.metrics_token) == (None, None), "no metrics on any port by default"
    assert settings.init_data_max_age == MAX_AGE.total_seconds() == 3600
    assert settings.webapp_calls_per_minute == CALLS_PER_MINUTE == 60
    assert (settings.max_connections, settings.shutdown_timeout, settings.database_timeout) == (512, 20, 5)
    assert dt.timedelta(days=1) > MAX_AGE, "shorter than a day"


@pytest.mark.parametrize(
    ("setting", "taken", "refused"),
    [
        ("metrics_port", [1, 65535], [0, 65536, 8080]),
        ("init_data_max_age", [60, 86_400], [59, 86_401, "an hour"]),
        ("webapp_calls_per_minute", [1, 6_000], [0, 6_001]),
        ("max_connections", [16, 100_000], [15, 100_001]),
        ("shutdown_timeout", [2, 300], [1.9, 300.1]),
        ("database_timeout", [0.1, 300], [0, -1, 301]),
    ],
)
def test_each_setting_of_the_clocks_and_the_page_is_refused_past_its_range(
    setting: str, taken: list[Any], refused: list[Any]
) -> None:
    for value in taken:
        assert getattr(settings_for_tests(**{setting: value}), setting) == value
    for value in refused:
        with pytest.raises(ValidationError, match=setting):
            settings_for_tests(**{setting: value})


def test_the_metrics_port_must_not_be_the_public_one() -> None:
    with pytest.raises(ValidationError, match="METRICS_PORT must differ from PORT"):
        settings_for_tests(port=9000, metrics_port=9000)
    assert settings_for_tests(port=9000, metrics_port=9001).metrics_port == 9001


@pytest.mark.parametrize("token", ["short-token", "a token with spaces in it 0123", "t" * 257, "tökén" * 6])
def test_a_metrics_token_that_could_be_guessed_or_cannot_be_sent_is_refused(token: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(TOKEN_RULE)):
        settings_for_tests(metrics_token=token)


def test_the_metrics_token_is_a_secret_the_logs_never_show() -> None:
    settings = settings_for_tests(metrics_token=A_TOKEN)
    assert A_TOKEN in settings.secrets()
    assert A_TOKEN not in repr(settings) and A_TOKEN not in str(settings.model_dump())


def test_the_command_line_names_a_bad_metrics_token_without_printing_it(tmp_path: Path) -> None:
    token = "not:a:token with spaces 0123456789"
    result = roadmap_bot("db", "upgrade", cwd=tmp_path, METRICS_TOKEN=token)
    assert result.returncode == 2
    assert f"metrics_token: Value error, {TOKEN_RULE}" in result.stderr
    assert token not in result.stdout + result.stderr
