"""Importing an export file: how to, why a file cannot be imported, what a file holds, the
question before it replaces progress, and what came in. Pure functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from handlers.callback_data import Cancel, ConfirmImport
from handlers.chat_data_views import all_roadmaps_button, cancel_button, nothing_changed
from handlers.export_format import ImportPlan, ImportProblem
from handlers.screens import Screen, button, keyboard, quoted
from i18n.catalogs import N_, _, ngettext
from i18n.formats import count, number
from roadmaps import Catalog, Roadmap

MAX_NAMES = 3  # names of a file listed in an answer; the rest are counted
MAX_NAME = 40
# Roadmaps of a file described a line each (at most 120 characters of title and a count), and
# roadmaps a question names: with the rest counted, an answer stays far under Telegram's 4096
# characters however many roadmaps a file and the catalog share.
MAX_LINES = 10


def imported() -> str:
    """The toast after ✅ Replace my progress."""
    return _("📥 Imported")


def not_imported() -> str:
    """The toast when a held file stopped being importable before its yes."""
    return _("Not imported")


def nothing_to_import() -> str:
    """The toast when the file a yes was about is no longer held."""
    return _("Nothing to import")


def render_how_to_import(in_a_group: bool) -> str:
    """/import: the file itself is the request (in a group, as a reply to the bot, so that the
    bot leaves every other file alone)."""
    if in_a_group:
        return _(
            "To import your progress, send me the .json file that /export made, as a reply to this message. "
            "If it would replace progress you have now, I ask first."
        )
    return _(
        "To import your progress, send me the .json file that /export made, as a file. "
        "If it would replace progress you have now, I ask first."
    )


def render_not_an_export_name() -> str:
    """A file whose name is not .json."""
    return _("To import your progress, send me the .json file that /export made.")


def render_file_too_big(limit: int) -> str:
    """A file over the size an export can have."""
    # Translators: %(limit)s is a number of bytes, such as 1,000,000.
    text = ngettext(
        "That file is too big to be an export (over %(limit)s byte).",
        "That file is too big to be an export (over %(limit)s bytes).",
        limit,
    )
    text %= {"limit": count(limit)}
    return f"{text} {nothing_changed()}"


def render_download_failed(reason: str) -> str:
    """A file Telegram would not hand over."""
    # Translators: %(reason)s is Telegram's own explanation, in English.
    text = _("I could not download that file (%(reason)s).") % {"reason": quoted(reason, 200)}
    return f"{text} {nothing_changed()}"


# Why a file cannot be imported, by ImportProblem's reason (said through `_()`); `%(where)s` is a
# place in the file, such as `roadmaps[0].steps[3]`, and the other values are quoted from the file
# (`%(value)s`, `%(state)s`, `%(roadmap)s`, `%(text)s`, `%(found)s`, `%(error)s`) or numbers.
IMPORT_PROBLEMS = {
    # Translators: why a file cannot be imported; keep /export as it is.
    "not_an_export": N_("it is not a progress export from this bot (send the .json file /export made)"),
    # Translators: %(found)s is the version the file names, %(wanted)s the one this bot reads (a number).
    "version": N_("it has version %(found)s; this bot reads version %(wanted)s"),
    # Translators: "roadmaps" is the name of a field of the file; keep it as it is.
    "no_roadmaps": N_("roadmaps: missing, or not a list"),
    # Translators: %(where)s is a place in the file, such as roadmaps[0]; keep it first.
    "not_a_roadmap": N_("%(where)s: not a roadmap with an id"),
    # Translators: %(error)s is the JSON reader's own explanation, in English.
    "not_json": N_("it is not JSON (%(error)s)"),
    # Translators: %(text)s is a value quoted from the file.
    "not_a_number": N_("it has %(text)s, which is not a number an export has"),
    # Translators: %(where)s is a place in the file, such as roadmaps[0].steps[3]; keep it first.
    "not_a_step": N_("%(where)s: not a step with an id"),
    # Translators: %(where)s is a place in the file (roadmaps[0].steps[3]); keep "%(where)s.checks" as it is.
    "bad_checks": N_("%(where)s.checks: not a list of the step's check ids"),
    # Translators: %(where)s is a place in the file (roadmaps[0].steps[3]), %(state)s a value quoted
    # from it; keep "%(where)s.state" as it is.
    "bad_state": N_("%(where)s.state: unknown state %(state)s"),
    # Translators: %(where)s is a place in the file, %(value)s a value quoted from it.
    "bad_time": N_("%(where)s: not an ISO-8601 time (%(value)s)"),
    # Translators: %(where)s is a place in the file, %(value)s a time quoted from it, %(earliest)s a year.
    "time_too_early": N_("%(where)s: %(value)s is before %(earliest)s, before any export"),
    # Translators: %(where)s is a place in the file, %(value)s a time quoted from it.
    "time_in_future": N_("%(where)s: %(value)s is in the future"),
    # Translators: %(where)s is a place in the file, %(roadmap)s a roadmap's id quoted from it.
    "repeated_roadmap": N_("%(where)s: %(roadmap)s is in the file twice"),
}
# The reasons whose words count something: the count's name, and the words in its plural form.
COUNTED_PROBLEMS: dict[str, tuple[str, Callable[[int], str]]] = {
    "too_many_roadmaps": (
        "count",
        # Translators: %(count)s roadmaps in the file, more than %(limit)s (a number).
        lambda n: ngettext(
            "it has %(count)s roadmap; an export has at most %(limit)s",
            "it has %(count)s roadmaps; an export has at most %(limit)s",
            n,
        ),
    ),
    "too_big": (
        "size",
        # Translators: %(size)s is the file's size in bytes, %(limit)s the most an export has.
        lambda n: ngettext(
            "the file is %(size)s byte; an export is never over %(limit)s",
            "the file is %(size)s bytes; an export is never over %(limit)s",
            n,
        ),
    ),
    "too_deep": (
        "limit",
        # Translators: %(limit)s is the most levels of nesting an export has (a number).
        lambda n: ngettext(
            "it is nested deeper than an export ever is (at most %(limit)s level)",
            "it is nested deeper than an export ever is (at most %(limit)s levels)",
            n,
        ),
    ),
    "long_number": (
        "digits",
        # Translators: %(digits)s is how many digits a number of the file has, %(limit)s the most an export has.
        lambda n: ngettext(
            "it has a number of %(digits)s digit; an export has none over %(limit)s",
            "it has a number of %(digits)s digits; an export has none over %(limit)s",
            n,
        ),
    ),
    "bad_steps": (
        "limit",
        # Translators: %(where)s is a place in the file (roadmaps[0]); keep "%(where)s.steps" as it is.
        lambda n: ngettext(
            "%(where)s.steps: missing, not a list, or over %(limit)s step",
            "%(where)s.steps: missing, not a list, or over %(limit)s steps",
            n,
        ),
    ),
    "bad_note": (
        "limit",
        # Translators: %(where)s is a place in the file; keep "%(where)s.note" as it is. %(limit)s is the
        # most characters a note has.
        lambda n: ngettext(
            "%(where)s.note: not a note of 1 to %(limit)s character",
            "%(where)s.note: not a note of 1 to %(limit)s characters",
            n,
        ),
    ),
}
YEARS = frozenset({"earliest"})  # numbers that are years, written without grouping


def import_problem_words(problem: ImportProblem) -> str:
    """Why a file cannot be imported, in words (its numbers in the language's digits)."""
    values = {
        name: (number(value, decimals=0) if name in YEARS else count(value)) if isinstance(value, int) else value
        for name, value in problem.details.items()
    }
    if problem.reason not in COUNTED_PROBLEMS:
        return _(IMPORT_PROBLEMS[problem.reason]) % values
    counted, words = COUNTED_PROBLEMS[problem.reason]
    amount = problem.details[counted]
    assert isinstance(amount, int), "a count is a whole number"
    return words(amount) % values


def render_cannot_import(problem: ImportProblem, *, any_more: bool = False) -> str:
    """A file that is not an importable export (`any_more`: it was, when it was sent)."""
    values = {"reason": quoted(import_problem_words(problem), 300)}
    if any_more:
        # Translators: %(reason)s says why, such as "it is not JSON (…)".
        text = _("I can't import that file any more: %(reason)s.") % values
    else:
        # Translators: %(reason)s says why, such as "it is not JSON (…)".
        text = _("I can't import that file: %(reason)s.") % values
    return f"{text} {nothing_changed()}"


def render_no_known_roadmap() -> str:
    """An export of roadmaps this bot no longer has."""
    unknown = _("That file has no roadmap I know.")
    return f"{unknown} {nothing_changed()}"


def roadmap_line(roadmap: Roadmap, done: int, notes: int) -> str:
    """`• Backend: 3 of 10 steps done, 2 notes`: one roadmap of a file."""
    total = len(roadmap.steps)
    # Translators: a roadmap in an export file; %(title)s is its title, %(done)s and %(total)s counts of steps.
    line = ngettext(
        "• <b>%(title)s</b>: %(done)s of %(total)s step done",
        "• <b>%(title)s</b>: %(done)s of %(total)s steps done",
        total,
    )
    line %= {"title": escape(roadmap.title), "done": count(done), "total": count(total)}
    if notes:
        # Translators: added after "…: 3 of 10 steps done"; %(count)s is how many notes the file has.
        line += ngettext(", %(count)s note", ", %(count)s notes", notes) % {"count": count(notes)}
    return line


def describe(plan: ImportPlan, catalog: Catalog) -> str:
    """What an export file holds, one roadmap to a line, and what of it is left out."""
    lines = []
    for saved in plan.roadmaps[:MAX_LINES]:
        roadmap = catalog.get(saved.roadmap_id)
        assert roadmap is not None
        done = sum(mark.state.value == "done" for mark in saved.marks.values())
        lines.append(roadmap_line(roadmap, done, len(saved.notes)))
    if len(plan.roadmaps) > MAX_LINES:
        more = len(plan.roadmaps) - MAX_LINES
        # Translators: after ten lines of roadmaps a file has; %(count)s is how many more it has.
        lines.append(
            ngettext("• and %(count)s more roadmap", "• and %(count)s more roadmaps", more) % {"count": count(more)}
        )
    if plan.unknown_roadmaps:
        # Translators: %(names)s lists roadmaps' ids quoted from the file.
        lines.append(_("Left out, as I no longer have them: %(names)s.") % {"names": a_few(plan.unknown_roadmaps)})
    if plan.unknown_steps:
        # Translators: %(count)s is how many steps of the file the bot's roadmaps no longer have.
        left_out = ngettext(
            "Left out: %(count)s step these roadmaps no longer have.",
            "Left out: %(count)s steps these roadmaps no longer have.",
            plan.unknown_steps,
        )
        lines.append(left_out % {"count": count(plan.unknown_steps)})
    return "\n".join(lines)


def a_few(names: Sequence[str]) -> str:
    """Some names from a file, quoted: the first few, and how many more."""
    return and_more(", ".join(quoted(name, MAX_NAME) for name in names[:MAX_NAMES]), len(names) - MAX_NAMES)


def and_more(shown: str, more: int) -> str:
    """Names listed, and how many more there are (if any)."""
    if more <= 0:
        return shown
    # Translators: %(names)s lists a few names (quoted from a file, or roadmaps' titles); %(count)s
    # is how many more there are.
    text = ngettext("%(names)s and %(count)s more", "%(names)s and %(count)s more", more)
    return text % {"names": shown, "count": count(more)}


def render_import_question(
    plan: ImportPlan, catalog: Catalog, replaced: list[Roadmap], asked: int, about: str, file: str
) -> Screen:
    """Asked before an import replaces progress the chat has; its buttons name this question."""
    titles = and_more(", ".join(escape(roadmap.title) for roadmap in replaced[:MAX_LINES]), len(replaced) - MAX_LINES)
    # Translators: %(contents)s lists the file's roadmaps, one a line; %(titles)s names the roadmaps
    # whose progress the import replaces.
    text = _("📥 This file has:\n%(contents)s\n\nImporting replaces what you have now on %(titles)s. Go ahead?")
    text %= {"contents": describe(plan, catalog), "titles": titles}
    # Translators: a button; keep it short.
    rows = [[button(_("✅ Replace my progress"), ConfirmImport(asked, about)), cancel_button(Cancel(file))]]
    return Screen(text, keyboard(rows))


def render_imported(plan: ImportPlan, catalog: Catalog) -> Screen:
    """What came in."""
    # Translators: %(contents)s lists the roadmaps that came in, one a line.
    text = _("📥 Imported.\n%(contents)s") % {"contents": describe(plan, catalog)}
    return Screen(text, keyboard([[all_roadmaps_button()]]))


def render_import_gone() -> Screen:
    """A confirmation whose file is no longer held."""
    text = _("That import is no longer waiting. Send the file again to import it.")
    return Screen(text, keyboard([[all_roadmaps_button()]]))


def render_import_now_invalid(problem: ImportProblem) -> Screen:
    """A held file that stopped being importable before it was confirmed (the content changed)."""
    return Screen(render_cannot_import(problem, any_more=True))
