"""The house rules of ARCHITECTURE.md that a machine can check: one-way arrows, message text in
view modules only, small modules and functions, tests that import support and never each other,
ruff clean."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("roadmaps", "progress", "i18n", "storage", "handlers", "webapp", "bot")
DATABASE = {"sqlalchemy", "alembic", "aiosqlite", "asyncpg"}
# What each room may import of ours, of Telegram and of the database; everything may read
# roadmaps, and only storage speaks to the database.
ALLOWED = {
    "roadmaps": {"roadmaps"},
    "progress": {"progress", "roadmaps"},
    "i18n": {"i18n", "progress", "roadmaps"},
    "storage": {"storage", "progress", "roadmaps", *DATABASE},
    "handlers": {"handlers", "i18n", "storage", "progress", "roadmaps", "telegram"},
    "webapp": {"webapp", "i18n", "storage", "progress", "roadmaps"},
    "bot": {"bot", "handlers", "webapp", "i18n", "storage", "progress", "roadmaps", "telegram"},
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


# --- message text lives in view modules --------------------------------------------------------

HANDLERS = ROOT / "handlers"
# Modules of handlers/ that may write what a person reads: the views (pure functions), the export
# file format and the progress picture.
VIEW_MODULES = {"screens.py", "export_format.py", "card_picture.py"}
# Not text for people: Telegram's own words, matched in its errors, and the callback data of buttons.
NOT_FOR_PEOPLE = {"telegram_errors.py", "callback_data.py"}
MAKES_SCREENS = {"Screen", "InlineKeyboardButton", "InlineKeyboardMarkup", "KeyboardButton", "button", "keyboard"}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def is_view_module(path: Path) -> bool:
    return path.name.endswith("_views.py") or path.name in VIEW_MODULES


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of every docstring's node."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def developer_text(tree: ast.AST) -> set[int]:
    """The ids of every node inside a log call, a warnings call, an assert or a raise: words for
    developers."""
    found: set[int] = set()
    for node in ast.walk(tree):
        is_log = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id == "warnings" or (node.func.value.id == "log" and node.func.attr in LOG_METHODS))
        )
        if is_log or isinstance(node, ast.Assert | ast.Raise):
            found |= {id(inner) for inner in ast.walk(node)}
    return found


def message_text_in(source: str) -> list[str]:
    """What in a module builds text or buttons for a person: screens and buttons made, f-strings
    and strings of words, outside docstrings, log calls, asserts and raises."""
    tree = ast.parse(source)
    allowed = docstrings(tree) | developer_text(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MAKES_SCREENS:
            found.append(f"line {node.lineno}: {node.func.id}(...)")
        elif isinstance(node, ast.JoinedStr):
            found.append(f"line {node.lineno}: an f-string")
            allowed |= {id(inner) for inner in ast.walk(node)}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value.strip():
            found.append(f"line {node.lineno}: {node.value[:40]!r}")
    return found


def test_the_check_for_message_text_finds_it() -> None:
    assert message_text_in('async def f(update):\n    await reply(update, "Hello there")') == ["line 2: 'Hello there'"]
    assert message_text_in("def f(t):\n    return Screen(t)") == ["line 2: Screen(...)"]
    assert message_text_in('def f(n):\n    return f"{n} steps"') == ["line 2: an f-string"]
    quiet = '"""A docstring, with words."""\nlog.info("a %s line", x)\nassert x, "why not"\nKEY = "services"'
    quiet += '\nwarnings.filterwarnings("ignore", "Please use it", UserWarning)'
    assert message_text_in(quiet) == []


def test_handler_modules_leave_message_text_and_buttons_to_view_modules() -> None:
    found = {
        path.name: text
        for path in sorted(HANDLERS.glob("*.py"))
        if not is_view_module(path) and path.name not in NOT_FOR_PEOPLE
        if (text := message_text_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}


# --- small modules, small functions ------------------------------------------------------------

MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 50


def package_modules() -> list[Path]:
    return [path for room in ROOMS for path in sorted((ROOT / room).rglob("*.py"))]


def test_no_module_of_the_package_is_over_350_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in package_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_of_the_package_is_over_50_lines() -> None:
    long = {}
    for path in package_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.name}"] = lines
    assert long == {}


# --- tests import support, never each other ----------------------------------------------------


def imported_modules(source: str) -> set[str]:
    """Every module a source imports, by its full dotted name."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_no_test_module_imports_another_test_module() -> None:
    tests = ROOT / "tests"
    found = {
        path.name: sorted(name for name in imported if name.startswith("tests.test_"))
        for path in sorted(tests.glob("*.py"))
        if (imported := imported_modules(path.read_text(encoding="utf-8")))
    }
    assert {name: modules for name, modules in found.items() if modules} == {}
