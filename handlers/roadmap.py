"""Roadmaps and steps: the catalog, a roadmap, a step card and its marks, /next and /progress."""

from __future__ import annotations

from telegram import Update

from handlers.callback_data import Noop, SetStepState, ShowCatalog, ShowNextStep, ShowRoadmap, ShowStep, decode
from handlers.catalog_views import (
    render_catalog,
    render_not_started,
    render_progress,
    render_unknown_roadmap_note,
    render_welcome,
)
from handlers.context import BotContext, Services, chat_id_of
from handlers.reminder_views import with_new_reminder
from handlers.replies import answer_tap, show
from handlers.roadmap_views import ROADMAP_GONE, render_roadmap
from handlers.screens import Screen
from handlers.step_views import FINISHED, STATE_CHANGED, STEP_GONE, render_step
from roadmaps import Roadmap, Step
from storage import started_roadmaps

# The buttons this feature answers.
BUTTONS = (ShowCatalog, ShowRoadmap, ShowStep, SetStepState, ShowNextStep, Noop)

Result = tuple[Screen | None, str | None]


async def start(update: Update, context: BotContext) -> None:
    """/start: the welcome and the catalog; /start <roadmap-id> (a deep link) opens that roadmap."""
    services, chat_id = context.services, chat_id_of(update)
    note = None
    if context.args:
        roadmap = services.catalog.get(context.args[0])
        if roadmap is not None:
            await show(update, await open_roadmap(chat_id, services, roadmap, context.bot.username))
            return
        note = render_unknown_roadmap_note(context.args[0])
    progresses = await services.storage.progress.progress_of_chat(chat_id)
    await show(update, render_welcome(services.catalog, progresses, note))


async def list_roadmaps(update: Update, context: BotContext) -> None:
    """/roadmaps: every roadmap, started ones with their percentage."""
    services = context.services
    progresses = await services.storage.progress.progress_of_chat(chat_id_of(update))
    await show(update, render_catalog(services.catalog, progresses))


async def show_progress(update: Update, context: BotContext) -> None:
    """/progress: every roadmap this chat started, with its progress line, pace and streak."""
    services = context.services
    progresses = await services.storage.progress.progress_of_chat(chat_id_of(update))
    await show(update, render_progress(services.catalog, progresses, services.clock()))


async def show_next_step(update: Update, context: BotContext) -> None:
    """/next: the card of the next unfinished step of the roadmap used last."""
    services = context.services
    progresses = await services.storage.progress.progress_of_chat(chat_id_of(update), with_notes=True)
    started = started_roadmaps(services.catalog, progresses)  # roadmaps taken out of the catalog are passed over
    if not started:
        await show(update, render_not_started(services.catalog))
        return
    roadmap, progress = started[0]
    step = progress.next_step(roadmap)
    if step is None:
        await show(update, render_roadmap(roadmap, progress, bot_username=context.bot.username))
    else:
        await show(update, render_step(roadmap, step, progress))


async def on_roadmap_button(update: Update, context: BotContext) -> None:
    """A tap on the catalog, a roadmap or a step card: one storage call, a view, an edit, an answer."""
    assert update.callback_query is not None
    action = decode(update.callback_query.data)
    services, chat_id = context.services, chat_id_of(update)
    match action:
        case Noop():
            screen, note = None, None
        case ShowCatalog():
            screen, note = await catalog(chat_id, services), None
        case ShowRoadmap() | ShowNextStep() | ShowStep() | SetStepState():
            screen, note = await within_roadmap(action, chat_id, services, context.bot.username)
        case _:
            raise AssertionError(f"not a roadmap button: {action!r}")
    await answer_tap(update, screen, note)


async def within_roadmap(
    action: ShowRoadmap | ShowNextStep | ShowStep | SetStepState,
    chat_id: int,
    services: Services,
    bot_username: str | None,
) -> Result:
    """Buttons about a roadmap and its steps; ids that no longer exist get the current view."""
    roadmap = services.catalog.get(action.roadmap_id)
    if roadmap is None:
        return await catalog(chat_id, services), ROADMAP_GONE
    if isinstance(action, ShowRoadmap) and action.page is not None:
        # Moving between pages only reads.
        progress = await services.storage.progress.progress_of(chat_id, roadmap.id)
        return render_roadmap(roadmap, progress, action.page, bot_username=bot_username), None
    if isinstance(action, ShowRoadmap | ShowNextStep):
        return await open_roadmap(
            chat_id, services, roadmap, bot_username, to_next_step=isinstance(action, ShowNextStep)
        ), None
    step = roadmap.step(action.step_id)
    if step is None:
        progress = await services.storage.progress.progress_of(chat_id, roadmap.id)
        return render_roadmap(roadmap, progress, bot_username=bot_username), STEP_GONE
    if isinstance(action, SetStepState):
        return await mark_step(chat_id, services, roadmap, step, action)
    progress = await services.storage.progress.progress_of(chat_id, roadmap.id)
    return render_step(roadmap, step, progress), None


async def catalog(chat_id: int, services: Services) -> Screen:
    """Every roadmap, started ones with their percentage."""
    return render_catalog(services.catalog, await services.storage.progress.progress_of_chat(chat_id))


async def open_roadmap(
    chat_id: int, services: Services, roadmap: Roadmap, bot_username: str | None, *, to_next_step: bool = False
) -> Screen:
    """Opening a roadmap (or its next step) is using it: it becomes the roadmap used last, and the
    chat's first roadmap turns the weekly reminder on."""
    opened = await services.storage.progress.open_roadmap(chat_id, roadmap.id, services.clock())
    step = opened.progress.next_step(roadmap)
    if to_next_step and step is not None:
        view = render_step(roadmap, step, opened.progress)
    else:
        view = render_roadmap(roadmap, opened.progress, bot_username=bot_username)
    return with_new_reminder(view, opened.new_reminder)


async def mark_step(chat_id: int, services: Services, roadmap: Roadmap, step: Step, action: SetStepState) -> Result:
    """✅ Mark done, 🟡 Working on it, ⏭ Skip or ↩️ Undo on a card: the card shows the new state."""
    changed = await services.storage.progress.set_step_state(chat_id, roadmap.id, step, action.state, services.clock())
    finished = changed.after.is_finished(roadmap) and not changed.before.is_finished(roadmap)
    note = FINISHED if finished else STATE_CHANGED[action.state]
    return render_step(roadmap, step, changed.after, celebrate=finished), note
