"""The catalogs: every language has every sentence of the template, none fuzzy or empty, each with
the placeholders of its source and a form for each of the language's CLDR plural categories; the
template is what the code says today; and nothing a person reads is built outside the catalogs."""

from __future__ import annotations

import ast
import datetime as dt
import html
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from handlers.step_views import CardOptions, render_step
from i18n.catalogs import LANGUAGES, SOURCE, catalog_path, speaking, supported
from progress import DoneElsewhere, Mark, Note, Progress, StepState
from roadmaps import Catalog as Roadmaps
from roadmaps import Roadmap, Step

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "i18n" / "messages.pot"
TRANSLATED = [language for language in LANGUAGES if language != SOURCE]


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def extract(output: Path) -> Catalog:
    """The template as `pybabel extract` makes it from the code now (README, "Translating the bot")."""
    command = [
        sys.executable,
        "-m",
        "babel.messages.frontend",
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "N_",
        "-k",
        "pgettext:1c,2",
    ]
    command += ["-c", "Translators:", "--no-location", "--sort-output", "-o", str(output)]
    subprocess.run([*command, "handlers", "i18n", "webapp", "bot"], cwd=ROOT, check=True, capture_output=True)
    return read(output)


def test_the_template_is_what_the_code_says(tmp_path: Path) -> None:
    now, kept = extract(tmp_path / "messages.pot"), read(TEMPLATE)
    assert sorted(str(m.id) for m in now if m.id) == sorted(str(m.id) for m in kept if m.id), (
        "run the extract command of the README's 'Translating the bot', then update the catalogs"
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_language_has_every_sentence_translated_in_full(language: str) -> None:
    template, catalog = read(TEMPLATE), read(catalog_path(language), language)
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    assert sorted(wanted - set(have)) == [], "missing from the catalog"
    assert sorted(set(have) - wanted) == [], "no longer in the template: run pybabel update"
    assert sorted(str(m.id) for m in have.values() if m.fuzzy) == [], "fuzzy"
    strings = {key: m.string if isinstance(m.string, tuple) else (m.string,) for key, m in have.items()}
    assert sorted(key for key, forms in strings.items() if not all(forms)) == [], "empty"


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_and_plural_forms_follow_the_source(language: str) -> None:
    catalog = read(catalog_path(language), language)
    problems = [(str(message.id), [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == [], "Babel's checkers: python-format placeholders and the number of plural forms"
    # The language's own count of forms, from CLDR (Russian 3, Persian 2), for every plural message.
    assert catalog.num_plurals == Catalog(locale=language).num_plurals
    short = [str(m.id) for m in catalog if m.pluralizable and m.id and len(m.string) != catalog.num_plurals]
    assert short == []


MARKING = {"_": 1, "N_": 1, "ngettext": 1, "pgettext": 2}  # a marking call, and where its sentence is


def marked_sentences(source: str) -> list[tuple[int, str]]:
    """Every sentence a module marks for the catalogs (line, source text), f-strings' insides too."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKING:
            argument = node.args[MARKING[node.func.id] - 1] if len(node.args) >= MARKING[node.func.id] else None
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.append((node.lineno, argument.value))
    return found


def test_every_sentence_the_code_marks_is_in_the_template() -> None:
    """`pybabel extract` does not look inside an f-string (`f"{_('Hi')} {name}"`): a sentence
    marked there would stay English in every language."""
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in read(TEMPLATE) if m.id}
    modules = [path for room in ("handlers", "i18n", "webapp", "bot") for path in sorted((ROOT / room).rglob("*.py"))]
    missing = [
        f"{path.relative_to(ROOT)}:{line}: {sentence[:50]!r}"
        for path in modules
        for line, sentence in marked_sentences(path.read_text(encoding="utf-8"))
        if sentence not in template
    ]
    assert missing == []
    assert marked_sentences("x = f\"{_('Hi there')} {name}\"") == [(1, "Hi there")]


# --- Telegram's limits and a phone's screen in every language --------------------------------------

TOAST_LIMIT = 200  # characters of a callback query's answer
FILLED = "x" * 40  # a placeholder's value, as long as any a toast names (a roadmap's title is cut to 40)
FIRST_SCREEN = 600  # characters of a step card above its buttons
PHONE_LINES, PHONE_WIDTH = 15, 38  # a phone's first screen at 360 px: lines of so many characters


def shown(text: str) -> int:
    """A message's length as Telegram counts it: tags gone, entities read, UTF-16 code units."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", text)).encode("utf-16-le")) // 2


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_toast_and_pop_up_stays_within_telegrams_200_characters(language: str) -> None:
    catalog = read(catalog_path(language), language)
    toasts = [m for m in catalog if m.id and re.search(r"\b(toast|pop-up)\b", " ".join(m.auto_comments))]
    assert len(toasts) >= 15, "the translators' comments name the toasts"
    long = {}
    for message in toasts:
        for form in message.string if isinstance(message.string, tuple) else (message.string,):
            text = re.sub(r"%\((\w+)\)[sd]|\{\w+\}", FILLED, form)
            if shown(text) > TOAST_LIMIT:
                long[str(message.id)[:40]] = shown(text)
    assert long == {}


def phone_lines(text: str) -> int:
    """How many lines of PHONE_WIDTH characters a message's text takes, wrapped at spaces."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    return sum(len(textwrap.wrap(line, PHONE_WIDTH)) or 1 for line in plain.split("\n"))


def first_screens(roadmap: Roadmap, step: Step, other: Roadmap) -> dict[str, str]:
    """A step card's first screen in each way it shows: not started (its topic done in another
    roadmap), in progress (its checks all ticked), done (the tap that completed the roadmap),
    skipped (every step covered), with a long note."""
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    every = {s.id: Mark(StepState.DONE, now) for s in roadmap.steps}
    covered = {**every, step.id: Mark(StepState.SKIPPED, now)}
    working = {step.id: Mark(StepState.WORKING, now)}
    ticked = frozenset(check.id for check in step.done_when)
    elsewhere = DoneElsewhere(other, other.steps[0], Mark(StepState.DONE, now))
    cards = {
        "todo": render_step(roadmap, step, Progress(roadmap.id, {}), CardOptions(elsewhere=elsewhere)),
        "working": render_step(roadmap, step, Progress(roadmap.id, working, ticks={step.id: ticked})),
        "completed": render_step(roadmap, step, Progress(roadmap.id, every), CardOptions(celebrate=True)),
        "covered": render_step(roadmap, step, Progress(roadmap.id, covered)),
        "noted": render_step(roadmap, step, Progress(roadmap.id, working, notes={step.id: Note("n " * 900, now)})),
    }
    return {way: card.text for way, card in cards.items()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_step_card_s_first_screen_fits_a_phone_in_every_language(language: str, catalog: Roadmaps) -> None:
    spoken = catalog.in_language(language)
    longest = max(spoken, key=lambda r: len(r.title))
    over = {}
    with speaking(language):
        for roadmap in spoken:
            for step in roadmap.steps:
                for way, text in first_screens(roadmap, step, longest).items():
                    if shown(text) > FIRST_SCREEN or phone_lines(text) > PHONE_LINES:
                        over[(roadmap.id, step.id, way)] = (shown(text), phone_lines(text))
    assert over == {}


def test_languages_follow_telegrams_codes() -> None:
    assert [supported(code) for code in ("pt-br", "pt-BR", "pt", "ru-RU", "ru", "es-419", "fa", "de", "", None)] == [
        "pt_BR",
        "pt_BR",
        "pt_BR",
        "ru",
        "ru",
        "es",
        "fa",
        "en",
        "en",
        "en",
    ]


# --- nothing a person reads is built outside the catalogs ----------------------------------------

MARKERS = {"_", "ngettext", "N_", "pgettext"}
# Strings of a view that are not sentences: the bot's default name (BOT_NAME, a name), and the
# JSON a refusal of the page's API shows as an example.
NOT_SENTENCES = {"Roadmap bot", '{"state": …}'}


def outside_the_catalogs(source: str) -> list[str]:
    """Strings of words in a view that no `_()`, `ngettext()`, `pgettext()` or `N_()` marks
    (docstrings, log calls, asserts and raises aside): words being a letter and a space at least."""
    tree = ast.parse(source)
    marked: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS:
            marked |= {id(inner) for inner in ast.walk(node)}
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                marked.add(id(first.value))
        if isinstance(node, ast.Assert | ast.Raise):
            marked |= {id(inner) for inner in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in marked or not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        words = re.sub(r"<[^>]*>?", "", node.value)
        if node.value in NOT_SENTENCES:
            continue
        if " " in words.strip() and sum(character.isalpha() for character in words) > 1:
            found.append(f"line {node.lineno}: {node.value[:50]!r}")
    return found


def view_modules() -> list[Path]:
    rooms = ("handlers", "i18n", "webapp")
    return [path for room in rooms for path in sorted((ROOT / room).rglob("*_views.py"))]


def test_the_check_for_words_outside_the_catalogs_finds_them() -> None:
    assert outside_the_catalogs('def f():\n    return "Hello there"') == ["line 2: 'Hello there'"]
    assert outside_the_catalogs('def f():\n    return _("Hello there")') == []
    assert outside_the_catalogs('def f(n):\n    return ngettext("a step", "%(n)s steps", n)') == []
    assert outside_the_catalogs('X = N_("Mark done")\nY = "<b>%s</b>"\nZ = "✅"\nK = {"title": 1}') == []
    assert outside_the_catalogs('def f():\n    return pgettext("importance", "High")') == []


def test_views_say_every_word_through_the_catalogs() -> None:
    found = {
        str(path.relative_to(ROOT)): words
        for path in view_modules()
        if (words := outside_the_catalogs(path.read_text(encoding="utf-8")))
    }
    assert found == {}
