"""The chat's own data: what /export, importing, /reset and /forget say, and who may do them. Pure functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from handlers.callback_data import AskReset, Cancel, ConfirmImport, ForgetChat, ResetRoadmap, ShowCatalog
from handlers.export_format import ImportPlan, ImportProblem
from handlers.screens import Screen, button, keyboard, quoted
from roadmaps import Catalog, Roadmap

NOTHING_CHANGED = "Nothing was changed."
ADMINS_ONLY = "Only this group's admins can do that: it changes the progress the whole group shares."
CHECK_FAILED = (
    "I could not check whether you are an admin of this group just now. Nothing was changed; please try again."
)
IMPORTED = "📥 Imported"
NOT_IMPORTED = "Not imported"
NOTHING_TO_IMPORT = "Nothing to import"
CANCELLED = "Cancelled"
QUESTION_OUT_OF_DATE = "This question is out of date"
MAX_NAMES = 3  # names of a file listed in an answer; the rest are counted
MAX_NAME = 40
RESET = "↩️ Reset"
NOTHING_TO_RESET = "Nothing to reset"
FORGOTTEN = "🧹 Forgotten"


def render_nothing_to_export() -> str:
    """/export before any roadmap was started."""
    return "Nothing to export yet: open a roadmap first (/roadmaps)."


def export_file_name(now: dt.datetime, extension: str) -> str:
    """`roadmap-progress-2026-11-27.md`: an export's file name, dated."""
    return f"roadmap-progress-{now:%Y-%m-%d}.{extension}"


def markdown_caption() -> str:
    """The caption of the Markdown export."""
    return "📄 Your progress as a checklist."


def json_caption() -> str:
    """The caption of the JSON export."""
    return "💾 The same as JSON: send this file back to me to import it, here or in another chat."


def render_how_to_import(in_a_group: bool) -> str:
    """/import: the file itself is the request (in a group, as a reply to the bot, so that the
    bot leaves every other file alone)."""
    how = "as a reply to this message" if in_a_group else "as a file"
    return (
        f"To import your progress, send me the .json file that /export made, {how}. "
        "If it would replace progress you have now, I ask first."
    )


def render_not_an_export_name() -> str:
    """A file whose name is not .json."""
    return "To import your progress, send me the .json file that /export made."


def render_file_too_big(limit: int) -> str:
    """A file over the size an export can have."""
    return f"That file is too big to be an export (over {limit:,} bytes). {NOTHING_CHANGED}"


def render_download_failed(reason: str) -> str:
    """A file Telegram would not hand over."""
    return f"I could not download that file ({quoted(reason, 200)}). {NOTHING_CHANGED}"


# Why a file cannot be imported, by ImportProblem's reason; `{where}` is a place in the file, such
# as `roadmaps[0].steps[3]`.
IMPORT_PROBLEMS = {
    "not_an_export": "it is not a progress export from this bot (send the .json file /export made)",
    "version": "it has version {found}; this bot reads version {wanted}",
    "no_roadmaps": "roadmaps: missing, or not a list",
    "too_many_roadmaps": "it has {count:,} roadmaps; an export has at most {limit}",
    "not_a_roadmap": "{where}: not a roadmap with an id",
    "too_big": "the file is {size:,} bytes; an export is never over {limit:,}",
    "not_json": "it is not JSON ({error})",
    "too_deep": "it is nested deeper than an export ever is (at most {limit} levels)",
    "long_number": "it has a number of {digits:,} digits; an export has none over {limit}",
    "not_a_number": "it has {text}, which is not a number an export has",
    "bad_steps": "{where}.steps: missing, not a list, or over {limit} steps",
    "not_a_step": "{where}: not a step with an id",
    "bad_state": "{where}.state: unknown state {state}",
    "bad_note": "{where}.note: not a note of 1 to {limit:,} characters",
    "bad_time": "{where}: not an ISO-8601 time ({value})",
    "time_too_early": "{where}: {value} is before {earliest}, before any export",
    "time_in_future": "{where}: {value} is in the future",
    "repeated_roadmap": "{where}: {roadmap} is in the file twice",
}


def import_problem_words(problem: ImportProblem) -> str:
    """Why a file cannot be imported, in words."""
    return IMPORT_PROBLEMS[problem.reason].format(**problem.details)


def render_cannot_import(problem: ImportProblem, *, any_more: bool = False) -> str:
    """A file that is not an importable export (`any_more`: it was, when it was sent)."""
    reason = quoted(import_problem_words(problem), 300)
    return f"I can't import that file{' any more' if any_more else ''}: {reason}. {NOTHING_CHANGED}"


def render_no_known_roadmap() -> str:
    """An export of roadmaps this bot no longer has."""
    return f"That file has no roadmap I know. {NOTHING_CHANGED}"


def describe(plan: ImportPlan, catalog: Catalog) -> str:
    """What an export file holds, one roadmap to a line, and what of it is left out."""
    lines = []
    for saved in plan.roadmaps:
        roadmap = catalog.get(saved.roadmap_id)
        assert roadmap is not None
        done = sum(mark.state.value == "done" for mark in saved.marks.values())
        notes = f", {len(saved.notes)} note{'s' if len(saved.notes) != 1 else ''}" if saved.notes else ""
        lines.append(f"• <b>{escape(roadmap.title)}</b>: {done} of {len(roadmap.steps)} steps done{notes}")
    if plan.unknown_roadmaps:
        lines.append(f"Left out, as I no longer have them: {a_few(plan.unknown_roadmaps)}.")
    if plan.unknown_steps:
        lines.append(f"Left out: {plan.unknown_steps} step(s) these roadmaps no longer have.")
    return "\n".join(lines)


