"""The inline-button handler: one storage call, one view, an edit in place, an answer."""

from __future__ import annotations

import datetime as dt

from telegram import Update

from handlers.admins import may_change_shared_progress
from handlers.callbacks import (
    Action,
    AskReset,
    Cancel,
    ConfirmImport,
    ForgetChat,
    Noop,
    PauseReminders,
    RemoveNote,
    ResetRoadmap,
    ResumeReminders,
    SetReminderDay,
    SetReminderHour,
    SetStepState,
    SetUtcOffset,
    ShowCatalog,
    ShowNextStep,
    ShowRoadmap,
    ShowStep,
    ShowTimezones,
    SnoozeReminder,
    decode,
)
from handlers.data import ask_reset, cancel, confirm_import, forget_confirmed, reset_confirmed
from handlers.reminder_views import (
    describe_schedule,
    local_time,
    render_no_reminder,
    render_remind,
    render_timezones,
    with_new_reminder,
)
from handlers.replies import answer, answer_and_show
from handlers.services import Context, Services, services_of, write_presence
from handlers.views import Screen, render_catalog, render_roadmap, render_step
from storage import ReminderStatus, StepState
from storage.schedule import utc_offset_zone

OUT_OF_DATE = "This button is out of date. Send /roadmaps to start again."
ROADMAP_GONE = "That roadmap is no longer available. Here are the ones I have."
STEP_GONE = "That step is no longer in this roadmap. Here is the roadmap as it is now."
STATE_CHANGED = {
    StepState.DONE: "✅ Marked done",
    StepState.SKIPPED: "⏭ Skipped",
    StepState.TODO: "↩️ Undone",
    StepState.WORKING: "🟡 Working on it",
}
FINISHED = "🎉 Roadmap finished!"
SNOOZE = dt.timedelta(hours=24)
# What a group's admins only may tap: resetting, forgetting or importing over shared progress,
# and the Cancel of those questions.
FOR_ADMINS = (AskReset, ResetRoadmap, ForgetChat, ConfirmImport, Cancel)

Result = tuple[Screen | None, str | None]


async def on_button(update: Update, context: Context) -> None:
    """Every tap on an inline button; the query is always answered."""
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    if chat is None:
        await answer(query, "This button only works in the chat it was sent to.")
        return
    action = decode(query.data)
    if isinstance(action, FOR_ADMINS) and not await may_change_shared_progress(update, context):
        return
    screen, note = await perform(action, chat.id, services_of(context), context.bot.username)
    if screen is None:
        await answer(query, note)
        return
    await answer_and_show(update, query, note, screen)


async def perform(action: Action | None, chat_id: int, services: Services, bot_username: str | None = None) -> Result:
    """Carry out what a button asks for this chat; return the screen to show and a short note."""
    match action:
        case None:
            return None, OUT_OF_DATE
        case Noop():
            return None, None
        case ShowCatalog():
            return await _catalog(chat_id, services), None
        case ShowRoadmap() | ShowNextStep() | ShowStep() | SetStepState() | RemoveNote():
            return await _on_roadmap(action, chat_id, services, bot_username)
        case AskReset(roadmap_id):
            return ask_reset(services, roadmap_id), None
        case ResetRoadmap(roadmap_id):
            return await reset_confirmed(chat_id, services, roadmap_id)
        case ForgetChat():
            return await forget_confirmed(chat_id, services)
        case ConfirmImport():
            return await confirm_import(chat_id, services)
        case Cancel():
            return await cancel(chat_id, services)
        case _:
            return await _on_reminder(action, chat_id, services)


async def _catalog(chat_id: int, services: Services) -> Screen:
    progresses = await services.storage.progress_of_chat(chat_id)
    return render_catalog(services.catalog, {p.roadmap_id: p for p in progresses})


async def _on_roadmap(
    action: ShowRoadmap | ShowNextStep | ShowStep | SetStepState | RemoveNote,
    chat_id: int,
    services: Services,
    bot_username: str | None,
) -> Result:
    """Buttons about a roadmap and its steps; ids that no longer exist get the current view."""
    storage, now = services.storage, services.clock()
    roadmap = services.catalog.get(action.roadmap_id)
    if roadmap is None:
        return await _catalog(chat_id, services), ROADMAP_GONE
    step = roadmap.step(action.step_id) if isinstance(action, ShowStep | SetStepState | RemoveNote) else None
    if isinstance(action, ShowStep | SetStepState | RemoveNote) and step is None:
        progress = await storage.progress_of(chat_id, roadmap.id)
        return render_roadmap(roadmap, progress, bot_username=bot_username), STEP_GONE
    if isinstance(action, RemoveNote):
        assert step is not None
        progress = await storage.set_note(chat_id, roadmap.id, step, None, now)
        return render_step(roadmap, step, progress), "🗑 Note removed"
    if isinstance(action, SetStepState):
        assert step is not None
        changed = await storage.set_step_state(chat_id, roadmap.id, step, action.state, now)
        finished = changed.after.is_finished(roadmap) and not changed.before.is_finished(roadmap)
        note = FINISHED if finished else STATE_CHANGED[action.state]
        return render_step(roadmap, step, changed.after, celebrate=finished), note
    if isinstance(action, ShowStep) or (isinstance(action, ShowRoadmap) and action.page is not None):
        # Moving within a roadmap (another step, another page) only reads.
        progress = await storage.progress_of(chat_id, roadmap.id)
        if step is not None:
            return render_step(roadmap, step, progress), None
        page = action.page if isinstance(action, ShowRoadmap) else None
        return render_roadmap(roadmap, progress, page, bot_username=bot_username), None
    # Opening a roadmap, or its next step, is using it: it becomes the roadmap used last.
    opened = await storage.open_roadmap(chat_id, roadmap.id, now)
    progress = opened.progress
    step = progress.next_step(roadmap)
    if isinstance(action, ShowNextStep) and step is not None:
        return with_new_reminder(render_step(roadmap, step, progress), opened.new_reminder), None
    view = render_roadmap(roadmap, progress, bot_username=bot_username)
    return with_new_reminder(view, opened.new_reminder), None


async def _on_reminder(action: Action, chat_id: int, services: Services) -> Result:
    """Buttons of /remind and of a nudge."""
    storage, now = services.storage, services.clock()
    await write_presence(services, chat_id)
    change = storage.change_reminder
    note: str | None = None
    match action:
        case SetReminderDay(weekday):
            reminder = await change(chat_id, now, weekday=weekday)
        case SetReminderHour(hour):
            reminder = await change(chat_id, now, hour=hour)
        case SetUtcOffset(hours):
            reminder = await change(chat_id, now, timezone=utc_offset_zone(hours))
        case PauseReminders():
            reminder, note = await change(chat_id, now, status=ReminderStatus.PAUSED), "🔕 Reminders paused"
        case ResumeReminders():
            reminder, note = await change(chat_id, now, status=ReminderStatus.ACTIVE), "⏰ Reminders on"
        case SnoozeReminder():
            reminder = await change(chat_id, now, status=ReminderStatus.ACTIVE, due_at=now + SNOOZE)
            if reminder is not None and reminder.due_at is not None:
                return None, f"⏰ I'll remind you again {local_time(reminder.due_at, reminder.timezone)}."
        case _:
            reminder = await storage.reminder_of(chat_id)
    if reminder is None:
        return render_no_reminder(), None
    if isinstance(action, ShowTimezones):
        return render_timezones(reminder), None
    if isinstance(action, SetReminderDay | SetReminderHour | SetUtcOffset):
        note = f"⏰ Now {describe_schedule(reminder)}"
    return render_remind(reminder), note
