"""The reminder's settings (/remind, /timezone, a shared location), the ways to put a nudge off,
and the short answers their buttons get. Pure functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from handlers.actions import (
    AskLocation,
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
from i18n.catalogs import N_, _, pgettext
from i18n.formats import count, list_of, time_of_day, weekday_and_time, weekday_name
from progress import Reminder, ReminderStatus
from progress.schedule import zone, zone_label

HOUR_PRESETS = (7, 9, 12, 18, 20)
# Zones a whole-hour offset cannot stand for, named as people know them; they follow daylight saving.
HALF_HOUR_ZONES = (
    # Translators: places on buttons of the time-zone screen, each beside its UTC offset.
    (N_("India"), "Asia/Kolkata"),
    (N_("Iran"), "Asia/Tehran"),
    (N_("Nepal"), "Asia/Kathmandu"),
    (N_("Newfoundland"), "America/St_Johns"),
    (N_("Adelaide"), "Australia/Adelaide"),
)
assert len(HALF_HOUR_ZONES) <= NAMED_ZONES
# The ways to put a nudge off: a button's label (said through `_()`) and its choice.
SNOOZES = (
    # Translators: a button that puts the next reminder off by an hour; keep it short.
    (N_("1 hour"), "hour"),
    # Translators: a button that puts the next reminder off until this evening; keep it short.
    (N_("This evening"), "evening"),
    # Translators: a button that puts the next reminder off until tomorrow; keep it short.
    (N_("Tomorrow"), "tomorrow"),
    # Translators: a button that puts the next reminder off until next week; keep it short.
    (N_("Next week"), "week"),
)
# Translators: a button that puts the next reminder off until tomorrow evening (offered from 18:00
# on, in place of "This evening"); keep it short.
TOMORROW_EVENING = N_("Tomorrow evening")


def not_now_label() -> str:
    """The location keyboard's way out (its handler's filter matches it in every language)."""
    # Translators: a button under the keyboard that asks for a location; keep it short.
    return _("✖️ Not now")


def paused() -> str:
    """The toast after 🔕 Pause reminders."""
    return _("🔕 Reminders paused")


def resumed() -> str:
    """The toast after ▶️ Resume."""
    return _("⏰ Reminders on")


def keep_one_day() -> str:
    """The toast when the last chosen day is tapped off."""
    return _("Keep at least one day (or pause reminders)")


def every_weekday(day: int) -> str:
    """A weekday (Monday 0) as "every %(days)s at …" names it, which is not always the calendar's
    name: Russian says "по пятницам в 09:00" (on Fridays), not "пятница в 09:00" (Friday)."""
    # Translators: a weekday in "every %(days)s at %(time)s": as your language says "every
    # <weekday>" in that sentence (Russian "по понедельникам"; several are listed with "and").
    names = (
        pgettext("every", "Monday"),
        pgettext("every", "Tuesday"),
        pgettext("every", "Wednesday"),
        pgettext("every", "Thursday"),
        pgettext("every", "Friday"),
        pgettext("every", "Saturday"),
        pgettext("every", "Sunday"),
    )
    return names[day]


def describe_schedule(reminder: Reminder) -> str:
    """`every Friday at 09:00 (UTC)`, `every Monday and Thursday at 18:00 (Europe/Berlin)`."""
    values = {"time": time_of_day(reminder.hour), "zone": escape(zone_label(reminder.timezone))}
    if len(reminder.weekdays) == 7:
        # Translators: when reminders come; %(time)s is an hour such as 09:00, %(zone)s a time zone
        # such as UTC+3 or Europe/Berlin. It follows "I'll nudge you…", "Reminders are on,", "Now".
        return _("every day at %(time)s (%(zone)s)") % values
    days = list_of([every_weekday(day) for day in sorted(reminder.weekdays)])
    # Translators: when reminders come; %(days)s lists weekdays by name ("Monday and Thursday"),
    # %(time)s is an hour such as 09:00, %(zone)s a time zone such as UTC+3 or Europe/Berlin.
    return _("every %(days)s at %(time)s (%(zone)s)") % {"days": days, **values}


def local_time(moment: dt.datetime, timezone: str) -> str:
    """`Fri 4 Dec, 09:00` in the chat's own time zone."""
    return weekday_and_time(moment.astimezone(zone(timezone)))


def all_roadmaps_button() -> InlineKeyboardButton:
    """The way to the catalog."""
    # Translators: a button; keep it short.
    return button(_("📚 All roadmaps"), ShowCatalog())


