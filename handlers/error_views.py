"""What a person is told when handling their update failed (the operator's alert is operator
text: handlers/alerts.py)."""

from __future__ import annotations

from i18n.catalogs import _


def sorry() -> str:
    """A bug of ours: the person is told, and asked to try again."""
    return _("Sorry, something went wrong on my side. Please try again.")


def not_saved() -> str:
    """The database failed: its transaction rolled back, so nothing was changed."""
    return _("Sorry, I could not save that just now, so nothing was changed. Please try again.")
