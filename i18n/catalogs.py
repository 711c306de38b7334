"""The catalogs: every sentence's translations, as GNU gettext catalogs kept by Babel
(`i18n/locales/<language>/LC_MESSAGES/messages.po`, English the source), read on first use and
compiled in memory; the language being spoken now; and the choice of a supported language from
what Telegram says of a person.

The language being spoken is a context variable: the update's task sets it before its handler
runs (a nudge, per chat, before it is rendered), and every view's `_()` and `ngettext()` read it,
so a view stays a pure function of its values and the language it is asked in.
"""

from __future__ import annotations

import functools
import gettext
import io
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE = "en"
# The languages the bot speaks, in the order /language offers them.
LANGUAGES = ("en", "ru", "es", "pt_BR", "fa")
RIGHT_TO_LEFT = frozenset({"fa"})
LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"

_speaking: ContextVar[str] = ContextVar("speaking", default=SOURCE)


def language() -> str:
    """The language being spoken now (English unless an update or a nudge said otherwise)."""
    return _speaking.get()


def speak(name: str) -> None:
    """Speak `name` from now on in this task (an update's handler, a nudge being rendered)."""
    _speaking.set(name)


class speaking:  # a class used as a function: `with speaking(name):`
    """Speak `name` inside the block, and the language before it after. A class, not a
    generator: a nudge pass enters one for every chat it renders."""

    __slots__ = ("_token", "name")

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self._token = _speaking.set(self.name)

    def __exit__(self, *exc: object) -> None:
        _speaking.reset(self._token)


def catalog_path(name: str) -> Path:
    """Where a language's catalog lives."""
    return LOCALES / name / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(name: str) -> gettext.NullTranslations:
    """A language's translations, its catalog compiled in memory on first use (English: none)."""
    if name == SOURCE or name not in LANGUAGES:
        return gettext.NullTranslations()
    with catalog_path(name).open("rb") as po:
        catalog = read_po(po, locale=name)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _(message: str) -> str:
    """A sentence in the language being spoken."""
    return translations(_speaking.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The sentence for `count` in the language being spoken, in its plural form (CLDR's rules)."""
    return translations(_speaking.get()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """A word in the language being spoken, as it reads in a context (a level's word agrees with
    the signal it follows: Russian "высокая важность" but "высокий риск")."""
    return translations(_speaking.get()).pgettext(context, message)


def N_(message: str) -> str:
    """A sentence marked for the catalogs but said later, through `_()`, in the language of then."""
    return message


def supported(code: str | None) -> str:
    """The supported language nearest to a BCP 47 code as Telegram gives it: `pt-br` and `pt` are
    `pt_BR`, `ru-RU` is `ru`; anything else is English."""
    if not code:
        return SOURCE
    parts = code.replace("_", "-").split("-")
    main, region = parts[0].lower(), (parts[1].upper() if len(parts) > 1 else "")
    for candidate in (f"{main}_{region}", main):
        if candidate in LANGUAGES:
            return candidate
    return next((name for name in LANGUAGES if name.split("_")[0] == main), SOURCE)


def telegram_code(name: str) -> str:
    """The two-letter code Telegram gives a language (its `language_code` is ISO 639-1): `pt` for `pt_BR`."""
    return name.split("_")[0]


def is_right_to_left(name: str) -> bool:
    """Whether a language is written right to left."""
    return name in RIGHT_TO_LEFT
