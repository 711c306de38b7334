"""The reminder: /remind, /timezone, a shared location, and the buttons of their screens and of a
nudge (put it off, stop reminders)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from handlers.actions import (
    AskLocation,
    ChooseSchedule,
    PauseReminders,
    ResumeReminders,
    SetNamedZone,
    SetReminderHour,
    SetStepState,
    SetUtcOffset,
    SetZone,
    ShowReminder,
    ShowSnoozeChoices,
    ShowTimezones,
    SnoozeReminder,
    ToggleReminderDay,
)
from handlers.announcement_views import with_announcements_off
from handlers.callback_data import decode
from handlers.context import BotContext, Services, chat_id_of
from handlers.first_reminder_views import render_first_reminder_question, render_schedule_chosen
from handlers.nudge_views import nudge_buttons, with_snooze_choices
from handlers.reminder_views import (
    HALF_HOUR_ZONES,
    RemindOptions,
    keep_one_day,
    paused,
    render_ask_location,
    render_location_unknown,
    render_location_zone,
    render_no_reminder,
    render_not_now,
    render_remind,
    render_schedule_moved,
    render_snoozed,
    render_timezones,
    render_unknown_timezone,
    resumed,
)
from handlers.replies import answer, answer_tap, edit_buttons, reply, send_unread, show
from handlers.screens import Screen
from handlers.zone_views import render_zone_choices, render_zone_guess, render_zone_kept
from progress import Reminder, ReminderStatus
from progress.schedule import DEFAULT_TIMEZONE, evening_passed, snoozed_until, utc_offset_zone, zone_at
from progress.typed_zones import Choices, Guess, ZoneFound, typed_zone

MAX_TYPED_ZONE = 100  # characters: longer is no place's name
# The buttons this feature answers.
BUTTONS = (
    ShowReminder,
    ShowTimezones,
    ToggleReminderDay,
    SetReminderHour,
    SetUtcOffset,
    SetNamedZone,
    SetZone,
    ChooseSchedule,
    AskLocation,
    PauseReminders,
    ResumeReminders,
    ShowSnoozeChoices,
    SnoozeReminder,
)

log = logging.getLogger(__name__)


async def remind(update: Update, context: BotContext) -> None:
    """/remind: the reminder's schedule, with buttons to change, snooze or pause it."""
    services, chat_id = context.services, chat_id_of(update)
    reminder = await present_reminder(chat_id, services)
    screen = await remind_screen(reminder, services) if reminder else render_no_reminder()
    if not await services.storage.announcements.wants(chat_id):
        screen = with_announcements_off(screen)
    await show(update, screen)


async def set_timezone(update: Update, context: BotContext) -> None:
    """/timezone <zone, city or offset>: reminders follow it (kept for the first one when none is
    on yet); without one, the zone buttons. A name several zones share asks which; a near miss asks
    whether it meant a place."""
    services, chat_id = context.services, chat_id_of(update)
    reminder = await present_reminder(chat_id, services)
    if not context.args:
        await show(
            update,
            render_timezones(reminder, can_share_location=in_private(update)) if reminder else render_no_reminder(),
        )
        return
    name = " ".join(context.args)
    # The gazetteer is read on the first name that needs it: off the event loop.
    found = await asyncio.to_thread(typed_zone, name) if len(name) <= MAX_TYPED_ZONE else None
    match found:
        case ZoneFound(zone=zone):
            await show(update, await zone_set(chat_id, zone, services))
        case Choices():
            await show(update, render_zone_choices(found))
        case Guess():
            await show(update, render_zone_guess(found))
        case _:
            await reply(update, render_unknown_timezone(name))


async def zone_set(chat_id: int, zone: str, services: Services) -> Screen:
    """Keep the zone the chat told; the reminder's screen after, or what the zone is kept for."""
    reminder = await services.storage.reminders.set_zone(chat_id, zone, services.clock())
    return await remind_screen(reminder, services) if reminder else render_zone_kept(zone)


async def shared_location(update: Update, context: BotContext) -> None:
    """A location shared in a private chat: reminders follow the time zone it is in."""
    message, services, chat_id = update.effective_message, context.services, chat_id_of(update)
    if message is None or message.location is None:
        return
    zone = zone_at(message.location.latitude, message.location.longitude)
    if zone is None:
        await show(update, render_location_unknown())
        return
    await services.presence.write(chat_id)
    screen = await zone_set(chat_id, zone, services)
    await show(update, render_location_zone(zone))
    await show(update, screen)


async def not_now(update: Update, context: BotContext) -> None:
    """ "Not now" under the location keyboard: it goes away, nothing changes."""
    await show(update, render_not_now())


async def on_reminder_button(update: Update, context: BotContext) -> None:
    """A tap on /remind's screens or on a nudge's reminder buttons; the screen is edited in place."""
    query = update.callback_query
    assert query is not None
    action = decode(query.data)
    services, chat_id = context.services, chat_id_of(update)
    reminder = await present_reminder(chat_id, services)
    if reminder is None:
        kept = isinstance(action, SetZone)  # a place picked before any reminder: kept for the first one
        await answer_tap(update, await zone_set(chat_id, action.zone, services) if kept else render_no_reminder(), None)
        return
    match action:
        case ShowSnoozeChoices():
            late = evening_passed(services.clock(), reminder.timezone)
            await on_the_nudge(update, functools.partial(with_snooze_choices, evening_passed=late))
        case AskLocation():
            await answer(query)
            if in_private(update):  # Telegram asks for a location in private chats only
                await show(update, render_ask_location())
        case ShowReminder():
            await answer_tap(update, await remind_screen(reminder, services), None)
        case ShowTimezones():
            await answer_tap(update, render_timezones(reminder, can_share_location=in_private(update)), None)
        case _:
            changed, note = await change(action, reminder, services)
            if isinstance(action, SnoozeReminder) and is_a_nudge(query.message):
                await on_the_nudge(update, nudge_buttons, note)
            elif isinstance(action, ChooseSchedule) and changed is not None:
                await answer_tap(update, render_schedule_chosen(changed), note)
            else:
                await answer_tap(
                    update, await remind_screen(changed, services) if changed else render_no_reminder(), note
                )


