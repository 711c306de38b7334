"""The weekly reminder's settings (/remind, /timezone) and the short answers their buttons get. Pure functions."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from html import escape

from handlers.callback_data import (
    UTC_OFFSETS,
    Noop,
    PauseReminders,
    ResumeReminders,
    SetReminderDay,
    SetReminderHour,
    SetUtcOffset,
    ShowCatalog,
    ShowReminder,
    ShowTimezones,
)
from handlers.screens import Screen, button, keyboard, quoted
from storage import Reminder, ReminderStatus
from storage.schedule import zone_label

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOUR_PRESETS = (7, 9, 12, 18, 20)
OFFSET_BUTTONS = (-8, -7, -6, -5, -4, -3, 0, 1, 2, 3, 4, 5, 7, 8, 9, 10)
assert set(OFFSET_BUTTONS) <= set(UTC_OFFSETS)


def describe_schedule(reminder: Reminder) -> str:
    """`every Friday at 09:00 (UTC)`."""
    return f"every {DAYS[reminder.weekday]} at {reminder.hour:02d}:00 ({escape(zone_label(reminder.timezone))})"


def local_time(moment: dt.datetime, timezone: str) -> str:
    """`Fri 4 Dec, 09:00` in the chat's own time zone."""
    return f"{moment.astimezone(zoneinfo.ZoneInfo(timezone)):%a %-d %b, %H:%M}"


def render_reminder_started(reminder: Reminder) -> str:
    """The line that tells a chat its weekly reminder just turned on."""
    return (
        f"⏰ I'll nudge you toward your next step {describe_schedule(reminder)}, starting next week. "
        "Send /remind to change the day and hour or to stop."
    )


def with_new_reminder(screen: Screen, reminder: Reminder | None) -> Screen:
    """A screen that also says the chat's weekly reminder just turned on, when it did."""
    if reminder is None:
        return screen
    return Screen(f"{screen.text}\n\n{render_reminder_started(reminder)}", screen.keyboard)


def render_no_reminder() -> Screen:
    """/remind before any roadmap was started."""
    return Screen(
        "⏰ Weekly reminders start when you open your first roadmap. Pick one:",
        keyboard([[button("📚 All roadmaps", ShowCatalog())]]),
    )


def render_remind(reminder: Reminder) -> Screen:
    """/remind: the schedule, and buttons to change the day, the hour and the time zone, or pause."""
    if reminder.status is ReminderStatus.ACTIVE and reminder.due_at is not None:
        state = f"on, {describe_schedule(reminder)}.\nNext: {local_time(reminder.due_at, reminder.timezone)}."
    else:
        state = f"paused. When on, they come {describe_schedule(reminder)}."
    text = (
        f"⏰ <b>Weekly reminders</b> are {state}\n\n"
        "Tap a day or an hour to move them. Times are in your time zone; "
        "send /timezone Europe/Berlin (any IANA name) to set one that follows daylight saving. "
        "A new time zone keeps the moment; then move the hour if you like."
    )
    days = [
        button(("• " if number == reminder.weekday else "") + name[:2], SetReminderDay(number))
        for number, name in enumerate(DAYS)
    ]
    hours = [
        button("−1h", SetReminderHour((reminder.hour - 1) % 24)),
        button(f"{reminder.hour:02d}:00", Noop()),
        button("+1h", SetReminderHour((reminder.hour + 1) % 24)),
    ]
    presets = [button(f"{hour:02d}:00", SetReminderHour(hour)) for hour in HOUR_PRESETS if hour != reminder.hour]
    zone = [button(f"🌍 Time zone: {zone_label(reminder.timezone)}", ShowTimezones())]
    if reminder.status is ReminderStatus.ACTIVE:
        switch = [button("🔕 Pause reminders", PauseReminders())]
    else:
        switch = [button("▶️ Resume reminders", ResumeReminders())]
    return Screen(text, keyboard([days[:4], days[4:], hours, presets, zone, switch]))


def render_timezones(reminder: Reminder) -> Screen:
    """A few UTC-offset buttons, and how to name a zone that follows daylight saving."""
    text = (
        f"🌍 Your time zone is <b>{escape(zone_label(reminder.timezone))}</b>.\n\n"
        "Pick a UTC offset below, or send /timezone with a name such as "
        "<code>/timezone Europe/Berlin</code> or <code>/timezone America/New_York</code>: "
        "a named zone follows daylight saving, an offset does not."
    )
    offsets = [button("UTC" if hours == 0 else f"UTC{hours:+d}", SetUtcOffset(hours)) for hours in OFFSET_BUTTONS]
    rows = [offsets[i : i + 4] for i in range(0, len(offsets), 4)]
    return Screen(text, keyboard([*rows, [button("◀ Back", ShowReminder())]]))


def render_unknown_timezone(name: str) -> str:
    """The answer to /timezone with a name tzdata does not know."""
    return (
        f"I don't know the time zone “{quoted(name)}”. Send an IANA name such as "
        "/timezone Europe/Berlin or /timezone America/New_York, or pick an offset with /remind."
    )


PAUSED = "🔕 Reminders paused"
RESUMED = "⏰ Reminders on"


def render_schedule_moved(reminder: Reminder) -> str:
    """The toast after a day, hour or zone button."""
    return f"⏰ Now {describe_schedule(reminder)}"


def render_snoozed(reminder: Reminder) -> str:
    """The toast after ⏰ Tomorrow."""
    assert reminder.due_at is not None, "a snoozed reminder is active"
    return f"⏰ I'll remind you again {local_time(reminder.due_at, reminder.timezone)}."
