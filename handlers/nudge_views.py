"""The weekly nudge: the next step of the roadmap in focus, what happened lately, one-tap buttons. Pure functions."""

from __future__ import annotations

import datetime as dt
import functools
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.actions import PauseReminders, SetStepState, ShowSnoozeChoices, ShowStep
from handlers.line_views import pace_line, progress_block, progress_line, streak_line
from handlers.reminder_views import snooze_buttons
from handlers.screens import Screen, button, keyboard, shared_keyboard
from progress import Momentum, StepState
from progress.nudges import NudgePlan


def render_nudge(plan: NudgePlan, momentum: Momentum, now: dt.datetime) -> Screen:
    """The nudge: the next step of the roadmap in focus, what happened since the last one, one-tap buttons."""
    roadmap, progress, step, others = plan.roadmap, plan.progress, plan.step, plan.others
    lines = [
        f"⏰ <b>Your next step</b> in {escape(roadmap.title)}",
        "",
        f"<b>{escape(step.title)}</b>"
        + (" · 🟡 you are on it" if progress.state_of(step) is StepState.WORKING else ""),
        escape(step.summary),
        "",
        progress_block(roadmap, progress),
    ]
    since = "since my last reminder" if plan.after_a_nudge else "in the last seven days"
    if done := momentum.done_lately:
        lines.append(f"✅ {done} step{'s' if done != 1 else ''} done {since}. Keep it going!")
    else:
        lines.append(f"No steps done {since}; twenty minutes on this one is a fine start.")
    if streak := streak_line(momentum.streak):
        lines.append(streak)
    if pace := momentum.paces.get(roadmap.id):
        lines.append(pace_line(pace, now.date()))
    if others:
        lines += ["", "Also in progress:"]
        lines += [f"• {escape(other.title)} · {progress_line(other, p)}" for other, p in others]
    if plan.pausing:
        lines += [
            "",
            "😴 You have been busy lately, so I'll pause these reminders after this one. "
            "Tap a button here or write to me, and they keep coming.",
        ]
    return Screen("\n".join(lines), nudge_keyboard(roadmap.id, step.id))


@functools.lru_cache(maxsize=4096)
def nudge_keyboard(roadmap_id: str, step_id: str) -> InlineKeyboardMarkup:
    """A nudge's buttons; the same for every chat whose next step this is, so built (and turned
    into the Bot API's JSON) once."""
    step_row = [
        button("✅ Mark done", SetStepState(roadmap_id, step_id, StepState.DONE)),
        button("📖 Open", ShowStep(roadmap_id, step_id)),
    ]
    return shared_keyboard(nudge_rows(step_row))


def nudge_buttons(step_row: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """A nudge's buttons under its step's row: put it off, or stop reminders."""
    return keyboard(nudge_rows(step_row))


def nudge_rows(step_row: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """The rows of a nudge's buttons: its step's row, then put it off or stop reminders."""
    return [step_row, [button("⏰ Later…", ShowSnoozeChoices()), button("🔕 Stop reminders", PauseReminders())]]


def with_snooze_choices(step_row: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """A nudge's buttons after ⏰ Later…: its step's row, then the ways to put it off."""
    return keyboard([step_row, *snooze_buttons()])
