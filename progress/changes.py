"""What one change of a step did: the progress before and after, and the reminder it turned on."""

from __future__ import annotations

from dataclasses import dataclass

from progress.model import Progress
from progress.reminders import Reminder


@dataclass(frozen=True, slots=True)
class Changed:
    """A chat's progress on a roadmap just before and just after one step changed, and the weekly
    reminder this change turned on (the chat's first started roadmap), if it did."""

    before: Progress
    after: Progress
    new_reminder: Reminder | None = None
