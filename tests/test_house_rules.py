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


# --- what a person reads is made in views -----------------------------------------------------

# Modules that may write what a learner reads are views: `*_views.py` in any room (pure functions),
# and the one formatting module (dates, numbers, plurals for a locale).
FORMATTING = {"i18n/formats.py"}
# What the views build screens and buttons with (no words of its own).
BUILDING_BLOCKS = {"handlers/screens.py"}
# Words for the operator, not the learner: the command line and `try`, logs and metrics, the pass
# report, the web server's answers to HTTP clients (the webhook's refusals, its clocks), roadmap
# validation, initData's refusals (the page says its own), the error alerts for ERROR_CHAT_ID.
OPERATOR_TEXT = {
    "handlers/alerts.py",
    "roadmaps/branding.py",
    "roadmaps/folders.py",
    "roadmaps/loader.py",
    "roadmaps/problems.py",
    "roadmaps/reader.py",
    "roadmaps/translations.py",
    "bot/cli.py",
    "bot/connections.py",
    "bot/content.py",
    "bot/logs.py",
    "bot/metrics.py",
    "bot/nudges.py",
    "bot/welcomes.py",
    "bot/runner.py",
    "bot/shell_announce.py",
    "bot/servers.py",
    "bot/stats.py",
    "bot/terminal.py",
    "bot/web.py",
    "webapp/init_data.py",
    "webapp/metrics.py",
    "storage/metrics.py",
}
# Not text for people: Telegram's own words, matched in its errors; the callback data of buttons;
# the page's security headers; the SQL a list of ids is compiled to.
NOT_FOR_PEOPLE = {
    "handlers/telegram_errors.py",
    "handlers/callback_data.py",
    "webapp/headers.py",
    "storage/id_lists.py",
}
MAKES_SCREENS = {"Screen", "InlineKeyboardButton", "InlineKeyboardMarkup", "KeyboardButton", "button", "keyboard"}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
# Calls whose strings are SQL: SQLAlchemy's text and constraints, a driver's execute, SQL functions.
SQL_CALLS = {"text", "literal_column", "CheckConstraint", "create_check_constraint", "execute", "exec_driver_sql"}
# Calls whose strings only go to the logs: what a batched write names its rows by.
LOG_CALLS = {"write_isolating"}
# Errors whose message a person reads (the page shows the API's; the chat words an import's).
PERSON_ERRORS = {"ApiError", "ImportProblem"}


def is_view_module(path: Path) -> bool:
    return path.name.endswith("_views.py") or path.relative_to(ROOT).as_posix() in FORMATTING


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of every docstring's node."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def call_name(node: ast.AST) -> str | None:
    """The name a call is made by: `f` for `f(...)` and `a.f(...)`."""
    if not isinstance(node, ast.Call):
        return None
    return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)


def is_sql(node: ast.AST) -> bool:
    """A call whose strings are SQL: SQL_CALLS, and `func.anything(...)`."""
    if call_name(node) in SQL_CALLS:
        return True
    func = getattr(node, "func", None)
    return isinstance(node, ast.Call) and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "func"


def developer_text(tree: ast.AST) -> set[int]:
    """The ids of every node inside a log call, a warnings call, an assert, a raise (but of the
    errors a person reads) or SQL: words for developers and the database."""
    found: set[int] = set()
    for node in ast.walk(tree):
        is_log = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id == "warnings" or (node.func.value.id == "log" and node.func.attr in LOG_METHODS))
        )
        raised = isinstance(node, ast.Raise) and call_name(node.exc) not in PERSON_ERRORS
        if is_log or raised or isinstance(node, ast.Assert) or is_sql(node) or call_name(node) in LOG_CALLS:
            found |= {id(inner) for inner in ast.walk(node)}
    return found


def has_words(text: str) -> bool:
    """Whether a piece of a string holds words: letters and a space between or beside them."""
    return " " in text and any(character.isalpha() for character in text)


