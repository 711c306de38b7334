"""Roadmaps and steps: the catalog, a roadmap, a step card and its marks (done and on to the next
in one tap), /next and /progress; the learner's place (storage.place) decides where they lead."""

from __future__ import annotations

from telegram import Update

from handlers.actions import (
    CountAllShared,
    CountSharedTopic,
    DoneAndNext,
    Noop,
    SetStepState,
    ShowCatalog,
    ShowLegend,
    ShowNextStep,
    ShowRoadmap,
    ShowStep,
    ShowStepMore,
    ToggleCheck,
    UndoMark,
)
from handlers.callback_data import decode
from handlers.catalog_views import (
    render_all_covered,
    render_catalog,
    render_not_started,
    render_progress,
    render_unknown_roadmap_note,
    render_welcome,
    with_absences,
)
from handlers.context import BotContext, InChat, chat_id_of, in_chat
from handlers.first_reminder_views import with_new_reminder
from handlers.line_views import signals_pop_up
from handlers.replies import answer, answer_tap, show
from handlers.roadmap_views import counted_all, render_roadmap, roadmap_gone
from handlers.screens import Screen
from handlers.step_cards import roadmap_elsewhere, roadmap_view, step_card
from handlers.step_views import CardOptions
from handlers.toast_views import (
    check_gone,
    completed,
    covered,
    render_counted_toast,
    render_done_toast,
    render_ticked,
    render_undone,
    state_changed,
    step_gone,
)
from i18n.shared_views import nothing_to_count
from progress import Changed, Marking, Source, StepState
from roadmaps import Roadmap, Step

# The buttons this feature answers.
BUTTONS = (
    ShowCatalog,
    ShowRoadmap,
    ShowStep,
    ShowStepMore,
    SetStepState,
    DoneAndNext,
    UndoMark,
    ToggleCheck,
    CountSharedTopic,
    CountAllShared,
    ShowNextStep,
    ShowLegend,
    Noop,
)
# The buttons about one step of a roadmap.
StepAction = ShowStep | ShowStepMore | SetStepState | DoneAndNext | UndoMark | ToggleCheck | CountSharedTopic

Result = tuple[Screen | None, str | None]


async def start(update: Update, context: BotContext) -> None:
    """/start: the welcome and the catalog; /start <roadmap-id> (a deep link) opens that roadmap."""
    chat = in_chat(update, context)
    services, note = chat.services, None
    if context.args:
        roadmap = services.catalog.get(context.args[0])
        if roadmap is not None:
            progress = await services.storage.progress.progress_of(chat.chat_id, roadmap.id)
            await show(update, await roadmap_view(chat, roadmap, progress))
            return
        note = render_unknown_roadmap_note(context.args[0])
    progresses = await services.storage.progress.progress_of_chat(chat.chat_id)
    await show(update, render_welcome(services.catalog, progresses, note))


async def list_roadmaps(update: Update, context: BotContext) -> None:
    """/roadmaps: every roadmap, started ones with their percentage."""
    services = context.services
    progresses = await services.storage.progress.progress_of_chat(chat_id_of(update))
    await show(update, render_catalog(services.catalog, progresses))


async def show_progress(update: Update, context: BotContext) -> None:
    """/progress: every roadmap this chat started, with its progress line, pace and streak."""
    services, chat_id = context.services, chat_id_of(update)
    progresses = await services.storage.progress.progress_of_chat(chat_id)
    screen = render_progress(services.catalog, progresses, services.clock())
    gone = [p.roadmap_id for p in progresses if p.marks and services.content.get(p.roadmap_id) is None]
    untold = await services.storage.progress.tell_absences(chat_id, gone, services.clock())
    await show(update, with_absences(screen, untold))


async def show_next_step(update: Update, context: BotContext) -> None:
    """/next: the card of the next step: the roadmap in focus's, or the next started one's."""
    chat = in_chat(update, context)
    services = chat.services
    place = await services.storage.progress.place_of(chat.chat_id, services.catalog)
    if place.next is None:
        started = place.started
        await show(
            update, render_all_covered(services.catalog, started) if started else render_not_started(services.catalog)
        )
        return
    roadmap, _, step = place.next
    progress = await services.storage.progress.open_step(chat.chat_id, roadmap.id, step, services.clock())
    await show(update, await step_card(chat, roadmap, step, progress))


