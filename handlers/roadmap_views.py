"""The roadmap view: the roadmap as the seed page shows it (summary, signals, progress) on its
first page, and its steps as buttons, a page at a time, sections as dividers. Pure functions, in
the language being spoken."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from types import MappingProxyType
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.actions import CountAllShared, SendCard, ShowCatalog, ShowLegend, ShowRoadmap, ShowStep
from handlers.line_views import (
    STATE_ICON,
    covered_line,
    effort_words,
    page_button,
    progress_bar,
    progress_line,
    revisit_skipped,
    separated,
    signals_line,
)
from handlers.once import per_roadmap
from handlers.screens import NO_LINKS, Links, Screen, button, keyboard, url_button
from handlers.sharing_views import share_link
from i18n.catalogs import _, language, ngettext
from i18n.formats import count
from i18n.shared_views import signals_legend
from progress import OPEN_STATES, DoneElsewhere, Progress, StepState
from roadmaps import Roadmap, Step

STEPS_PER_PAGE = 8
NOWHERE: Mapping[str, DoneElsewhere] = MappingProxyType({})


def roadmap_gone() -> str:
    """What a tap on a roadmap that is no longer in the catalog says, over the catalog."""
    # Translators: a pop-up (plain text, at most 200 characters) over the list of roadmaps.
    return _("That roadmap is no longer available. Here are the ones I have.")


def pages_of(roadmap: Roadmap) -> tuple[tuple[Step, ...], ...]:
    """The roadmap's steps, a page each: whole sections when every section fits on a page, packed
    in order; else an even split (pages differ by one step at most, so no page of one). Worked
    out once a roadmap (a roadmap cannot change; a catalog read anew brings new ones)."""
    return _paged(roadmap)[0]


def page_of(roadmap: Roadmap, step: Step) -> int:
    """The page of the roadmap view that lists a step."""
    return _paged(roadmap)[1][step.id]


@per_roadmap  # by the roadmap's identity (hashing a roadmap would hash every step)
def _paged(roadmap: Roadmap) -> tuple[tuple[tuple[Step, ...], ...], Mapping[str, int]]:
    """Each roadmap's pages and the page of each step id."""
    pages = _pages(roadmap)
    return pages, {step.id: number for number, page in enumerate(pages) for step in page}