def a_few(names: Sequence[str]) -> str:
    """Some names from a file, quoted: the first few, and how many more."""
    shown = ", ".join(quoted(name, MAX_NAME) for name in names[:MAX_NAMES])
    more = len(names) - MAX_NAMES
    return f"{shown} and {more:,} more" if more > 0 else shown


def render_import_question(
    plan: ImportPlan, catalog: Catalog, replaced: list[Roadmap], asked: int, about: str, file: str
) -> Screen:
    """Asked before an import replaces progress the chat has; its buttons name this question."""
    titles = ", ".join(escape(roadmap.title) for roadmap in replaced)
    text = (
        f"📥 This file has:\n{describe(plan, catalog)}\n\nImporting replaces what you have now on {titles}. Go ahead?"
    )
    rows = [[button("✅ Replace my progress", ConfirmImport(asked, about)), button("✖️ Cancel", Cancel(file))]]
    return Screen(text, keyboard(rows))


def render_imported(plan: ImportPlan, catalog: Catalog) -> Screen:
    """What came in."""
    return Screen(f"📥 Imported.\n{describe(plan, catalog)}", keyboard([[button("📚 All roadmaps", ShowCatalog())]]))


def render_import_gone() -> Screen:
    """A confirmation whose file is no longer held."""
    text = "That import is no longer waiting. Send the file again to import it."
    return Screen(text, keyboard([[button("📚 All roadmaps", ShowCatalog())]]))


def render_import_now_invalid(problem: ImportProblem) -> Screen:
    """A held file that stopped being importable before it was confirmed (the content changed)."""
    return Screen(render_cannot_import(problem, any_more=True))


def render_nothing_changed() -> Screen:
    """The answer to Cancel: nothing changed, and a way on."""
    return Screen(NOTHING_CHANGED, keyboard([[button("📚 All roadmaps", ShowCatalog())]]))


def render_nothing_to_reset() -> str:
    """/reset before any roadmap was started."""
    return "You have not started a roadmap, so there is nothing to reset."


def render_pick_reset(roadmaps: list[Roadmap]) -> Screen:
    """/reset: which roadmap to start over."""
    rows = [[button(f"↩️ {roadmap.title}", AskReset(roadmap.id))] for roadmap in roadmaps]
    rows.append([button("✖️ Cancel", Cancel())])
    return Screen("Which roadmap do you want to start over? Its steps and notes will be cleared.", keyboard(rows))


def render_roadmap_gone() -> Screen:
    """A question about a roadmap the catalog no longer has."""
    return Screen(
        "That roadmap is no longer available. " + NOTHING_CHANGED,
        keyboard([[button("📚 All roadmaps", ShowCatalog())]]),
    )


def render_ask_reset(roadmap: Roadmap, asked: int, about: str) -> Screen:
    """Are you sure? for one roadmap; the yes names this question."""
    text = (
        f"Start <b>{escape(roadmap.title)}</b> over? Every step goes back to not started and its notes "
        "are deleted. This cannot be undone (an /export first keeps a copy)."
    )
    yes = ResetRoadmap(roadmap.id, asked, about)
    return Screen(text, keyboard([[button("↩️ Yes, reset it", yes), button("✖️ Cancel", Cancel())]]))


def render_reset(roadmap: Roadmap | None, *, was_started: bool) -> Screen:
    """After a confirmed reset (or one with nothing to reset)."""
    title = escape(roadmap.title) if roadmap else "That roadmap"
    if not was_started:
        return Screen(f"{title} has nothing to reset.", keyboard([[button("📚 All roadmaps", ShowCatalog())]]))
    text = f"↩️ {title} is reset: every step is back to not started, and its notes are gone."
    return Screen(text, keyboard([[button("📚 All roadmaps", ShowCatalog())]]))


def render_ask_forget(asked: int, about: str) -> Screen:
    """/forget: asked before deleting everything about the chat; the yes names this question."""
    text = (
        "Forget everything about this chat? Your progress on every roadmap, your notes and your "
        "reminders are deleted, and I treat this chat as new. This cannot be undone "
        "(an /export first keeps a copy)."
    )
    yes = ForgetChat(asked, about)
    return Screen(text, keyboard([[button("🧹 Yes, forget it all", yes), button("✖️ Cancel", Cancel())]]))


def render_question_out_of_date() -> Screen:
    """A yes to a question asked too long ago, or about things that have changed since."""
    text = (
        "This question is out of date: it was asked a while ago, or things changed since, so I changed "
        "nothing. Ask again (/reset, /forget, or send the file) if you still want to."
    )
    return Screen(text, keyboard([[button("📚 All roadmaps", ShowCatalog())]]))


def render_forgotten() -> Screen:
    """After /forget was confirmed."""
    text = "🧹 Done: I no longer have anything about this chat. Start afresh whenever you like."
    return Screen(text, keyboard([[button("📚 All roadmaps", ShowCatalog())]]))