def render_no_reminder() -> Screen:
    """/remind before any roadmap was started."""
    text = _("⏰ Reminders start when you mark your first step. Pick a roadmap:")
    return Screen(text, keyboard([[all_roadmaps_button()]]))


def reminder_state(reminder: Reminder, active: bool, nothing_left: bool = False) -> str:
    """The first lines of /remind: whether reminders are on, when they come, and the next one (none
    while every roadmap the chat started is covered: a nudge would have nothing to point to)."""
    schedule = describe_schedule(reminder)
    if active and nothing_left:
        # Translators: /remind when every roadmap the chat started is done or skipped; %(schedule)s
        # is when reminders come ("every Friday at 09:00 (UTC)"). Keep /roadmaps as it is.
        text = _(
            "⏰ <b>Reminders</b> are on, %(schedule)s, but every roadmap you started is done, so no nudge "
            "comes until there is a next step: start another one with /roadmaps."
        )
        return text % {"schedule": schedule}
    if active and reminder.due_at is not None:
        # Translators: %(schedule)s is when reminders come ("every Friday at 09:00 (UTC)"),
        # %(next)s the next one's day and time ("Fri 4 Dec, 09:00").
        text = _("⏰ <b>Reminders</b> are on, %(schedule)s.\nNext: %(next)s.")
        return text % {"schedule": schedule, "next": local_time(reminder.due_at, reminder.timezone)}
    # Translators: %(schedule)s is when reminders come ("every Friday at 09:00 (UTC)").
    return _("⏰ <b>Reminders</b> are paused. When on, they come %(schedule)s.") % {"schedule": schedule}


@dataclass(frozen=True, slots=True)
class RemindOptions:
    """What /remind's screen says beyond the reminder: whether any step is left to nudge toward,
    and whether it is too late today for "this evening"."""

    nothing_left: bool = False
    evening_passed: bool = False


def render_remind(reminder: Reminder, options: RemindOptions = RemindOptions()) -> Screen:
    """/remind: the schedule, and buttons for the days, the hour, the time zone, a snooze, a pause."""
    active = reminder.status is ReminderStatus.ACTIVE and reminder.due_at is not None
    text = reminder_state(reminder, active, options.nothing_left) + "\n\n"
    text += _(
        "Tap days to choose them (one or more) and an hour to move them, in your time zone. "
        "A new time zone keeps the days and the hour."
    )
    days = [
        button(("• " if day in reminder.weekdays else "") + weekday_name(day, "short"), ToggleReminderDay(day))
        for day in range(7)
    ]
    one = {"hours": count(1)}
    hours = [  # the hour itself is in the text above: a button would only repeat it
        # Translators: a button that moves reminders an hour earlier; %(hours)s is 1. Keep it short.
        button(_("−%(hours)sh") % one, SetReminderHour((reminder.hour - 1) % 24)),
        # Translators: a button that moves reminders an hour later; %(hours)s is 1. Keep it short.
        button(_("+%(hours)sh") % one, SetReminderHour((reminder.hour + 1) % 24)),
    ]
    presets = [button(time_of_day(hour), SetReminderHour(hour)) for hour in HOUR_PRESETS if hour != reminder.hour]
    # Translators: a button; %(zone)s is a time zone such as UTC+3 or Europe/Berlin.
    zone_row = [button(_("🌍 Time zone: %(zone)s") % {"zone": zone_label(reminder.timezone)}, ShowTimezones())]
    snoozes = snooze_labels(options.evening_passed)
    later = [button("⏰ " + label, SnoozeReminder(choice)) for label, choice in snoozes] if active else []
    later = [] if options.nothing_left else later
    switch = (
        # Translators: a button; keep it short.
        button(_("🔕 Pause reminders"), PauseReminders())
        if active
        # Translators: a button that turns paused reminders back on; keep it short.
        else button(_("▶️ Resume"), ResumeReminders())
    )
    return Screen(text, keyboard([days[:4], days[4:], hours, presets, zone_row, later[:2], later[2:], [switch]]))


