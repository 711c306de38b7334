"""The answers to a note: where it went, or why it was not kept. Pure functions."""

from __future__ import annotations

from html import escape

from roadmaps import Step

MAX_NOTE = 1000  # characters; a card shows as much as fits


def render_note_saved(step: Step) -> str:
    """The answer to a note: where it went."""
    return f"📝 Saved your note on “{escape(step.title)}”. It shows on the step card."


def render_note_too_long(length: int) -> str:
    """The answer to a note over the limit; nothing was saved."""
    return f"That note has {length:,} characters; a note can have up to {MAX_NOTE:,}. Nothing was saved."


def render_note_needs_a_card() -> str:
    """The answer to /note when there is no step to put it on, or to a reply that is not to a card."""
    return "To keep a note, reply to a step card, or send /note with your text to note your current step."
