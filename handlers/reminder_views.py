"""The reminder's settings (/remind, /timezone, a shared location), the ways to put a nudge off,
and the short answers their buttons get. Pure functions."""

from __future__ import annotations

import datetime as dt
from html import escape

from telegram import InlineKeyboardButton, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from handlers.actions import (
    AskLocation,
    Noop,
    PauseReminders,
    ResumeReminders,
    SetNamedZone,
    SetReminderHour,
    SetUtcOffset,
    ShowCatalog,
    ShowReminder,
    ShowTimezones,
    SnoozeReminder,
    ToggleReminderDay,
)
from handlers.callback_data import NAMED_ZONES, UTC_OFFSETS
from handlers.screens import Screen, button, keyboard, quoted
from i18n.formats import weekday_and_time
from progress import Reminder, ReminderStatus
from progress.schedule import zone, zone_label

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOUR_PRESETS = (7, 9, 12, 18, 20)
# Zones a whole-hour offset cannot stand for, named as people know them; they follow daylight saving.
HALF_HOUR_ZONES = (
    ("India", "Asia/Kolkata"),
    ("Iran", "Asia/Tehran"),
    ("Nepal", "Asia/Kathmandu"),
    ("Newfoundland", "America/St_Johns"),
    ("Adelaide", "Australia/Adelaide"),
)
assert len(HALF_HOUR_ZONES) <= NAMED_ZONES
SNOOZES = (("1 hour", "hour"), ("This evening", "evening"), ("Tomorrow", "tomorrow"), ("Next week", "week"))
SEND_LOCATION = "📍 Send my location"
NOT_NOW = "✖️ Not now"
PAUSED = "🔕 Reminders paused"
RESUMED = "⏰ Reminders on"
KEEP_ONE_DAY = "Keep at least one day (or pause reminders)"


