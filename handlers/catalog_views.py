"""The catalog (/start, /roadmaps) and /progress: every roadmap, and how far the chat is on each.
Pure functions, in the language being spoken."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape

from telegram import InlineKeyboardButton

from handlers.callback_data import ShowCatalog, ShowRoadmap
from handlers.line_views import (
    checks_count,
    pace_line,
    percent_done,
    progress_block,
    separated,
    step_count,
    streak_line,
)
from handlers.screens import MAX_MESSAGE, Screen, button, keyboard, quoted, with_note
from i18n.catalogs import _, language, ngettext
from i18n.formats import count as count_shown
from i18n.formats import percent as percent_shown
from progress import DoneElsewhere, Progress, countable_here, pace_of, started_roadmaps, weekly_streak
from roadmaps import Catalog, Roadmap

MAX_PROGRESS_ENTRIES = 10


def catalog_buttons(catalog: Catalog, progresses: Mapping[str, Progress]) -> list[list[InlineKeyboardButton]]:
    """One button per roadmap; started ones show their percentage."""
    rows = []
    for roadmap in catalog:
        progress = progresses.get(roadmap.id)
        if progress is None:
            label = separated(roadmap.title, step_count(len(roadmap.steps)))
        else:
            label = separated(roadmap.title, percent_shown(percent_done(roadmap, progress)))
        rows.append([button(label, ShowRoadmap(roadmap.id))])
    return rows


def by_roadmap(progresses: Sequence[Progress]) -> dict[str, Progress]:
    """A chat's started roadmaps' progress by roadmap id, for the catalog's buttons (a roadmap
    only looked at shows its size, not 0%)."""
    return {progress.roadmap_id: progress for progress in progresses if progress.started}


def render_welcome(catalog: Catalog, progresses: Sequence[Progress], note: str | None = None) -> Screen:
    """The /start message: what the bot does (the operator's welcome, if their branding gives one), and
    the catalog."""
    # Translators: the first message of /start, above the buttons of every roadmap.
    text = _(
        "👋 <b>Welcome!</b> I walk you through career roadmaps one step at a time: "
        "read what each step is and why it matters, mark it done, and watch your progress grow. "
        "I keep your progress in this chat.\n\nPick a roadmap to begin:"
    )
    if (welcome := catalog.branding.in_language(language()).welcome) is not None:
        # Translators: under the operator's own welcome paragraph in /start, above the buttons of every roadmap.
        pick = _("Pick a roadmap to begin:")
        text = f"{escape(welcome)}\n\n{pick}"
    return Screen(with_note(note, text), keyboard(catalog_buttons(catalog, by_roadmap(progresses))))


def render_catalog(catalog: Catalog, progresses: Sequence[Progress], note: str | None = None) -> Screen:
    """Every roadmap with its summary (titles only if summaries would not fit), and a button each."""
    entries = [
        f"{separated(f'<b>{escape(r.title)}</b>', step_count(len(r.steps)))}\n{escape(r.summary)}" for r in catalog
    ]
    # Translators: the heading of the list of roadmaps.
    heading = _("📚 <b>Roadmaps</b>")
    text = with_note(note, "\n\n".join([heading, *entries]))
    if len(text) > MAX_MESSAGE:
        text = with_note(note, heading)
    return Screen(text, keyboard(catalog_buttons(catalog, by_roadmap(progresses))))


def render_not_started(catalog: Catalog) -> Screen:
    """The catalog, for a command that needs a started roadmap when there is none."""
    return render_catalog(catalog, [], note=_("You have not started a roadmap yet. Pick one:"))


def render_all_covered(catalog: Catalog, covered: Sequence[tuple[Roadmap, Progress]]) -> Screen:
    """/next when every started roadmap is done or skipped: the catalog, to start another."""
    titles = ", ".join(escape(roadmap.title) for roadmap, _ in covered)
    # Translators: %(titles)s: the titles of the roadmaps whose every step is done or skipped.
    note = _("Nothing is left to do on %(titles)s. Start another roadmap:") % {"titles": titles}
    return render_catalog(catalog, [progress for _, progress in covered], note=note)


def render_unknown_roadmap_note(roadmap_id: str) -> str:
    """The note above the catalog when a deep link names no roadmap."""
    # Translators: above the list of roadmaps; %(name)s is what the link named.
    return _("I don't have a roadmap called “%(name)s”. Here are the ones I have:") % {"name": quoted(roadmap_id)}


def render_progress(catalog: Catalog, progresses: Sequence[Progress], now: dt.datetime) -> Screen:
    """/progress: the weekly streak, then each started roadmap with its bar, line, pace and next step."""
    started = started_roadmaps(catalog, progresses)
    if not started:
        return render_not_started(catalog)
    lines = [_("📈 <b>Your progress</b>")]
    if streak := streak_line(weekly_streak(progresses, now)):
        lines.append(streak)
    rows = []
    if len(started) > MAX_PROGRESS_ENTRIES:
        lines.append(f"<i>{last_used(len(started))}</i>")
    for roadmap, progress in started[:MAX_PROGRESS_ENTRIES]:
        next_step = progress.next_step(roadmap)
        lines += ["", f"<b>{escape(roadmap.title)}</b>", progress_block(roadmap, progress)]
        if pace := pace_of(progress, roadmap, now):
            lines.append(pace_line(pace, now.date()))
        if next_step is not None:
            # Translators: the next step of a roadmap; %(step)s is its title.
            line = _("Next: %(step)s") % {"step": escape(next_step.title)}
            if ticked := progress.ticked(next_step):
                line = separated(line, checks_count(len(ticked), len(next_step.done_when)))
            lines.append(line)
        else:
            lines.append(_("🎉 Completed") if progress.is_completed(roadmap) else _("Every step is done or skipped"))
        if countable := countable_here(catalog, progresses, roadmap):
            lines.append(countable_line(roadmap, countable))
        rows.append([button(roadmap.title, ShowRoadmap(roadmap.id))])
    # Translators: a button to the list of roadmaps; keep it short.
    rows.append([button(_("📚 All roadmaps"), ShowCatalog())])
    return Screen("\n".join(lines), keyboard(rows))


def with_absences(screen: Screen, roadmap_ids: Sequence[str]) -> Screen:
    """/progress, told first that roadmaps the chat has progress on are no longer offered (by id: their
    titles went with their files)."""
    if not roadmap_ids:
        return screen
    names = ", ".join(f"<code>{escape(roadmap_id)}</code>" for roadmap_id in roadmap_ids)
    # Translators: at the top of /progress, once; %(roadmaps)s is one or more roadmap ids.
    words = ngettext(
        "📦 No longer offered here: %(roadmaps)s. Your progress on it is kept (/export has it) and comes back "
        "if the roadmap returns.",
        "📦 No longer offered here: %(roadmaps)s. Your progress on them is kept (/export has it) and comes back "
        "if the roadmaps return.",
        len(roadmap_ids),
    )
    return Screen(f"{words % {'roadmaps': names}}\n\n{screen.text}", screen.keyboard)


def last_used(started: int) -> str:
    """Over /progress when it shows only the roadmaps used last: how many, of how many."""
    # Translators: /progress shows only the %(shown)s roadmaps used last, of the %(total)s started.
    words = ngettext(
        "The %(shown)s roadmap you used last, of %(total)s",
        "The %(shown)s roadmaps you used last, of %(total)s",
        MAX_PROGRESS_ENTRIES,
    )
    return words % {"shown": count_shown(MAX_PROGRESS_ENTRIES), "total": count_shown(started)}


def countable_line(roadmap: Roadmap, countable: Mapping[str, DoneElsewhere]) -> str:
    """Steps of a roadmap whose topic was done in another one, by number and title, waiting for a
    tap to count here (the roadmap's view has "✅ Count all N here")."""
    steps = [step for step in roadmap.steps if step.id in countable]
    named = ", ".join(f"{count_shown(roadmap.number_of(step))}. {escape(step.title)}" for step in steps)
    # Translators: under a roadmap in /progress: its steps whose topic was done in another roadmap
    # (%(steps)s: "2. HTTP & REST APIs, 7. Observability"); the roadmap's button leads to
    # "✅ Count all N here".
    return _("🔗 Done in another roadmap, not counted here yet: %(steps)s") % {"steps": named}