def message_text_in(source: str, *, builds_screens: bool = False) -> list[str]:
    """What in a module builds text or buttons for a person: screens and buttons made (unless it is
    what they are built with), f-strings with words and strings of words, outside docstrings, log
    calls, asserts, raises and SQL."""
    tree = ast.parse(source)
    allowed = docstrings(tree) | developer_text(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MAKES_SCREENS:
            if builds_screens:
                continue
            found.append(f"line {node.lineno}: {node.func.id}(...)")
        elif isinstance(node, ast.JoinedStr):
            parts = [part.value for part in node.values if isinstance(part, ast.Constant)]
            if any(has_words(str(part)) for part in parts):
                found.append(f"line {node.lineno}: an f-string")
            allowed |= {id(inner) for inner in ast.walk(node)}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value.strip():
            found.append(f"line {node.lineno}: {node.value[:40]!r}")
    return found


def test_the_check_for_message_text_finds_it() -> None:
    assert message_text_in('async def f(update):\n    await reply(update, "Hello there")') == ["line 2: 'Hello there'"]
    assert message_text_in("def f(t):\n    return Screen(t)") == ["line 2: Screen(...)"]
    assert message_text_in('def f(n):\n    return f"{n} steps"') == ["line 2: an f-string"]
    assert message_text_in('raise ApiError(404, "no such roadmap")') == ["line 1: 'no such roadmap'"]
    quiet = '"""A docstring, with words."""\nlog.info("a %s line", x)\nassert x, "why not"\nKEY = "services"'
    quiet += '\nwarnings.filterwarnings("ignore", "Please use it", UserWarning)'
    quiet += '\nraise ValueError("a bug")\ntext("SELECT 1 FROM chats")\nfunc.date(x, "weekday 0")'
    quiet += '\nURL = f"{base}/bot{token}"\nKEY = f"roadmap|{a}|{b}"'
    assert message_text_in(quiet) == []


def test_only_views_build_what_a_person_reads() -> None:
    found = {
        name: text
        for path in package_modules()
        if not is_view_module(path)
        if (name := path.relative_to(ROOT).as_posix()) not in OPERATOR_TEXT | NOT_FOR_PEOPLE
        if (text := message_text_in(path.read_text(encoding="utf-8"), builds_screens=name in BUILDING_BLOCKS))
    }
    assert found == {}


def test_the_named_modules_exist() -> None:
    named = FORMATTING | BUILDING_BLOCKS | OPERATOR_TEXT | NOT_FOR_PEOPLE
    assert {name for name in named if not (ROOT / name).is_file()} == set()


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


MAX_PARAMETERS = 6


def test_no_function_of_the_package_takes_more_than_6_parameters() -> None:
    many = {}
    for path in package_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args
                named = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
                count = len(named) + bool(arguments.vararg) + bool(arguments.kwarg)
                count -= bool(named) and named[0].arg in ("self", "cls")
                if count > MAX_PARAMETERS:
                    many[f"{path.relative_to(ROOT)}:{node.name}"] = count
    assert many == {}


# --- one name, one thing ------------------------------------------------------------------------


def test_no_class_is_defined_in_two_modules_of_the_package() -> None:
    defined: dict[str, list[str]] = {}
    for path in package_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                defined.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    assert {name: where for name, where in defined.items() if len(where) > 1} == {}


def test_the_composition_root_uses_handlers_through_their_public_surface() -> None:
    public = set(__import__("handlers").__all__)
    reaching_in = {}
    for path in sorted((ROOT / "bot").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names if alias.name.startswith("handlers.")]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("handlers"):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                names = [name for name in names if node.module != "handlers" or name.split(".")[1] not in public]
            if names:
                reaching_in.setdefault(str(path.relative_to(ROOT)), []).extend(names)
    assert reaching_in == {}


# --- no import circle -----------------------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path, known: set[str]) -> set[str]:
    """The package's modules a module imports when it runs, at its top or inside its functions
    (`if TYPE_CHECKING:` blocks left out), each as the module itself, not its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {
                f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
                for alias in node.names
            }
    return found & known


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in package_modules()}
    return {name: runtime_imports(path, set(modules)) - {name} for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for other in sorted(graph.get(name, ())):
            if other not in index:
                visit(other)
                low[name] = min(low[name], low[other])
            elif other in stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            group = []
            while (top := stack.pop()) != name:
                group.append(top)
            if group:
                found.append(sorted([name, *group]))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_the_check_for_circles_finds_one() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_runtime_import_circle() -> None:
    assert circles(import_graph()) == []


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