def _pages(roadmap: Roadmap) -> tuple[tuple[Step, ...], ...]:
    sections: list[list[Step]] = []
    for step in roadmap.steps:
        if sections and step.section is not None and step.section == sections[-1][-1].section:
            sections[-1].append(step)
        else:
            sections.append([step])
    if all(step.section for step in roadmap.steps) and all(len(s) <= STEPS_PER_PAGE for s in sections):
        pages: list[list[Step]] = []
        for section in sections:
            if pages and len(pages[-1]) + len(section) <= STEPS_PER_PAGE:
                pages[-1] += section
            else:
                pages.append(list(section))
        return tuple(tuple(page) for page in pages)
    count = -(-len(roadmap.steps) // STEPS_PER_PAGE)
    size, bigger = divmod(len(roadmap.steps), count)
    bounds = [0]
    for page in range(count):
        bounds.append(bounds[-1] + size + (1 if page < bigger else 0))
    return tuple(roadmap.steps[bounds[i] : bounds[i + 1]] for i in range(count))


def page_count(roadmap: Roadmap) -> int:
    """How many pages the roadmap view has."""
    return len(pages_of(roadmap))


def render_roadmap(
    roadmap: Roadmap,
    progress: Progress,
    page: int | None = None,
    *,
    links: Links = NO_LINKS,
    elsewhere: Mapping[str, DoneElsewhere] = NOWHERE,
) -> Screen:
    """A roadmap: on its first page what it is, how to read its signals and the progress; on every
    page its steps as buttons under their sections (🔗: done in another roadmap, `elsewhere`, by
    step id), with one button that counts them all here; where it stands; the page; share."""
    pages = pages_of(roadmap)
    next_step = progress.next_step(roadmap)
    if page is None:
        page = page_of(roadmap, next_step) if next_step else 0
    page = min(max(page, 0), len(pages) - 1)
    lines = roadmap_heading(roadmap, progress, first_page=page == 0)
    lines += standing(roadmap, progress)
    if len(pages) > 1 or any(step.section for step in pages[page]):
        lines += ["", f"<i>{page_heading(roadmap, pages[page])}</i>"]
    facts = ViewButtonFacts(
        page=page,
        looks=tuple(step_looks(progress, step, elsewhere) for step in pages[page]),
        all_here=len(elsewhere),
        way=way_on(roadmap, progress, next_step),
        links=links,
    )
    return Screen("\n".join(lines), roadmap_buttons(roadmap, language(), facts))


class ViewButtonFacts(NamedTuple):
    """What a roadmap view's buttons depend on besides the roadmap and the language: the `page`; the
    `looks` of each step on it (step_looks); how many steps count `all_here` (done elsewhere); the
    `way` on (way_on); and where links may lead."""

    page: int
    looks: tuple[tuple[str, int], ...]
    all_here: int
    way: tuple[str, ...]
    links: Links


@per_roadmap
def roadmap_buttons(roadmap: Roadmap, language: str, facts: ViewButtonFacts) -> InlineKeyboardMarkup:
    """A roadmap view's buttons in a language (see ViewButtonFacts), the same for every view they fit."""
    pages = pages_of(roadmap)
    rows = [*step_rows(roadmap, pages[facts.page], facts.looks), paging_row(roadmap, facts.page, len(pages))]
    if facts.all_here:
        rows.append([button(count_all_here(facts.all_here), CountAllShared(roadmap.id))])
    rows += [
        way_button(roadmap, facts.way),
        page_button(facts.links, roadmap),
        last_row(roadmap, facts.links, first_page=facts.page == 0),
    ]
    return keyboard(rows)


def page_heading(roadmap: Roadmap, shown: tuple[Step, ...]) -> str:
    """Which steps a page of several shows, and their sections: `Steps 9–16 of 20 · Testing`."""
    first = roadmap.number_of(shown[0])
    sections = list(dict.fromkeys(step.section for step in shown if step.section))
    # Translators: a page of a roadmap's steps: steps %(first)s to %(last)s of its %(total)s.
    words = _("Steps %(first)s–%(last)s of %(total)s")
    last, total = first + len(shown) - 1, len(roadmap.steps)
    shown_words = words % {"first": count(first), "last": count(last), "total": count(total)}
    return separated(shown_words, *(escape(section) for section in sections))


def roadmap_heading(roadmap: Roadmap, progress: Progress, *, first_page: bool) -> list[str]:
    """The seed page's top on the first page; on later pages the title and the progress only."""
    title = f"🗺 <b>{escape(roadmap.title)}</b>"
    bar = progress_bar(progress.done_count(roadmap), len(roadmap.steps))
    if not first_page:
        return [title, f"{bar} {progress_line(roadmap, progress)}"]
    lines = [
        title,
        escape(roadmap.summary),
        "",
        _("<b>How to read the signals</b>"),
        signals_line(roadmap.signals),
        f"<i>{escape(signals_legend())}</i>",
        "",
        _("<b>Roadmap progress</b>"),
        bar,
        progress_line(roadmap, progress),
    ]
    if effort := progress.effort_left(roadmap):
        lines.append(f"⏱ {effort_words(effort, left=True)}")
    return lines


def standing(roadmap: Roadmap, progress: Progress) -> list[str]:
    """Completed (every step done), or covered (done or skipped: it says how many of each)."""
    if progress.is_completed(roadmap):
        return ["", _("🎉 <b>Completed!</b> Every step is done.")]
    if progress.is_covered(roadmap):
        done, skipped = progress.done_count(roadmap), len(progress.skipped_steps(roadmap))
        return ["", covered_line(done, len(roadmap.steps), skipped)]
    return []


def count_all_here(steps: int) -> str:
    """The button that counts here every step of a roadmap done in another one."""
    # Translators: a button: count here the %(count)s steps done in another roadmap; keep it short.
    return ngettext("✅ Count %(count)s step here", "✅ Count all %(count)s here", steps) % {"count": count(steps)}


def counted_all(steps: int) -> str:
    """The toast of ✅ Count all N here."""
    # Translators: a toast (plain text, short): %(count)s steps done in another roadmap now count here.
    return ngettext(
        "✅ %(count)s step counted here, on the day it was done",
        "✅ %(count)s steps counted here, each on the day it was done",
        steps,
    ) % {"count": count(steps)}


def step_looks(progress: Progress, step: Step, elsewhere: Mapping[str, DoneElsewhere]) -> tuple[str, int]:
    """How a step's button looks: its state's icon (🔗 for a step not started here whose topic was
    done in another roadmap), and its ticked checks while it is open (0: none shown)."""
    state = progress.state_of(step)
    icon = "🔗" if step.id in elsewhere and state is StepState.TODO else STATE_ICON[state]
    return icon, len(progress.ticked(step)) if state in OPEN_STATES else 0


def step_rows(
    roadmap: Roadmap, shown: tuple[Step, ...], looks: tuple[tuple[str, int], ...]
) -> list[list[InlineKeyboardButton]]:
    """A button per step (the page's heading names its sections: every button opens something),
    as step_looks says it looks."""
    rows: list[list[InlineKeyboardButton]] = []
    for step, (icon, ticked) in zip(shown, looks, strict=True):
        label = f"{icon} {count(roadmap.number_of(step))}. {step.title}"
        if ticked:
            label = separated(label, f"☑️ {count(ticked)}/{count(len(step.done_when))}")  # "1 of 3 checks"
        rows.append([button(label, ShowStep(roadmap.id, step.id))])
    return rows


def paging_row(roadmap: Roadmap, page: int, pages: int) -> list[InlineKeyboardButton]:
    """◀ and ▶ to the page before and after under a roadmap of several pages (the page's heading
    says which steps it shows); nothing under one of one page."""
    if pages <= 1:
        return []
    return [
        button(f"◀ {count((page - 1) % pages + 1)}/{count(pages)}", ShowRoadmap(roadmap.id, (page - 1) % pages)),
        button(f"{count((page + 1) % pages + 1)}/{count(pages)} ▶", ShowRoadmap(roadmap.id, (page + 1) % pages)),
    ]


def way_on(roadmap: Roadmap, progress: Progress, next_step: Step | None) -> tuple[str, ...]:
    """Where the view's way on leads: ("next", the next step's id); for a covered roadmap
    ("revisit", how many skipped steps, the first one's id); completed or covered without skips
    ("card",) if started; else nowhere."""
    if next_step is not None:
        return ("next", next_step.id)
    if skipped := progress.skipped_steps(roadmap):
        return ("revisit", str(len(skipped)), skipped[0].id)
    return ("card",) if progress.started else ()


def way_button(roadmap: Roadmap, way: tuple[str, ...]) -> list[InlineKeyboardButton]:
    """The next step; or, for a covered roadmap, its skipped steps; or, completed, its card."""
    match way:
        case ("next", step_id):
            step = roadmap.step(step_id)
            assert step is not None
            # Translators: a button to the roadmap's next step; %(step)s is its title.
            return [button(_("👉 Next step: %(step)s") % {"step": step.title}, ShowStep(roadmap.id, step_id))]
        case ("revisit", skipped, first):
            return [button(revisit_skipped(int(skipped)), ShowStep(roadmap.id, first))]
        case ("card",):
            # Translators: a button that sends a picture of the roadmap's progress; keep it short.
            return [button(_("📊 My card"), SendCard(roadmap.id))]
    return []


def last_row(roadmap: Roadmap, links: Links, *, first_page: bool) -> list[InlineKeyboardButton]:
    """All roadmaps, what the signals mean (on pages without the legend), share."""
    # Translators: a button to the list of roadmaps; keep it short.
    row = [button(_("📚 All roadmaps"), ShowCatalog())]
    if not first_page:
        # Translators: a button whose pop-up says what the signals mean; keep it short.
        row.append(button(_("ℹ️ Signals"), ShowLegend()))
    if links.bot_username:
        # Translators: a button that shares a link to this roadmap; keep it short.
        row.append(url_button(_("📤 Share"), share_link(links.bot_username, roadmap.id, roadmap.title)))
    return row
