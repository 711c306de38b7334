"""What a person is told when handling their update failed."""

from __future__ import annotations

from html import escape

from handlers.observe import FailedUpdate

SORRY = "Sorry, something went wrong on my side. Please try again."
NOT_SAVED = "Sorry, I could not save that just now, so nothing was changed. Please try again."


def render_alert(failure: FailedUpdate, held_back: int) -> str:
    """The operator's summary of a failure: what identifies it, nothing a person wrote."""
    more = f"\n(and {held_back} more since the last one)" if held_back else ""
    return (
        f"⚠️ <b>{escape(failure.error)}</b> in {escape(failure.handler)}\n"
        f"update {failure.update_id} ({escape(failure.kind)}) in chat {failure.chat_id}{more}"
    )
