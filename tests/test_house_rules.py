"""The house rules of ARCHITECTURE.md that a machine can check: one-way arrows, ruff clean."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("roadmaps", "storage", "handlers", "webapp", "bot")
DATABASE = {"sqlalchemy", "alembic", "aiosqlite", "asyncpg"}
# What each room may import of ours, of Telegram and of the database; everything may read
# roadmaps, and only storage speaks to the database.
ALLOWED = {
    "roadmaps": {"roadmaps"},
    "storage": {"storage", "roadmaps", *DATABASE},
    "handlers": {"handlers", "storage", "roadmaps", "telegram"},
    "webapp": {"webapp", "storage", "roadmaps"},
    "bot": {"bot", "handlers", "storage", "roadmaps", "telegram"},
}


def imported_tops(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("room", ROOMS)
def test_imports_follow_the_arrows(room: str) -> None:
    watched = {*ROOMS, "telegram", *DATABASE}
    wrong = {
        str(path.relative_to(ROOT)): sorted((imported_tops(path) & watched) - ALLOWED[room])
        for path in (ROOT / room).rglob("*.py")
    }
    assert {file: names for file, names in wrong.items() if names} == {}


@pytest.mark.parametrize("check", [["check"], ["format", "--check"]])
def test_the_code_is_ruff_clean(check: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", *check, str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_test_command_the_readme_gives() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = ci[ci.index("# test command") + 1]
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_image_copies_every_package_the_project_installs() -> None:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    copied = {
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.startswith("COPY ")
    }
    assert {name.split(".")[0] for name in packages} <= copied
