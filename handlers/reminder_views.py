"""Views for the weekly reminder: its settings (/remind, /timezone) and the nudge itself."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardMarkup

from handlers.callbacks import (
    UTC_OFFSETS,
    Noop,
    PauseReminders,
    ResumeReminders,
    SetReminderDay,
    SetReminderHour,
    SetStepState,
    SetUtcOffset,
    ShowCatalog,
    ShowReminder,
    ShowStep,
    ShowTimezones,
    SnoozeReminder,
)
from handlers.views import Screen, button, keyboard, pace_line, progress_block, progress_line, streak_line
from roadmaps import Roadmap
from storage import Progress, Reminder, ReminderStatus, StepState, pace_of, weekly_streak
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
    shown = name if len(name) <= 64 else name[:63] + "…"
    return (
        f"I don't know the time zone “{escape(shown)}”. Send an IANA name such as "
        "/timezone Europe/Berlin or /timezone America/New_York, or pick an offset with /remind."
    )


def render_nudge(
    roadmap: Roadmap,
    progress: Progress,
    others: Sequence[tuple[Roadmap, Progress]],
    done_lately: int,
    pausing: bool,
    now: dt.datetime,
) -> Screen:
    """The weekly nudge: the next step of the roadmap used last, what happened lately, one-tap buttons."""
    step = progress.next_step(roadmap)
    assert step is not None, "finished roadmaps are never nudged"
    lines = [
        f"⏰ <b>Your next step</b> in {escape(roadmap.title)}",
        "",
        f"<b>{escape(step.title)}</b>"
        + (" · 🟡 you are on it" if progress.state_of(step) is StepState.WORKING else ""),
        escape(step.summary),
        "",
        progress_block(roadmap, progress),
    ]
    if done_lately:
        lines.append(f"✅ {done_lately} step{'s' if done_lately != 1 else ''} done this week. Keep it going!")
    else:
        lines.append("No steps done this week; twenty minutes on this one is a fine start.")
    if streak := streak_line(weekly_streak([progress, *(p for _, p in others)], now)):
        lines.append(streak)
    if pace := pace_of(progress, roadmap, now):
        lines.append(pace_line(pace, now.date()))
    if others:
        lines += ["", "Also in progress:"]
        lines += [f"• {escape(other.title)} · {progress_line(other, p)}" for other, p in others]
    if pausing:
        lines += [
            "",
            "😴 You have been busy lately, so I'll pause these reminders after this one. "
            "Tap a button here or write to me, and they keep coming.",
        ]
    return Screen("\n".join(lines), nudge_keyboard(roadmap.id, step.id))


@functools.lru_cache(maxsize=4096)
def nudge_keyboard(roadmap_id: str, step_id: str) -> InlineKeyboardMarkup:
    """A nudge's buttons; the same for every chat whose next step this is, so built once."""
    return keyboard(
        [
            [
                button("✅ Mark done", SetStepState(roadmap_id, step_id, StepState.DONE)),
                button("📖 Open", ShowStep(roadmap_id, step_id)),
            ],
            [button("⏰ Tomorrow", SnoozeReminder()), button("🔕 Stop reminders", PauseReminders())],
        ]
    )
