"""The operator's branding: an optional `branding.yaml` beside their roadmaps, with the bot's name,
the welcome paragraph and the card picture's accent colour, in English and per language:

    bot_name: PyLadies Roadmaps
    welcome: Hi! We walk you through our community's roadmaps, one step at a time.
    accent: "#7c3aed"
    translations:
      ru: {bot_name: Дорожные карты PyLadies, welcome: Привет! ...}

Problems are named with the file and the field, as a roadmap file's are."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from roadmaps.model import Branding
from roadmaps.problems import Problem

BRANDING_FILE = "branding.yaml"
MAX_NAME = 64  # as BOT_NAME
MAX_WELCOME = 500  # within Telegram's 512 characters of a bot's description
ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
TEXTS = ("bot_name", "welcome")


def read_branding(folder: Path) -> tuple[Branding | None, list[Problem]]:
    """The branding file of a folder, if it has one, and every problem with it."""
    path = folder / BRANDING_FILE
    if not path.is_file():
        return None, []
    problems: list[Problem] = []
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return None, [Problem(str(path), "(file)", f"is not valid YAML: {error}")]
    if not isinstance(content, dict):
        return None, [Problem(str(path), "(file)", "must be a mapping of bot_name, welcome, accent, translations")]

    def texts(entry: dict[str, Any], where: str) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for key in TEXTS:
            value = entry.get(key)
            limit = MAX_NAME if key == "bot_name" else MAX_WELCOME
            if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > limit):
                problems.append(Problem(str(path), f"{where}{key}", f"must be text of 1 to {limit} characters"))
                value = None
            found[key] = value.strip() if isinstance(value, str) else None
        return found

    for key in set(content) - {*TEXTS, "accent", "translations"}:
        problems.append(Problem(str(path), str(key), "unknown key (bot_name, welcome, accent, translations)"))
    base = texts(content, "")
    accent = content.get("accent")
    if accent is not None and not (isinstance(accent, str) and ACCENT.fullmatch(accent)):
        problems.append(Problem(str(path), "accent", 'must be a colour as "#rrggbb", e.g. "#34d399"'))
        accent = None
    languages: dict[str, Branding] = {}
    translations = content.get("translations") or {}
    if not isinstance(translations, dict):
        problems.append(Problem(str(path), "translations", "must map a language (ru, pt_BR, ...) to its texts"))
        translations = {}
    for language, entry in translations.items():
        where = f"translations.{language}."
        if not (isinstance(language, str) and LANGUAGE.fullmatch(language)) or not isinstance(entry, dict):
            problems.append(Problem(str(path), f"translations.{language}", "must be a language code and its texts"))
            continue
        for key in set(entry) - set(TEXTS):
            problems.append(Problem(str(path), f"{where}{key}", "unknown key (bot_name, welcome)"))
        given = texts(entry, where)
        languages[language] = Branding(given["bot_name"], given["welcome"])
    return Branding(base["bot_name"], base["welcome"], accent, languages), problems
