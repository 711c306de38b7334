"""The question a chat's first step marked brings: when to nudge it each week (two suggestions,
pick another time, or none), with its zone asked when it never told one; and the answer to it.
Pure functions."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from handlers.actions import ChooseSchedule, PauseReminders, ShowReminder, ShowTimezones
from handlers.reminder_views import describe_schedule, local_time
from handlers.screens import Screen, button, keyboard
from i18n.catalogs import _
from i18n.formats import time_of_day, weekday_name
from progress import Reminder
from progress.schedule import DEFAULT_TIMEZONE, suggested_slots


def suggestion_label(weekday: int, hour: int, chosen: bool) -> str:
    """A suggested schedule on a button: `Fri 19:00`, marked `•` when it is the one in force."""
    return ("• " if chosen else "") + f"{weekday_name(weekday, 'abbreviated')} {time_of_day(hour)}"


def render_first_reminder_question(reminder: Reminder, zone_told: bool) -> Screen:
    """The question after the first step marked: when to nudge, the reminder on at the first
    suggestion until the person answers; the zone asked when the chat never told one."""
    values = {"schedule": describe_schedule(reminder), "first": local_time(reminder.due_at, reminder.timezone)}
    # Translators: after the first step marked. %(schedule)s is when reminders come ("every Friday
    # at 19:00 (UTC)"), %(first)s the first one's day and time ("Fri 4 Dec, 19:00").
    text = (
        _(
            "⏰ <b>When should I nudge you</b> toward your next step each week? "
            "Until you choose, %(schedule)s, first on %(first)s."
        )
        % values
    )
    if not zone_told:
        # Translators: the end of the first reminder's question when the chat never told its time
        # zone. Keep /timezone as it is; the city may be any city in the person's language.
        text += "\n\n" + _("🌍 Times are in UTC. Not your zone? Tap 🌍 below or send /timezone and your city.")
    reminder_at = {(day, reminder.hour) for day in reminder.weekdays}
    suggested = [
        button(suggestion_label(day, hour, (day, hour) in reminder_at), ChooseSchedule(day, hour))
        for day, hour in suggested_slots(min(reminder.weekdays))
    ]
    rows: list[list[InlineKeyboardButton]] = [
        suggested,
        # Translators: buttons under the first reminder's question; keep them short.
        [button(_("🕐 Pick a time…"), ShowReminder()), button(_("🔕 No reminders"), PauseReminders())],
    ]
    if not zone_told:
        # Translators: a button under the first reminder's question; keep it short.
        rows.append([button(_("🌍 My time zone…"), ShowTimezones())])
    return Screen(text, keyboard(rows))


def render_schedule_chosen(reminder: Reminder) -> Screen:
    """The question answered with a suggestion: when nudges come now, and the first one."""
    assert reminder.due_at is not None, "a chosen schedule is active"
    values = {"schedule": describe_schedule(reminder), "first": local_time(reminder.due_at, reminder.timezone)}
    # Translators: %(schedule)s is when reminders come ("every Saturday at 10:00 (Europe/Berlin)"),
    # %(first)s the first one's day and time. Keep /remind as it is.
    text = _("⏰ Done: I'll nudge you %(schedule)s, first on %(first)s. /remind changes it.") % values
    return Screen(text)


def with_new_reminder(screen: Screen, reminder: Reminder | None) -> Screen:
    """A screen followed by the first reminder's question, when the reminder just turned on (its
    zone asked about while it is UTC: the zone of a chat that never told one)."""
    if reminder is None or reminder.due_at is None:
        return screen
    question = render_first_reminder_question(reminder, zone_told=reminder.timezone != DEFAULT_TIMEZONE)
    return Screen(screen.text, screen.keyboard, then=question)
