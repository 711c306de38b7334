"""A step card (and a roadmap's view) as every feature shows it: with where a topic was done in
another roadmap, read only for steps that share a topic and are not done here (one extra read)."""

from __future__ import annotations

from handlers.context import InChat
from handlers.roadmap_views import render_roadmap
from handlers.screens import Screen
from handlers.step_views import PLAIN, CardOptions, render_step
from progress import DoneElsewhere, Progress, countable_here, done_elsewhere
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


async def roadmap_elsewhere(chat: InChat, roadmap: Roadmap, progress: Progress) -> dict[str, DoneElsewhere]:
    """The roadmap's steps not done here whose topic was done in another roadmap of this chat."""
    services = chat.services
    others = await services.storage.progress.other_roadmaps(chat.chat_id, services.catalog, progress, roadmap.steps)
    return countable_here(services.catalog, [*others, progress], roadmap) if others else {}


async def roadmap_view(chat: InChat, roadmap: Roadmap, progress: Progress, page: int | None = None) -> Screen:
    """render_roadmap, with the steps done in another roadmap (🔗, and a button to count them all)."""
    elsewhere = await roadmap_elsewhere(chat, roadmap, progress)
    return render_roadmap(roadmap, progress, page, links=chat.links, elsewhere=elsewhere)
