"""The weekly reminder: /remind, /timezone, and the buttons of their screens and of a nudge."""

from __future__ import annotations

import datetime as dt

from telegram import Update

from handlers.callback_data import (
    PauseReminders,
    ResumeReminders,
    SetReminderDay,
    SetReminderHour,
    SetUtcOffset,
    ShowReminder,
    ShowTimezones,
    SnoozeReminder,
    decode,
)
from handlers.context import BotContext, Services, chat_id_of
from handlers.reminder_views import (
    PAUSED,
    RESUMED,
    render_no_reminder,
    render_remind,
    render_schedule_moved,
    render_snoozed,
    render_timezones,
    render_unknown_timezone,
)
from handlers.replies import answer_tap, reply, show
from handlers.screens import Screen
from storage import Reminder, ReminderStatus
from storage.schedule import canonical_timezone, utc_offset_zone

# The buttons this feature answers.
BUTTONS = (
    ShowReminder,
    ShowTimezones,
    SetReminderDay,
    SetReminderHour,
    SetUtcOffset,
    PauseReminders,
    ResumeReminders,
    SnoozeReminder,
)
SNOOZE = dt.timedelta(hours=24)


async def remind(update: Update, context: BotContext) -> None:
    """/remind: the weekly reminder's schedule, with buttons to change or pause it."""
    reminder = await present_reminder(chat_id_of(update), context.services)
    await show(update, render_remind(reminder) if reminder else render_no_reminder())


async def set_timezone(update: Update, context: BotContext) -> None:
    """/timezone <IANA name>: reminders follow that zone; without a name, the offset buttons."""
    services, chat_id = context.services, chat_id_of(update)
    reminder = await present_reminder(chat_id, services)
    if reminder is None:
        await show(update, render_no_reminder())
        return
    if not context.args:
        await show(update, render_timezones(reminder))
        return
    name = " ".join(context.args)
    zone = canonical_timezone(name)
    if zone is None:
        await reply(update, render_unknown_timezone(name))
        return
    reminder = await services.storage.reminders.change_reminder(chat_id, services.clock(), timezone=zone)
    await show(update, render_remind(reminder) if reminder else render_no_reminder())


async def on_reminder_button(update: Update, context: BotContext) -> None:
    """A tap on /remind's screens or on a nudge's reminder buttons; the screen is edited in place."""
    assert update.callback_query is not None
    action = decode(update.callback_query.data)
    services, chat_id = context.services, chat_id_of(update)
    reminder = await present_reminder(chat_id, services)
    note: str | None = None
    if reminder is not None and not isinstance(action, ShowReminder | ShowTimezones):
        reminder, note = await change(action, reminder, services)
    if reminder is None:
        screen: Screen | None = render_no_reminder()
    elif isinstance(action, SnoozeReminder):
        screen = None  # the nudge stays as it is; the toast says when it comes again
    elif isinstance(action, ShowTimezones):
        screen = render_timezones(reminder)
    else:
        screen = render_remind(reminder)
    await answer_tap(update, screen, note)


async def change(action: object, reminder: Reminder, services: Services) -> tuple[Reminder | None, str | None]:
    """Carry out a button that changes the reminder; the changed reminder and the toast."""
    change_reminder, chat_id, now = services.storage.reminders.change_reminder, reminder.chat_id, services.clock()
    match action:
        case SetReminderDay(weekday):
            changed = await change_reminder(chat_id, now, weekday=weekday)
        case SetReminderHour(hour):
            changed = await change_reminder(chat_id, now, hour=hour)
        case SetUtcOffset(hours):
            changed = await change_reminder(chat_id, now, timezone=utc_offset_zone(hours))
        case PauseReminders():
            return await change_reminder(chat_id, now, status=ReminderStatus.PAUSED), PAUSED
        case ResumeReminders():
            return await change_reminder(chat_id, now, status=ReminderStatus.ACTIVE), RESUMED
        case SnoozeReminder():
            changed = await change_reminder(chat_id, now, status=ReminderStatus.ACTIVE, due_at=now + SNOOZE)
            return changed, render_snoozed(changed) if changed else None
        case _:
            raise AssertionError(f"not a reminder change: {action!r}")
    return changed, render_schedule_moved(changed) if changed else None


async def present_reminder(chat_id: int, services: Services) -> Reminder | None:
    """The chat's reminder, after writing down that the chat is here: a screen about reminders
    must show them back on if the chat's presence just woke them."""
    await services.presence.write(chat_id)
    return await services.storage.reminders.reminder_of(chat_id)
