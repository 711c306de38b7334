"""The command line, run as a separate process the way an operator runs it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from storage import head_revision
from tests.process import environment, roadmap_bot
from tests.support import VALID_STEP


def test_roadmaps_check_passes_the_built_in_roadmaps(tmp_path: Path) -> None:
    result = roadmap_bot("roadmaps", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "roadmaps" in result.stdout and "all valid" in result.stdout


def test_roadmaps_check_names_the_file_and_field_of_each_error_and_fails(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(
        "id: good\ntitle: Good\nsummary: Fine.\n"
        "signals: {importance: high, market_demand: high, automation_risk: low}\nsteps:\n" + VALID_STEP,
        encoding="utf-8",
    )
    (tmp_path / "broken.yaml").write_text(
        "id: broken\ntitle: Broken\nsummary: Not fine.\nsignals: {importance: high, market_demand: high}\n"
        "steps:\n" + VALID_STEP.replace("market_demand: low", "market_demand: sky-high"),
        encoding="utf-8",
    )
    result = roadmap_bot("roadmaps", "check", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    broken = tmp_path / "broken.yaml"
    assert f"{broken}: signals.automation_risk: is missing" in result.stderr
    assert f"{broken}: steps[0] (first).signals.market_demand: unknown level 'sky-high'" in result.stderr
    assert "good.yaml" not in result.stderr
    assert "2 problem(s) found" in result.stderr


def test_run_without_a_token_says_how_to_get_one_and_fails(tmp_path: Path) -> None:
    result = roadmap_bot("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr and "@BotFather" in result.stderr
    assert not list(tmp_path.iterdir()), "nothing was created"


def test_db_upgrade_creates_the_schema_in_a_new_sqlite_file(tmp_path: Path) -> None:
    database = tmp_path / "fresh.sqlite3"
    result = roadmap_bot("db", "upgrade", cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{database}")
    assert result.returncode == 0, result.stderr
    assert f"database is at revision {head_revision()}" in result.stdout
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"alembic_version", "chats", "chat_roadmaps", "step_states", "reminders"} <= tables


def test_python_dash_m_bot_is_the_same_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], cwd=tmp_path, env=environment(), capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("run", "db", "roadmaps"):
        assert command in result.stdout


def test_invalid_settings_are_reported_not_raised(tmp_path: Path) -> None:
    result = roadmap_bot("db", "upgrade", cwd=tmp_path, LOG_FORMAT="xml")
    assert result.returncode == 2
    assert "invalid settings" in result.stderr and "log_format" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_dry_run_on_a_database_never_migrated_says_what_to_do(tmp_path: Path) -> None:
    result = roadmap_bot(
        "nudge", "--dry-run", cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite3'}"
    )
    assert result.returncode == 0 and "run `roadmap-bot db upgrade` first" in result.stdout
    assert "Traceback" not in result.stderr