async def on_roadmap_button(update: Update, context: BotContext) -> None:
    """A tap on the catalog, a roadmap or a step card: one storage call, a view, an edit, an answer."""
    assert update.callback_query is not None
    action = decode(update.callback_query.data)
    chat = in_chat(update, context)
    match action:
        case Noop():
            screen, note = None, None
        case ShowLegend():
            await answer(update.callback_query, signals_pop_up(), alert=True)
            return
        case ShowCatalog():
            screen, note = await catalog(chat), None
        case (
            ShowRoadmap()
            | ShowNextStep()
            | CountAllShared()
            | ShowStep()
            | ShowStepMore()
            | SetStepState()
            | DoneAndNext()
            | UndoMark()
            | ToggleCheck()
            | CountSharedTopic()
        ):
            screen, note = await within_roadmap(action, chat)
        case _:
            raise AssertionError(f"not a roadmap button: {action!r}")
    await answer_tap(update, screen, note)


async def within_roadmap(action: ShowRoadmap | ShowNextStep | CountAllShared | StepAction, chat: InChat) -> Result:
    """Buttons about a roadmap and its steps; ids that no longer exist get the current view."""
    services = chat.services
    storage, now = services.storage.progress, services.clock()
    roadmap = services.catalog.get(action.roadmap_id)
    if roadmap is None:
        return await catalog(chat), roadmap_gone()
    if isinstance(action, CountAllShared):
        return await count_all_shared(chat, roadmap)
    if isinstance(action, ShowRoadmap | ShowNextStep):
        progress = await storage.progress_of(chat.chat_id, roadmap.id)
        next_step = progress.next_step(roadmap) if isinstance(action, ShowNextStep) else None
        if next_step is None:
            page = action.page if isinstance(action, ShowRoadmap) else None
            return await roadmap_view(chat, roadmap, progress, page), None
        progress = await storage.open_step(chat.chat_id, roadmap.id, next_step, now)
        return await step_card(chat, roadmap, next_step, progress), None
    step = roadmap.step(action.step_id)
    if step is None:
        progress = await storage.progress_of(chat.chat_id, roadmap.id)
        return render_roadmap(roadmap, progress, links=chat.links), step_gone()
    return await on_step(action, chat, roadmap, step)


async def on_step(action: StepAction, chat: InChat, roadmap: Roadmap, step: Step) -> Result:
    """A button about one step that exists: open its card (with more or less of it), or change it."""
    if isinstance(action, SetStepState):
        return await mark_step(chat, roadmap, step, action.state)
    if isinstance(action, DoneAndNext):
        return await and_next(chat, roadmap, step, action.state)
    if isinstance(action, UndoMark):
        return await undo_mark(chat, roadmap, step)
    if isinstance(action, ToggleCheck):
        return await toggle_check(chat, roadmap, step, action.key)
    if isinstance(action, CountSharedTopic):
        return await count_shared_topic(chat, roadmap, step)
    services = chat.services
    progress = await services.storage.progress.open_step(chat.chat_id, roadmap.id, step, services.clock())
    return await step_card(chat, roadmap, step, progress, CardOptions(more=isinstance(action, ShowStepMore))), None


async def catalog(chat: InChat) -> Screen:
    """Every roadmap, started ones with their percentage."""
    services = chat.services
    return render_catalog(services.catalog, await services.storage.progress.progress_of_chat(chat.chat_id))


async def mark_step(chat: InChat, roadmap: Roadmap, step: Step, state: StepState) -> Result:
    """✅ Mark done, 🟡 Working on it, ⏭ Skip or ↩️ Undo on a card: the card shows the new state
    (its note kept), and says so when it completed the roadmap or turned the reminder on."""
    services = chat.services
    changed = await services.storage.progress.set_step_state(chat.chat_id, roadmap.id, step, state, services.clock())
    return await card_after(chat, changed, roadmap, step, state_changed(state))


async def and_next(chat: InChat, roadmap: Roadmap, step: Step, state: StepState) -> Result:
    """✅ Done · next or ⏭ Skip · next: mark the step done (or skipped) and open the next unfinished
    one in the same edit; when none is left, the card of this one says where the roadmap stands."""
    storage, now = chat.services.storage.progress, chat.services.clock()
    changed = await storage.set_step_state(chat.chat_id, roadmap.id, step, state, now)
    onward = changed.after.next_step_after(roadmap, step)
    if onward is None:
        return await card_after(chat, changed, roadmap, step, state_changed(state))
    progress = await storage.open_step(chat.chat_id, roadmap.id, onward, now)
    card = await step_card(chat, roadmap, onward, progress)
    return with_new_reminder(card, changed.new_reminder), render_done_toast(roadmap, step, state)