def days_words(days: frozenset[int]) -> str:
    """`Friday`, `Monday and Thursday`, `Monday, Wednesday and Friday`, `day`."""
    if len(days) == 7:
        return "day"
    names = [DAYS[day] for day in sorted(days)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def describe_schedule(reminder: Reminder) -> str:
    """`every Friday at 09:00 (UTC)`."""
    return f"every {days_words(reminder.weekdays)} at {reminder.hour:02d}:00 ({escape(zone_label(reminder.timezone))})"


def local_time(moment: dt.datetime, timezone: str) -> str:
    """`Fri 4 Dec, 09:00` in the chat's own time zone."""
    return weekday_and_time(moment.astimezone(zone(timezone)))


def render_reminder_started(reminder: Reminder) -> str:
    """The line that tells a chat its reminder just turned on."""
    return (
        f"⏰ I'll nudge you toward your next step {describe_schedule(reminder)}, starting next week. "
        "Send /remind to change the days and hour or to stop."
    )


def with_new_reminder(screen: Screen, reminder: Reminder | None) -> Screen:
    """A screen that also says the chat's reminder just turned on, when it did."""
    if reminder is None:
        return screen
    return Screen(f"{screen.text}\n\n{render_reminder_started(reminder)}", screen.keyboard)


def render_no_reminder() -> Screen:
    """/remind before any roadmap was started."""
    return Screen(
        "⏰ Reminders start when you mark your first step. Pick a roadmap:",
        keyboard([[button("📚 All roadmaps", ShowCatalog())]]),
    )


def render_remind(reminder: Reminder) -> Screen:
    """/remind: the schedule, and buttons for the days, the hour, the time zone, a snooze, a pause."""
    active = reminder.status is ReminderStatus.ACTIVE and reminder.due_at is not None
    if active and reminder.due_at is not None:
        state = f"on, {describe_schedule(reminder)}.\nNext: {local_time(reminder.due_at, reminder.timezone)}."
    else:
        state = f"paused. When on, they come {describe_schedule(reminder)}."
    text = (
        f"⏰ <b>Reminders</b> are {state}\n\n"
        "Tap days to choose them (one or more) and an hour to move them, in your time zone. "
        "A new time zone keeps the days and the hour."
    )
    days = [
        button(("• " if number in reminder.weekdays else "") + name[:2], ToggleReminderDay(number))
        for number, name in enumerate(DAYS)
    ]
    hours = [
        button("−1h", SetReminderHour((reminder.hour - 1) % 24)),
        button(f"{reminder.hour:02d}:00", Noop()),
        button("+1h", SetReminderHour((reminder.hour + 1) % 24)),
    ]
    presets = [button(f"{hour:02d}:00", SetReminderHour(hour)) for hour in HOUR_PRESETS if hour != reminder.hour]
    zone_row = [button(f"🌍 Time zone: {zone_label(reminder.timezone)}", ShowTimezones())]
    later = [button(f"⏰ {label}", SnoozeReminder(choice)) for label, choice in SNOOZES] if active else []
    switch = [button("🔕 Pause reminders", PauseReminders())] if active else [button("▶️ Resume", ResumeReminders())]
    return Screen(text, keyboard([days[:4], days[4:], hours, presets, zone_row, later[:2], later[2:], switch]))


def render_timezones(reminder: Reminder, *, can_share_location: bool) -> Screen:
    """Every whole-hour offset, the half-hour zones by name, the chat's location, and how to type one."""
    text = (
        f"🌍 Your time zone is <b>{escape(zone_label(reminder.timezone))}</b>.\n\n"
        "Pick an offset or a place below, share your location, or type one: "
        "<code>/timezone Europe/Berlin</code>, <code>/timezone New York</code>, "
        "<code>/timezone UTC+5:30</code>. A named zone follows daylight saving, an offset does not."
    )
    offsets = [button("UTC" if hours == 0 else f"UTC{hours:+d}", SetUtcOffset(hours)) for hours in UTC_OFFSETS]
    rows: list[list[InlineKeyboardButton]] = [offsets[i : i + 5] for i in range(0, len(offsets), 5)]
    named = [
        button(f"{place} {zone_label_at(name)}", SetNamedZone(i)) for i, (place, name) in enumerate(HALF_HOUR_ZONES)
    ]
    rows += [named[i : i + 2] for i in range(0, len(named), 2)]
    if can_share_location:
        rows.append([button("📍 Use my location", AskLocation())])
    return Screen(text, keyboard([*rows, [button("◀ Back", ShowReminder())]]))


def zone_label_at(name: str) -> str:
    """A named zone's offset now, as a label: `UTC+5:30`."""
    offset = dt.datetime.now(zone(name)).utcoffset() or dt.timedelta(0)
    minutes = offset // dt.timedelta(minutes=1)
    sign, minutes = ("−" if minutes < 0 else "+"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def render_ask_location() -> Screen:
    """A keyboard with one button that shares the chat's location (private chats only)."""
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton(SEND_LOCATION, request_location=True)], [KeyboardButton(NOT_NOW)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )
    text = "📍 Tap the button below to share your location once: I only look up its time zone, and keep nothing else."
    return Screen(text, markup)


def render_location_zone(name: str) -> Screen:
    """The answer to a shared location: the zone it is in (the location keyboard goes away)."""
    return Screen(f"🌍 Your time zone is now <b>{escape(zone_label(name))}</b>.", ReplyKeyboardRemove())


def render_location_unknown() -> Screen:
    """A shared location no time zone covers (the middle of an ocean)."""
    return Screen("I could not find a time zone there. Pick one with /timezone.", ReplyKeyboardRemove())


def render_not_now() -> Screen:
    """The answer to "Not now": the location keyboard goes away."""
    return Screen("Fine: nothing changed. /timezone sets a zone by name.", ReplyKeyboardRemove())


def render_unknown_timezone(name: str) -> str:
    """The answer to /timezone with a name, place or offset no zone matches."""
    return (
        f"I don't know the time zone “{quoted(name)}”. Send a zone, a city or an offset, such as "
        "/timezone Europe/Berlin, /timezone New York or /timezone UTC+5:30, or pick one with /remind."
    )


def render_schedule_moved(reminder: Reminder) -> str:
    """The toast after a day, hour or zone button."""
    return f"⏰ Now {describe_schedule(reminder)}"


def render_snoozed(reminder: Reminder) -> str:
    """The toast after a snooze: when the next nudge comes."""
    assert reminder.due_at is not None, "a snoozed reminder is active"
    return f"⏰ I'll remind you again {local_time(reminder.due_at, reminder.timezone)}."


def snooze_buttons() -> list[list[InlineKeyboardButton]]:
    """The ways to put a nudge off, two a row."""
    choices = [button(label, SnoozeReminder(choice)) for label, choice in SNOOZES]
    return [choices[:2], choices[2:]]
