"""The command line, run as a separate process the way an operator runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from storage import head_revision
from tests.databases import ProcessDatabase
from tests.process import environment, roadmap_bot
from tests.support import VALID_STEP


def test_roadmaps_check_passes_the_built_in_roadmaps(tmp_path: Path) -> None:
    result = roadmap_bot("roadmaps", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "no error"
    verdict, *coverage = result.stdout.splitlines()  # no warning either: a line per translated language
    assert re.fullmatch(r"5 roadmaps, \d+ steps: all valid", verdict), verdict
    for line in coverage:
        assert re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?: \d+ of \d+ texts translated \(\d+%\), the rest in English", line)


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


def test_roadmaps_check_prints_warnings_with_file_and_field_and_passes_on_warnings_alone(tmp_path: Path) -> None:
    (tmp_path / "thin.yaml").write_text(
        "id: thin\ntitle: Thin\nsummary: Valid, not yet good.\n"
        "signals: {importance: high, market_demand: high, automation_risk: low}\nsteps:\n"
        + VALID_STEP
        + "    resources:\n      - {title: Docs, url: 'https://example.org/docs'}\n"
        + "    effort_hours: [6, 6]\n    topic: lonely\n"
        + VALID_STEP.replace("id: first", "id: second")
        + "    resources:\n      - {title: Docs again, url: 'https://example.org/docs'}\n"
        + "      - {title: More, url: 'https://example.org/more'}\n",
        encoding="utf-8",
    )
    result = roadmap_bot("roadmaps", "check", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    thin = tmp_path / "thin.yaml"
    assert result.stdout.splitlines() == [
        f"{thin}: steps[0] (first).resources: warning: has 1 resource(s); give at least 2, "
        "so one dead link leaves another",
        f"{thin}: steps[0] (first).effort_hours: warning: [6, 6] is not a range; write [low, high] with low below high",
        f"{thin}: steps[0] (first).topic: warning: no other step in the catalog has topic 'lonely'; "
        "a topic is for a skill several steps share",
        f"{thin}: steps[1] (second).resources[0].url: warning: https://example.org/docs is already used by "
        "steps[0] (first).resources[0] in this roadmap",
        "1 roadmaps, 2 steps: all valid; 4 warning(s)",
    ]
    assert result.stderr == ""


def test_roadmaps_check_fails_on_errors_and_still_shows_the_warnings(tmp_path: Path) -> None:
    header = "signals: {importance: high, market_demand: high, automation_risk: low}\nsteps:\n"
    (tmp_path / "thin.yaml").write_text("id: thin\ntitle: Thin\nsummary: Valid.\n" + header + VALID_STEP)
    (tmp_path / "broken.yaml").write_text(
        "id: broken\ntitle: Broken\nsummary: Not.\n" + header + VALID_STEP + "    effort_hours: [4, lots]\n"
    )
    result = roadmap_bot("roadmaps", "check", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    broken, thin = tmp_path / "broken.yaml", tmp_path / "thin.yaml"
    assert f"{broken}: steps[0] (first).effort_hours: [4, 'lots'] is not [low, high], two whole numbers of hours" in (
        result.stderr
    )
    assert "1 problem(s) found; 1 warning(s)" in result.stderr
    assert f"{thin}: steps[0] (first).resources: warning: has 0 resource(s)" in result.stdout


def test_run_without_a_token_says_how_to_get_one_and_fails(tmp_path: Path) -> None:
    result = roadmap_bot("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr and "@BotFather" in result.stderr
    assert not list(tmp_path.iterdir()), "nothing was created"


def test_db_upgrade_creates_the_schema_in_a_new_database(process_database: ProcessDatabase) -> None:
    database = process_database  # a new SQLite file, or an empty PostgreSQL schema the URL names
    result = roadmap_bot("db", "upgrade", cwd=database.directory, DATABASE_URL=database.url)
    assert result.returncode == 0, result.stderr
    assert f"database is at revision {head_revision()}" in result.stdout
    assert {"alembic_version", "chats", "chat_roadmaps", "step_states", "reminders"} <= database.tables()
    assert database.rows("SELECT version_num FROM alembic_version") == [(head_revision(),)]


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


def test_a_dry_run_creates_no_database_and_says_what_to_do_on_one_never_migrated(tmp_path: Path) -> None:
    new = tmp_path / "new.sqlite3"
    result = roadmap_bot("nudge", "--dry-run", cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{new}")
    said = f"There is no database at {new}: nothing is due (a dry run creates nothing).\n"
    assert result.returncode == 0 and result.stdout == said
    default = roadmap_bot("nudge", "--dry-run", cwd=tmp_path)  # the default DATABASE_URL, in this folder
    assert default.returncode == 0 and "There is no database at roadmap-bot.sqlite3" in default.stdout
    assert list(tmp_path.iterdir()) == [], "no file created"

    new.touch()  # a database file with no schema yet
    result = roadmap_bot("nudge", "--dry-run", cwd=tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{new}")
    assert result.returncode == 0 and "run `roadmap-bot db upgrade` first" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_start_up_failure_is_logged_as_json_lines_when_asked_and_exits_1(tmp_path: Path) -> None:
    result = roadmap_bot(
        "run",
        cwd=tmp_path,
        TELEGRAM_BOT_TOKEN="123:abcdefghijklmnopqrstuvwxyz",
        DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
        LOG_FORMAT="json",
    )
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stderr.splitlines()]  # every line is one JSON object
    [failure] = [r for r in records if r["level"] == "ERROR"]
    assert failure["message"] == "roadmap-bot run stopped on an error"
    assert "DatabaseUnavailable" in failure["exception"] and "abcdefghijklmnopqrstuvwxyz" not in result.stderr
