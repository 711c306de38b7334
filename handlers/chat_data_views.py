"""The chat's own data: what /export, /reset and /forget say, who may do them, and the answers
every question's buttons share (importing says its own: import_views). Pure functions."""

from __future__ import annotations

import datetime as dt
from html import escape

from telegram import InlineKeyboardButton

from handlers.callback_data import AskReset, Cancel, ForgetChat, ResetRoadmap, ShowCatalog
from handlers.screens import Screen, button, keyboard
from i18n.catalogs import _
from roadmaps import Roadmap


def nothing_changed() -> str:
    """The sentence that ends every answer that changed nothing."""
    return _("Nothing was changed.")


def admins_only() -> str:
    """A group's member who is not an admin tried to reset, forget or import."""
    return _("Only this group's admins can do that: it changes the progress the whole group shares.")


def check_failed() -> str:
    """Telegram could not say whether the sender is an admin."""
    return _(
        "I could not check whether you are an admin of this group just now. Nothing was changed; please try again."
    )


def cancelled() -> str:
    """The toast after ✖️ Cancel."""
    return _("Cancelled")


def question_out_of_date() -> str:
    """The toast after a yes to a question asked too long ago, or about things changed since."""
    return _("This question is out of date")


def reset_done() -> str:
    """The toast after ↩️ Yes, reset it."""
    # Translators: a toast: a roadmap was started over.
    return _("↩️ Reset")


def nothing_to_reset() -> str:
    """The toast after a yes to reset a roadmap that had nothing to reset."""
    return _("Nothing to reset")


def forgotten() -> str:
    """The toast after 🧹 Yes, forget it all."""
    # Translators: a toast: everything about the chat was deleted.
    return _("🧹 Forgotten")


def all_roadmaps_button() -> InlineKeyboardButton:
    """The way on to the catalog."""
    # Translators: a button; keep it short.
    return button(_("📚 All roadmaps"), ShowCatalog())


def cancel_button(action: Cancel) -> InlineKeyboardButton:
    """The no of a question."""
    # Translators: a button; keep it short.
    return button(_("✖️ Cancel"), action)


def render_nothing_to_export() -> str:
    """/export before any roadmap was started."""
    return _("Nothing to export yet: open a roadmap first (/roadmaps).")


def export_file_name(now: dt.datetime, extension: str) -> str:
    """`roadmap-progress-2026-11-27.md`: an export's file name, dated."""
    return f"roadmap-progress-{now:%Y-%m-%d}.{extension}"


def markdown_caption() -> str:
    """The caption of the Markdown export."""
    return _("📄 Your progress as a checklist.")


def json_caption() -> str:
    """The caption of the JSON export."""
    return _("💾 The same as JSON: send this file back to me to import it, here or in another chat.")


def render_nothing_changed() -> Screen:
    """The answer to Cancel: nothing changed, and a way on."""
    return Screen(nothing_changed(), keyboard([[all_roadmaps_button()]]))


def render_nothing_to_reset() -> str:
    """/reset before any roadmap was started."""
    return _("You have not started a roadmap, so there is nothing to reset.")


def render_pick_reset(roadmaps: list[Roadmap]) -> Screen:
    """/reset: which roadmap to start over."""
    rows = [[button(f"↩️ {roadmap.title}", AskReset(roadmap.id))] for roadmap in roadmaps]
    rows.append([cancel_button(Cancel())])
    return Screen(_("Which roadmap do you want to start over? Its steps and notes will be cleared."), keyboard(rows))


def render_roadmap_gone() -> Screen:
    """A question about a roadmap the catalog no longer has."""
    gone = _("That roadmap is no longer available.")
    text = f"{gone} {nothing_changed()}"
    return Screen(text, keyboard([[all_roadmaps_button()]]))


def render_ask_reset(roadmap: Roadmap, asked: int, about: str) -> Screen:
    """Are you sure? for one roadmap; the yes names this question."""
    # Translators: %(title)s is a roadmap's title; keep /export as it is.
    text = _(
        "Start <b>%(title)s</b> over? Every step goes back to not started and its notes "
        "are deleted. This cannot be undone (an /export first keeps a copy)."
    ) % {"title": escape(roadmap.title)}
    yes = ResetRoadmap(roadmap.id, asked, about)
    # Translators: a button; keep it short.
    return Screen(text, keyboard([[button(_("↩️ Yes, reset it"), yes), cancel_button(Cancel())]]))


def render_reset(roadmap: Roadmap | None, *, was_started: bool) -> Screen:
    """After a confirmed reset (or one with nothing to reset)."""
    if roadmap is None:
        text = (
            _("↩️ That roadmap is reset: every step is back to not started, and its notes are gone.")
            if was_started
            else _("That roadmap has nothing to reset.")
        )
    elif was_started:
        # Translators: %(title)s is a roadmap's title.
        text = _("↩️ %(title)s is reset: every step is back to not started, and its notes are gone.")
        text %= {"title": escape(roadmap.title)}
    else:
        # Translators: %(title)s is a roadmap's title.
        text = _("%(title)s has nothing to reset.") % {"title": escape(roadmap.title)}
    return Screen(text, keyboard([[all_roadmaps_button()]]))


def render_ask_forget(asked: int, about: str) -> Screen:
    """/forget: asked before deleting everything about the chat; the yes names this question."""
    # Translators: keep /export as it is.
    text = _(
        "Forget everything about this chat? Your progress on every roadmap, your notes and your "
        "reminders are deleted, and I treat this chat as new. This cannot be undone "
        "(an /export first keeps a copy)."
    )
    yes = ForgetChat(asked, about)
    # Translators: a button; keep it short.
    return Screen(text, keyboard([[button(_("🧹 Yes, forget it all"), yes), cancel_button(Cancel())]]))


def render_question_out_of_date() -> Screen:
    """A yes to a question asked too long ago, or about things that have changed since."""
    # Translators: keep /reset and /forget as they are.
    text = _(
        "This question is out of date: it was asked a while ago, or things changed since, so I changed "
        "nothing. Ask again (/reset, /forget, or send the file) if you still want to."
    )
    return Screen(text, keyboard([[all_roadmaps_button()]]))


def render_forgotten() -> Screen:
    """After /forget was confirmed."""
    text = _("🧹 Done: I no longer have anything about this chat. Start afresh whenever you like.")
    return Screen(text, keyboard([[all_roadmaps_button()]]))
