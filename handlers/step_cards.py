"""A step card as every feature shows it: with where its topic was done in another roadmap, read
only for a step that shares a topic and is not done here (the card's one extra read)."""

from __future__ import annotations

from handlers.context import InChat
from handlers.screens import Screen
from handlers.step_views import PLAIN, CardOptions, render_step
from progress import DoneElsewhere, Progress, done_elsewhere
from roadmaps import Roadmap, Step


async def step_elsewhere(chat: InChat, roadmap: Roadmap, step: Step, progress: Progress) -> DoneElsewhere | None:
    """Where the step's topic was done in another roadmap of this chat, if it was and is not done here."""
    services = chat.services
    others = await services.storage.progress.other_roadmaps(chat.chat_id, services.catalog, progress, [step])
    return done_elsewhere(services.catalog, [*others, progress], roadmap, step) if others else None


async def step_card(
    chat: InChat, roadmap: Roadmap, step: Step, progress: Progress, options: CardOptions | None = None
) -> Screen:
    """render_step, with the topic done elsewhere when there is one and the chat's links."""
    elsewhere = await step_elsewhere(chat, roadmap, step, progress)
    return render_step(roadmap, step, progress, (options or PLAIN).in_chat(elsewhere, chat.links))
