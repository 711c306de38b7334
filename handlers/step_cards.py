"""A step card as every feature shows it: with where its topic was done in another roadmap, read
only for a step that shares a topic and is not done here (the card's one extra read)."""

from __future__ import annotations

from typing import Any

from handlers.context import InChat
from handlers.screens import Screen
from handlers.step_views import render_step
from progress import DoneElsewhere, Progress, done_elsewhere, needs_other_roadmaps
from roadmaps import Roadmap, Step


async def step_elsewhere(chat: InChat, roadmap: Roadmap, step: Step, progress: Progress) -> DoneElsewhere | None:
    """Where the step's topic was done in another roadmap of this chat, if it was and is not done here."""
    services = chat.services
    if not needs_other_roadmaps(services.catalog, progress, [step]):
        return None
    progresses = await services.storage.progress.progress_of_chat(chat.chat_id)
    return done_elsewhere(services.catalog, progresses, roadmap, step)


async def step_card(chat: InChat, roadmap: Roadmap, step: Step, progress: Progress, **options: Any) -> Screen:
    """render_step, with the topic done elsewhere when there is one and the chat's links;
    `options` go to render_step."""
    elsewhere = await step_elsewhere(chat, roadmap, step, progress)
    return render_step(roadmap, step, progress, elsewhere=elsewhere, links=chat.links, **options)
