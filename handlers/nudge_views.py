"""The weekly nudge: the next step of the roadmap in focus, what happened lately, one-tap buttons.
Pure functions, in the language being spoken (the chat's: a nudge has no update to read it from)."""

from __future__ import annotations

import datetime as dt
import functools
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.actions import PauseReminders, SetStepState, ShowSnoozeChoices, ShowStep
from handlers.line_views import pace_line, progress_block, progress_line, separated, streak_line
from handlers.reminder_views import snooze_buttons
from handlers.screens import Screen, button, keyboard, shared_keyboard
from i18n.catalogs import _, language, ngettext
from i18n.formats import count
from progress import Momentum, StepState
from progress.nudges import NudgePlan, WelcomePlan


def render_nudge(plan: NudgePlan, momentum: Momentum, now: dt.datetime) -> Screen:
    """The nudge: the next step of the roadmap in focus, what happened since the last one, one-tap buttons."""
    roadmap, progress, step, others = plan.roadmap, plan.progress, plan.step, plan.others
    # Translators: a nudge's first line; %(roadmap)s is the roadmap's title.
    heading = _("⏰ <b>Your next step</b> in %(roadmap)s") % {"roadmap": escape(roadmap.title)}
    # Translators: after the step's title in a nudge, when the learner is working on it.
    on_it = separated("", _("🟡 you are on it")) if progress.state_of(step) is StepState.WORKING else ""
    lines = [
        heading,
        "",
        f"<b>{escape(step.title)}</b>{on_it}",
        escape(step.summary),
        "",
        progress_block(roadmap, progress),
    ]
    lines.append(momentum_line(momentum.done_lately, since_a_nudge=plan.after_a_nudge))
    if streak := streak_line(momentum.streak):
        lines.append(streak)
    if pace := momentum.paces.get(roadmap.id):
        lines.append(pace_line(pace, now.date()))
    if others:
        # Translators: a nudge's heading above the learner's other started roadmaps.
        lines += ["", _("Also in progress:")]
        lines += ["• " + separated(escape(other.title), progress_line(other, p)) for other, p in others]
    if plan.pausing:
        # Translators: the end of the last nudge before reminders pause for a learner who is busy.
        pausing = _(
            "😴 You have been busy lately, so I'll pause these reminders after this one. "
            "Tap a button here or write to me, and they keep coming."
        )
        lines += ["", pausing]
    return Screen("\n".join(lines), nudge_keyboard(roadmap.id, step.id, language()))


def render_welcome_nudge(plan: WelcomePlan) -> Screen:
    """The one nudge of a chat that opened a step card and changed nothing since: that step, and
    the promise that this is the only one."""
    roadmap, step = plan.roadmap, plan.step
    # Translators: a welcome nudge's first line, a few days after the person opened a roadmap and
    # did nothing more; %(roadmap)s is the roadmap's title.
    heading = _("👋 A few days ago you opened <b>%(roadmap)s</b>.") % {"roadmap": escape(roadmap.title)}
    # Translators: the end of the welcome nudge; it is the only one until the person marks a step.
    ending = _("Twenty minutes on this step is a fine start. I won't write again until you mark a step.")
    lines = [heading, "", f"<b>{escape(step.title)}</b>", escape(step.summary), "", ending]
    return Screen("\n".join(lines), welcome_keyboard(roadmap.id, step.id, language()))


@functools.lru_cache(maxsize=1024)
def welcome_keyboard(roadmap_id: str, step_id: str, language: str) -> InlineKeyboardMarkup:
    """A welcome nudge's buttons, in `language` (the one being spoken): open the step, or mark it
    done for one already known; nothing to put off or stop, as nothing else will come."""
    return shared_keyboard([step_buttons(roadmap_id, step_id)])


def momentum_line(done: int, *, since_a_nudge: bool) -> str:
    """How many steps were done since the last nudge (or, with none, in the last seven days)."""
    if done and since_a_nudge:
        # Translators: in a nudge: steps done since the bot's last reminder.
        words = ngettext(
            "✅ %(count)s step done since my last reminder. Keep it going!",
            "✅ %(count)s steps done since my last reminder. Keep it going!",
            done,
        )
    elif done:
        # Translators: in a nudge: steps done in the last seven days.
        words = ngettext(
            "✅ %(count)s step done in the last seven days. Keep it going!",
            "✅ %(count)s steps done in the last seven days. Keep it going!",
            done,
        )
    elif since_a_nudge:
        # Translators: in a nudge, when no step was done since the bot's last reminder.
        return _("No steps done since my last reminder; twenty minutes on this one is a fine start.")
    else:
        # Translators: in a nudge, when no step was done in the last seven days.
        return _("No steps done in the last seven days; twenty minutes on this one is a fine start.")
    return words % {"count": count(done)}


@functools.lru_cache(maxsize=4096)
def nudge_keyboard(roadmap_id: str, step_id: str, language: str) -> InlineKeyboardMarkup:
    """A nudge's buttons; the same for every chat whose next step this is and that speaks
    `language` (the language being spoken: the buttons' words are in it), so built (and turned
    into the Bot API's JSON) once."""
    return shared_keyboard(nudge_rows(step_buttons(roadmap_id, step_id)))


def step_buttons(roadmap_id: str, step_id: str) -> list[InlineKeyboardButton]:
    """A nudge's row for its step: mark it done, or open its card."""
    return [
        # Translators: a nudge's button that marks the step done; keep it short.
        button(_("✅ Mark done"), SetStepState(roadmap_id, step_id, StepState.DONE)),
        # Translators: a nudge's button that opens the step's card; keep it short.
        button(_("📖 Open"), ShowStep(roadmap_id, step_id)),
    ]


def nudge_buttons(step_row: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """A nudge's buttons under its step's row: put it off, or stop reminders."""
    return keyboard(nudge_rows(step_row))


def nudge_rows(step_row: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """The rows of a nudge's buttons: its step's row, then put it off or stop reminders."""
    # Translators: a nudge's button that offers ways to put the reminder off; keep it short.
    later = _("⏰ Later…")
    # Translators: a nudge's button that stops reminders; keep it short.
    stop = _("🔕 Stop reminders")
    return [step_row, [button(later, ShowSnoozeChoices()), button(stop, PauseReminders())]]


def with_snooze_choices(step_row: list[InlineKeyboardButton], *, evening_passed: bool = False) -> InlineKeyboardMarkup:
    """A nudge's buttons after ⏰ Later…: its step's row, then the ways to put it off (from 18:00
    on, the evening's says tomorrow)."""
    return keyboard([step_row, *snooze_buttons(evening_passed)])
