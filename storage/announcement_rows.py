"""Announcements as the rules and the bot read them, and what their queries share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from progress.announcements import AnnouncementStatus, Audience
from progress.reminders import ReminderStatus

# Reminders that say the chat cannot be written to: it is no recipient until it writes again.
UNREACHABLE = (ReminderStatus.BLOCKED.value, ReminderStatus.GONE.value)
# The kind of fact a 403 leaves (as a nudge's does).
BLOCKED_FACT = "blocked"


@dataclass(frozen=True, slots=True)
class Announcement:
    """An announcement as stored."""

    id: int
    chat_id: int | None
    message_id: int | None
    text: str
    photo: str | None
    roadmap_id: str | None
    audience: Audience
    status: AnnouncementStatus
    created_at: dt.datetime
    starts_at: dt.datetime
    finished_at: dt.datetime | None


def announcement_of_row(row: Any) -> Announcement:
    """An announcements row as an Announcement."""
    audience = Audience.parse(row.audience)
    assert audience is not None, f"stored audience {row.audience!r}"
    return Announcement(
        row.id,
        row.chat_id,
        row.message_id,
        row.text,
        row.photo,
        row.roadmap_id,
        audience,
        AnnouncementStatus(row.status),
        row.created_at,
        row.starts_at,
        row.finished_at,
    )
