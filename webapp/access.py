"""What the page needs of the rest of the bot: the progress calls a tap makes (a Storage's progress
store satisfies them), and two hooks about a person: that they were there, and their chat's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from progress import FROM_CHAT, Changed, Counted, Marking, Progress, Reminder, Source, StepState
from roadmaps import Catalog, Roadmap, Step
from storage import ChatLanguage

# Told of every signed call: the person (a chat id) was heard from, at that time (presence).
Heard = Callable[[int, dt.datetime], None]
# The language a person's chat stored (chosen, or seen), by chat id.
LanguageOf = Callable[[int], Awaitable[ChatLanguage]]
# The time zone the person's browser is in, told (by chat id, at that time): kept unless the chat told one.
ZoneSeen = Callable[[int, str, dt.datetime], Awaitable[object]]
# A mark on the page turned the chat's first reminder on (by chat id): the chat asks when, as after a first mark there.
ReminderOn = Callable[[int, Reminder], object]


class ProgressAccess(Protocol):
    """The progress calls the page needs, named as storage has them (a Storage satisfies it)."""

    async def progress_of(self, chat_id: int, roadmap_id: str) -> Progress:
        """The chat's progress on one roadmap, notes included; empty if it never started it."""
        ...

    async def progress_of_chat(self, chat_id: int) -> list[Progress]:
        """Every roadmap the chat started."""
        ...

    async def set_step_state(
        self,
        chat_id: int,
        roadmap_id: str,
        step: Step,
        state: StepState,
        now: dt.datetime,
        *,
        by: Marking = FROM_CHAT,
    ) -> Changed:
        """Set a step's state, as a tap on the step card does (`by`: from the page, on a day)."""
        ...

    async def count_here(
        self, chat_id: int, catalog: Catalog, roadmap: Roadmap, step: Step, now: dt.datetime, source: Source
    ) -> Counted:
        """✅ Count it here, as a tap on the step card does."""
        ...

    async def other_roadmaps(
        self, chat_id: int, catalog: Catalog, progress: Progress, steps: Sequence[Step]
    ) -> list[Progress]:
        """The chat's other roadmaps, when one of `steps` could count from them."""
        ...


@dataclass(frozen=True, slots=True)
class PageHooks:
    """What the page asks of the rest of the bot about a person: `heard` is told of every call
    initData signs (the person was there, as a message says); `language_of` gives the language
    their chat chose (else the page speaks their Telegram app's); `zone_seen` keeps the browser's
    time zone for a chat that never told one (its first reminder then starts in it); `reminder_on`
    is told when a mark on the page turned the chat's first reminder on."""

    heard: Heard | None = None
    language_of: LanguageOf | None = None
    zone_seen: ZoneSeen | None = None
    reminder_on: ReminderOn | None = None

    def changed(self, chat_id: int, changed: Changed | None) -> None:
        """A change made on the page: told to `reminder_on` when it turned the chat's first reminder on."""
        if changed is not None and changed.new_reminder is not None and self.reminder_on is not None:
            self.reminder_on(chat_id, changed.new_reminder)
