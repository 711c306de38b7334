"""The inline-button handler: one storage call, one view, an edit in place, an answer."""

from __future__ import annotations

import asyncio

from telegram import Update

from handlers.callbacks import (
    Action,
    Noop,
    ShowCatalog,
    ShowNextStep,
    ShowRoadmap,
    ShowStep,
    decode,
)
from handlers.replies import answer, show
from handlers.services import Context, Services, services_of
from handlers.views import Screen, render_catalog, render_roadmap, render_step
from storage import StepState

OUT_OF_DATE = "This button is out of date. Send /roadmaps to start again."
ROADMAP_GONE = "That roadmap is no longer available. Here are the ones I have."
STEP_GONE = "That step is no longer in this roadmap. Here is the roadmap as it is now."
STATE_CHANGED = {
    StepState.DONE: "✅ Marked done",
    StepState.SKIPPED: "⏭ Skipped",
    StepState.TODO: "↩️ Undone",
}
FINISHED = "🎉 Roadmap finished!"


async def on_button(update: Update, context: Context) -> None:
    """Every tap on an inline button; the query is always answered."""
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    if chat is None:
        await answer(query, "This button only works in the chat it was sent to.")
        return
    screen, note = await perform(decode(query.data), chat.id, services_of(context))
    if screen is None:
        await answer(query, note)
        return
    await asyncio.gather(answer(query, note), show(update, screen))


async def perform(action: Action | None, chat_id: int, services: Services) -> tuple[Screen | None, str | None]:
    """Carry out what a button asks for this chat; return the screen to show and a short note."""
    catalog, storage = services.catalog, services.storage
    if action is None:
        return None, OUT_OF_DATE
    if isinstance(action, Noop):
        return None, None
    if isinstance(action, ShowCatalog):
        progresses = await storage.progress_of_chat(chat_id)
        return render_catalog(catalog, {p.roadmap_id: p for p in progresses}), None

    roadmap = catalog.get(action.roadmap_id)
    if roadmap is None:
        progresses = await storage.progress_of_chat(chat_id)
        return render_catalog(catalog, {p.roadmap_id: p for p in progresses}), ROADMAP_GONE
    if isinstance(action, ShowRoadmap):
        progress = await storage.open_roadmap(chat_id, roadmap.id, services.clock())
        return render_roadmap(roadmap, progress, action.page), None
    if isinstance(action, ShowNextStep):
        progress = await storage.open_roadmap(chat_id, roadmap.id, services.clock())
        step = progress.next_step(roadmap)
        return (render_step(roadmap, step, progress) if step else render_roadmap(roadmap, progress)), None

    step = roadmap.step(action.step_id)
    if step is None:
        progress = await storage.open_roadmap(chat_id, roadmap.id, services.clock())
        return render_roadmap(roadmap, progress), STEP_GONE
    if isinstance(action, ShowStep):
        progress = await storage.open_roadmap(chat_id, roadmap.id, services.clock())
        return render_step(roadmap, step, progress), None
    progress = await storage.set_step_state(chat_id, roadmap.id, step, action.state, services.clock())
    finished = action.state is StepState.DONE and progress.is_finished(roadmap)
    return render_step(roadmap, step, progress, celebrate=finished), FINISHED if finished else STATE_CHANGED[
        action.state
    ]