async def change(action: object, reminder: Reminder, services: Services) -> tuple[Reminder | None, str | None]:
    """Carry out a button that changes the reminder; the changed reminder and the toast."""
    change_reminder, chat_id, now = services.storage.reminders.change_reminder, reminder.chat_id, services.clock()
    match action:
        case ToggleReminderDay(weekday):
            days = reminder.weekdays ^ {weekday}
            if not days:
                return reminder, keep_one_day()
            changed = await change_reminder(chat_id, now, weekdays=days)
        case SetReminderHour(hour):
            changed = await change_reminder(chat_id, now, hour=hour)
        case SetUtcOffset(hours):
            changed = await services.storage.reminders.set_zone(chat_id, utc_offset_zone(hours * 60), now)
        case SetNamedZone(index) if index < len(HALF_HOUR_ZONES):
            changed = await services.storage.reminders.set_zone(chat_id, HALF_HOUR_ZONES[index][1], now)
        case SetZone(zone):
            changed = await services.storage.reminders.set_zone(chat_id, zone, now)
        case ChooseSchedule(weekday, hour):
            days, active = frozenset({weekday}), ReminderStatus.ACTIVE
            changed = await change_reminder(chat_id, now, weekdays=days, hour=hour, status=active, first=True)
        case PauseReminders():
            return await change_reminder(chat_id, now, status=ReminderStatus.PAUSED), paused()
        case ResumeReminders():
            return await change_reminder(chat_id, now, status=ReminderStatus.ACTIVE), resumed()
        case SnoozeReminder(choice):
            until = snoozed_until(choice, now, reminder.timezone, reminder.hour)
            changed = await change_reminder(chat_id, now, status=ReminderStatus.ACTIVE, due_at=until)
            return changed, render_snoozed(changed) if changed else None
        case _:
            return reminder, None
    return changed, render_schedule_moved(changed) if changed else None


def first_row(message: object) -> list[InlineKeyboardButton]:
    """The first row of a message's buttons (a nudge's: its step's Mark done and Open)."""
    markup = message.reply_markup if isinstance(message, Message) else None
    return list(markup.inline_keyboard[0]) if markup is not None and markup.inline_keyboard else []


def is_a_nudge(message: object) -> bool:
    """Whether a message is a nudge: its first button marks a step (the /remind screen's do not),
    and a button of it puts reminders off or stops them (a step card's do not)."""
    row = first_row(message)
    data = row[0].callback_data if row else None
    if not isinstance(decode(data if isinstance(data, str) else None), SetStepState):
        return False
    markup = getattr(message, "reply_markup", None)
    rows = getattr(markup, "inline_keyboard", ()) or ()
    actions = [decode(b.callback_data) for r in rows for b in r if isinstance(b.callback_data, str)]
    return any(isinstance(action, ShowSnoozeChoices | SnoozeReminder | PauseReminders) for action in actions)


async def on_the_nudge(
    update: Update, buttons: Callable[[list[InlineKeyboardButton]], InlineKeyboardMarkup], note: str | None = None
) -> None:
    """Change a nudge's buttons below its step row (its text stays), and answer the tap."""
    query = update.callback_query
    assert query is not None
    if row := first_row(query.message):
        await edit_buttons(update, buttons(row))
    await answer(query, note)


async def remind_screen(reminder: Reminder, services: Services) -> Screen:
    """/remind's screen as things stand: whether a nudge has a step to point to, and the time of day."""
    place = await services.storage.progress.place_of(reminder.chat_id, services.catalog)
    nothing_left = bool(place.started) and place.next is None
    late = evening_passed(services.clock(), reminder.timezone)
    return render_remind(reminder, RemindOptions(nothing_left=nothing_left, evening_passed=late))


async def present_reminder(chat_id: int, services: Services) -> Reminder | None:
    """The chat's reminder, after writing down that the chat is here: a screen about reminders
    must show them back on if the chat's presence just woke them."""
    await services.presence.write(chat_id)
    return await services.storage.reminders.reminder_of(chat_id)


def in_private(update: Update) -> bool:
    """Whether the update comes from a private chat (where a location can be shared)."""
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def ask_when(bot: Bot, chat_id: int, reminder: Reminder) -> None:
    """The first reminder's question as a message of its own, in the language being spoken: after a
    first mark made on the page, which has no chat message to follow."""
    question = render_first_reminder_question(reminder, zone_told=reminder.timezone != DEFAULT_TIMEZONE)
    try:
        await send_unread(bot, chat_id, question)
    except TelegramError as error:  # the mark is kept; /remind still shows and changes the reminder
        log.warning("could not ask chat %s when to remind it: %s", chat_id, error)
