"""/language: the languages the bot speaks, each named in itself, and what a choice says (in the
language chosen). Pure functions."""

from __future__ import annotations

import functools

from babel import Locale

from handlers.actions import ChooseLanguage, FollowAppLanguage
from handlers.screens import Screen, button, keyboard
from i18n.catalogs import LANGUAGES, _


@functools.cache
def own_name(language: str) -> str:
    """A language's name in itself, as CLDR has it: `English`, `Русский`, `فارسی`."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def render_languages(current: str, chosen: bool, private: bool) -> Screen:
    """Which language to speak: one button a language (the one spoken marked), and in a private
    chat, once one was chosen, a way back to following the person's Telegram app."""
    text = _("🌐 Which language should I speak here?")
    if private and not chosen:
        text += "\n" + _("Now I follow your Telegram app's language.")
    rows = [
        [button(("✓ " if language == current else "") + own_name(language), ChooseLanguage(index))]
        for index, language in enumerate(LANGUAGES)
    ]
    if private and chosen:
        rows.append([button(_("📱 Follow my Telegram app"), FollowAppLanguage())])
    return Screen(text, keyboard(rows))


def render_language_chosen() -> str:
    """What a chat hears right after it chose a language, in that language."""
    # Translators: said in your own language right after someone chose it; name the language.
    return _("🌐 From now on I speak English here.")


def render_following_app() -> str:
    """What a private chat hears when it goes back to its app's language."""
    return _("📱 I follow your Telegram app's language again.")


def render_admins_only() -> str:
    """A group's member who is not an admin tried to change its language."""
    return _("Only this group's admins can change the language I speak here.")