def render_timezones(reminder: Reminder, *, can_share_location: bool) -> Screen:
    """Every whole-hour offset, the half-hour zones by name, the chat's location, and how to type one."""
    # Translators: %(zone)s is a time zone such as UTC+3 or Europe/Berlin. Keep the /timezone
    # examples as they are (the command takes English zone and city names).
    text = _(
        "🌍 Your time zone is <b>%(zone)s</b>.\n\n"
        "Pick an offset or a place below, share your location, or type one: "
        "<code>/timezone Europe/Berlin</code>, <code>/timezone New York</code>, "
        "<code>/timezone UTC+5:30</code>. A named zone follows daylight saving, an offset does not."
    ) % {"zone": escape(zone_label(reminder.timezone))}
    offsets = [button("UTC" if hours == 0 else f"UTC{hours:+d}", SetUtcOffset(hours)) for hours in UTC_OFFSETS]
    rows: list[list[InlineKeyboardButton]] = [offsets[i : i + 5] for i in range(0, len(offsets), 5)]
    named = [
        button(f"{_(place)} {zone_label_at(name)}", SetNamedZone(i)) for i, (place, name) in enumerate(HALF_HOUR_ZONES)
    ]
    rows += [named[i : i + 2] for i in range(0, len(named), 2)]
    if can_share_location:
        # Translators: a button; keep it short.
        rows.append([button(_("📍 Use my location"), AskLocation())])
    # Translators: a button back to the reminder's screen; keep it short.
    return Screen(text, keyboard([*rows, [button(_("◀ Back"), ShowReminder())]]))


def zone_label_at(name: str) -> str:
    """A named zone's offset now, as a label: `UTC+5:30`."""
    offset = dt.datetime.now(zone(name)).utcoffset() or dt.timedelta(0)
    minutes = offset // dt.timedelta(minutes=1)
    sign, minutes = ("−" if minutes < 0 else "+"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def render_ask_location() -> Screen:
    """A keyboard with one button that shares the chat's location (private chats only)."""
    # Translators: a button that shares the person's location; keep it short.
    send = KeyboardButton(_("📍 Send my location"), request_location=True)
    markup = ReplyKeyboardMarkup(
        [[send], [KeyboardButton(not_now_label())]], one_time_keyboard=True, resize_keyboard=True
    )
    text = _(
        "📍 Tap the button below to share your location once: I only look up its time zone, and keep nothing else."
    )
    return Screen(text, markup)


def render_location_zone(name: str) -> Screen:
    """The answer to a shared location: the zone it is in (the location keyboard goes away)."""
    # Translators: %(zone)s is a time zone such as Europe/Berlin.
    text = _("🌍 Your time zone is now <b>%(zone)s</b>.") % {"zone": escape(zone_label(name))}
    return Screen(text, ReplyKeyboardRemove())


def render_location_unknown() -> Screen:
    """A shared location no time zone covers (the middle of an ocean)."""
    return Screen(_("I could not find a time zone there. Pick one with /timezone."), ReplyKeyboardRemove())


def render_not_now() -> Screen:
    """The answer to "Not now": the location keyboard goes away."""
    return Screen(_("Fine: nothing changed. /timezone sets a zone by name."), ReplyKeyboardRemove())


def render_unknown_timezone(name: str) -> str:
    """The answer to /timezone with a name, place or offset no zone matches."""
    # Translators: %(name)s is what the person typed after /timezone. Keep the /timezone examples
    # as they are (the command takes English zone and city names).
    text = _(
        "I don't know the time zone “%(name)s”. Send a zone, a city or an offset, such as "
        "/timezone Europe/Berlin, /timezone New York or /timezone UTC+5:30, or pick one with /remind."
    )
    return text % {"name": quoted(name)}


def render_schedule_moved(reminder: Reminder) -> str:
    """The toast after a day, hour or zone button."""
    # Translators: a toast; %(schedule)s is when reminders come ("every Friday at 09:00 (UTC)").
    return _("⏰ Now %(schedule)s") % {"schedule": describe_schedule(reminder)}


def render_snoozed(reminder: Reminder) -> str:
    """The toast after a snooze: when the next nudge comes."""
    assert reminder.due_at is not None, "a snoozed reminder is active"
    # Translators: a toast; %(when)s is a day and time such as "Fri 4 Dec, 09:00".
    return _("⏰ I'll remind you again %(when)s.") % {"when": local_time(reminder.due_at, reminder.timezone)}


def snooze_labels(evening_passed: bool) -> list[tuple[str, str]]:
    """The ways to put a nudge off, each its label (in the language spoken) and choice; from 18:00
    on the evening one says that it means tomorrow's."""
    return [
        (_(TOMORROW_EVENING) if choice == "evening" and evening_passed else _(label), choice)
        for label, choice in SNOOZES
    ]


def snooze_buttons(evening_passed: bool = False) -> list[list[InlineKeyboardButton]]:
    """The ways to put a nudge off, two a row."""
    choices = [button(label, SnoozeReminder(choice)) for label, choice in snooze_labels(evening_passed)]
    return [choices[:2], choices[2:]]
