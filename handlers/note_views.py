"""The answers to a note: where it went, or why it was not kept. Pure functions, in the language
being spoken."""

from __future__ import annotations

from html import escape

from i18n.catalogs import _, ngettext
from i18n.formats import count
from roadmaps import Step

MAX_NOTE = 1000  # characters; a card shows as much as fits


def render_note_saved(step: Step) -> str:
    """The answer to a note: where it went."""
    # Translators: %(step)s is the title of the step the note is on.
    return _("📝 Saved your note on “%(step)s”. It shows on the step card.") % {"step": escape(step.title)}


def render_note_too_long(length: int) -> str:
    """The answer to a note over the limit; nothing was saved."""
    # Translators: %(length)s: how many characters the note has; %(limit)s: how many a note may have.
    words = ngettext(
        "That note has %(length)s character; a note can have up to %(limit)s. Nothing was saved.",
        "That note has %(length)s characters; a note can have up to %(limit)s. Nothing was saved.",
        length,
    )
    return words % {"length": count(length), "limit": count(MAX_NOTE)}


def render_note_needs_a_card() -> str:
    """The answer to /note when there is no step to put it on, or to a reply that is not to a card."""
    # Translators: /note is the command; keep it as it is.
    return _("To keep a note, reply to a step card, or send /note with your text to note your current step.")
