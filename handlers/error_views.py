"""What a person is told when handling their update failed."""

from __future__ import annotations

SORRY = "Sorry, something went wrong on my side. Please try again."
NOT_SAVED = "Sorry, I could not save that just now, so nothing was changed. Please try again."