async def toggle_check(chat: InChat, roadmap: Roadmap, step: Step, key: str) -> Result:
    """☐/☑ under More: tick a "done when" check or untick it; the card stays at More. A check no
    longer on the step (the roadmap changed) changes nothing."""
    services = chat.services
    storage, now = services.storage.progress, services.clock()
    check = next((check for check in step.done_when if check.key == key), None)
    if check is None:
        progress = await storage.open_step(chat.chat_id, roadmap.id, step, now)
        return await step_card(chat, roadmap, step, progress, CardOptions(more=True)), check_gone()
    ticked, progress = await storage.toggle_check(chat.chat_id, roadmap.id, step, check, now)
    all_ticked = ticked and len(progress.ticked(step)) == len(step.done_when)
    card = await step_card(chat, roadmap, step, progress, CardOptions(more=True))
    return card, render_ticked(ticked, all_ticked)


async def undo_mark(chat: InChat, roadmap: Roadmap, step: Step) -> Result:
    """↩️ Undo: the step goes back to what it was before its latest change, with that day."""
    services = chat.services
    changed = await services.storage.progress.undo_mark(chat.chat_id, roadmap.id, step, services.clock())
    card = await step_card(chat, roadmap, step, changed.after)
    return card, render_undone(changed.after.state_of(step))


async def count_shared_topic(chat: InChat, roadmap: Roadmap, step: Step) -> Result:
    """✅ Count it here: a step whose topic was done in another roadmap is marked done here, on the
    day it was done there; when it no longer is (undone there, or done here already), the card
    says so and changes nothing."""
    services, now = chat.services, chat.services.clock()
    progress = services.storage.progress
    counted = await progress.count_here(chat.chat_id, services.catalog, roadmap, step, now, Source.CHAT)
    if counted.elsewhere is None or counted.changed is None:
        opened = await progress.open_step(chat.chat_id, roadmap.id, step, now)
        return await step_card(chat, roadmap, step, opened), nothing_to_count()
    return await card_after(chat, counted.changed, roadmap, step, render_counted_toast(counted.elsewhere))


async def count_all_shared(chat: InChat, roadmap: Roadmap) -> Result:
    """✅ Count all N here: every step of the roadmap whose topic was done in another roadmap is
    marked done here, each on the day it was done there; the roadmap's view comes back."""
    services = chat.services
    storage, now = services.storage.progress, services.clock()
    progress = await storage.progress_of(chat.chat_id, roadmap.id)
    new_reminder = None
    counted = await roadmap_elsewhere(chat, roadmap, progress)
    for step_id, elsewhere in counted.items():
        step = roadmap.step(step_id)
        assert step is not None
        by = Marking(Source.CHAT, marked_at=elsewhere.mark.changed_at)
        changed = await storage.set_step_state(chat.chat_id, roadmap.id, step, StepState.DONE, now, by=by)
        new_reminder = new_reminder or changed.new_reminder
        progress = changed.after
    view = await roadmap_view(chat, roadmap, progress)
    return with_new_reminder(view, new_reminder), counted_all(len(counted)) if counted else nothing_to_count()


async def card_after(chat: InChat, changed: Changed, roadmap: Roadmap, step: Step, note: str) -> Result:
    """A card after its step changed: a celebration when this completed the roadmap."""
    completed_now = changed.after.is_completed(roadmap) and not changed.before.is_completed(roadmap)
    covered_now = changed.after.is_covered(roadmap) and not changed.before.is_covered(roadmap)
    onward = await next_roadmap(chat, roadmap) if completed_now else None
    options = CardOptions(celebrate=completed_now, next_roadmap=onward)
    card = await step_card(chat, roadmap, step, changed.after, options)
    toast = completed() if completed_now else covered() if covered_now else note
    return with_new_reminder(card, changed.new_reminder), toast


async def next_roadmap(chat: InChat, completed: Roadmap) -> Roadmap | None:
    """Where a learner who completed a roadmap could go next: the first roadmap after it in the
    catalog (going round) that they have not started; None when they started them all."""
    progresses = await chat.services.storage.progress.progress_of_chat(chat.chat_id)
    started = {p.roadmap_id for p in progresses if p.started}
    roadmaps = list(chat.services.catalog)
    after = roadmaps.index(completed) + 1 if completed in roadmaps else 0
    return next((r for r in roadmaps[after:] + roadmaps[:after] if r.id not in started), None)
