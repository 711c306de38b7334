"""The short answers a tap on a step card gets (toasts and pop-ups): what changed, and how to
take it back. Pure functions, in the language being spoken."""

from __future__ import annotations

from i18n.catalogs import _
from i18n.formats import count
from i18n.shared_views import counted_here
from progress import DoneElsewhere, StepState
from roadmaps import Roadmap, Step


def state_changed(state: StepState) -> str:
    """What a tap on a state button says, in the toast."""
    if state is StepState.DONE:
        # Translators: a toast after "✅ Mark done" (plain text, short).
        return _("✅ Marked done")
    if state is StepState.SKIPPED:
        # Translators: a toast after "⏭ Skip" (plain text, short).
        return _("⏭ Skipped")
    if state is StepState.TODO:
        # Translators: a toast after "↩️ Undo" or "↩️ Not started" (plain text, short).
        return _("↩️ Undone")
    # Translators: a toast after "🟡 Working on it" (plain text, short).
    return _("🟡 Working on it")


def completed() -> str:
    """The toast of the tap that completed a roadmap (every step done)."""
    return _("🎉 Roadmap completed!")


def covered() -> str:
    """The toast of the tap that left every step of a roadmap done or skipped."""
    return _("Every step is done or skipped")


def note_removed() -> str:
    """The toast of 🗑 Remove note."""
    return _("🗑 Note removed")


def step_gone() -> str:
    """What a tap on a step that is no longer in its roadmap says, over the roadmap."""
    # Translators: a pop-up (plain text, at most 200 characters) over the roadmap's view.
    return _("That step is no longer in this roadmap. Here is the roadmap as it is now.")


def render_done_toast(roadmap: Roadmap, step: Step, state: StepState = StepState.DONE) -> str:
    """The toast of ✅ Done · next or ⏭ Skip · next: which step was marked, and how to take it back."""
    if state is StepState.SKIPPED:
        # Translators: a toast (plain text, short); "↩️ Undo skip" is the button of that name.
        words = _("⏭ Step %(number)s skipped. To undo: ◀ back to it, then ↩️ Undo skip.")
    else:
        # Translators: a toast (plain text, short); "↩️ Undo" is the button of that name.
        words = _("✅ Step %(number)s done. To undo: ◀ back to it, then ↩️ Undo.")
    return words % {"number": count(roadmap.number_of(step))}


def check_gone() -> str:
    """What a tap on a check that is no longer on its step says, over the step's card."""
    # Translators: a pop-up (plain text, at most 200 characters) over a step card's "done when" checks.
    return _("That check is no longer on this step. Here are its checks as they are now.")


def render_ticked(ticked: bool, all_ticked: bool) -> str:
    """The toast of a check's ☐/☑ button."""
    if all_ticked:
        # Translators: a toast (plain text, short) when the last "done when" check of a step is ticked.
        return _("☑ Every check ticked: the step looks done!")
    if ticked:
        # Translators: a toast (plain text, short) after ticking a "done when" check.
        return _("☑ Ticked")
    # Translators: a toast (plain text, short) after unticking a "done when" check.
    return _("☐ Unticked")


def render_undone(state: StepState) -> str:
    """The toast of ↩️ Undo: what the step is back to."""
    if state is StepState.WORKING:
        # Translators: a toast after "↩️ Undo" (plain text, short): the step is back in progress.
        return _("↩️ Undone: back to 🟡 Working on it")
    if state is StepState.DONE:
        # Translators: a toast after "↩️ Undo skip" (plain text, short): the step is back to done.
        return _("↩️ Undone: back to ✅ Done")
    return state_changed(StepState.TODO)


def render_counted_toast(elsewhere: DoneElsewhere) -> str:
    """The toast of ✅ Count it here: where it was done, and that it counts here now."""
    return counted_here(elsewhere)
