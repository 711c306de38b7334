"""The step card: what a step is, its signals, resources, state and note, and the buttons that
change it; and the short answers a tap on them gets. Pure functions, in the language being spoken."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from html import escape
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.actions import (
    CountSharedTopic,
    DoneAndNext,
    RemoveNote,
    SendCard,
    SetStepState,
    ShowCatalog,
    ShowRoadmap,
    ShowStep,
    ShowStepMore,
    ToggleCheck,
    UndoMark,
)
from handlers.line_views import (
    checks_count,
    covered_line,
    effort_words,
    page_button,
    progress_line,
    revisit_skipped,
    separated,
    signals_line,
)
from handlers.once import per_roadmap
from handlers.roadmap_views import page_of
from handlers.screens import MAX_MESSAGE, NO_LINKS, Links, Screen, button, keyboard
from i18n.catalogs import N_, _, language
from i18n.formats import count, day
from i18n.shared_views import state_line
from progress import OPEN_STATES, DoneElsewhere, Progress, StepState
from roadmaps import Roadmap, Step

# A "done when" check's box, ticked or not.
TICK_BOX = {False: "☐", True: "☑"}
# The buttons that change a step, by the state it is in (their labels translated where shown); no
# state: Undo, back to what the step was before its latest change, with its day.
STATE_BUTTONS: dict[StepState, tuple[tuple[str, StepState | None], ...]] = {
    StepState.TODO: (
        # Translators: a button: mark this step done; keep it short.
        (N_("✅ Mark done"), StepState.DONE),
        # Translators: a button: the learner is working on this step now; keep it short.
        (N_("🟡 Working on it"), StepState.WORKING),
        # Translators: a button: skip this step; keep it short.
        (N_("⏭ Skip"), StepState.SKIPPED),
    ),
    StepState.WORKING: (
        (N_("✅ Mark done"), StepState.DONE),
        # Translators: a button: back to not started; keep it short.
        (N_("↩️ Not started"), StepState.TODO),
        (N_("⏭ Skip"), StepState.SKIPPED),
    ),
    # Translators: a button: take back "done"; keep it short.
    StepState.DONE: ((N_("↩️ Undo"), None),),
    StepState.SKIPPED: (
        (N_("✅ Mark done"), StepState.DONE),
        # Translators: a button: take back "skipped"; keep it short.
        (N_("↩️ Undo skip"), None),
    ),
}


@dataclass(frozen=True, slots=True)
class CardOptions:
    """How a step card shows beyond its step and progress.

    - `more`: with its practice task;
    - `elsewhere`: its topic was done in another roadmap: say so, and offer to count it here;
    - `celebrate`: this tap completed the roadmap (every step done): say so, and offer the progress
      card and the next roadmap (`next_roadmap`, if there is one not started);
    - `links`: where the chat's link buttons may lead (the page's button).
    """

    celebrate: bool = False
    next_roadmap: Roadmap | None = None
    more: bool = False
    elsewhere: DoneElsewhere | None = None
    links: Links = NO_LINKS

    def in_chat(self, elsewhere: DoneElsewhere | None, links: Links) -> CardOptions:
        """These options, with what the chat adds: the topic done elsewhere and the chat's links."""
        return replace(self, elsewhere=elsewhere, links=links)


PLAIN = CardOptions()


def render_step(roadmap: Roadmap, step: Step, progress: Progress, options: CardOptions = PLAIN) -> Screen:
    """A step card. Its first screen fits a phone: what the step is, its signals and effort, its
    state and the roadmap's progress; "More ▾" (`options.more`) adds why it matters, when it counts as
    done, the practice task and resources, in place (see CardOptions for the rest)."""
    text = step_text(roadmap, step, progress, options)
    note = progress.note_of(step)
    if note is not None and (options.more or not has_more(step)):
        text += note_block(note.text, room=MAX_MESSAGE - len(text))
    elif note is None and (options.more or not has_more(step)):
        # Translators: at the bottom of a step card: a reply to the card keeps a note on the step.
        text += "\n\n<i>" + _("📝 Reply to this card to keep a note on this step.") + "</i>"
    keys = step_keyboard(roadmap, step, progress, options)
    if page := page_button(options.links, roadmap):
        keys = keyboard([*keys.inline_keyboard, page])
    return Screen(text, keys)


def has_more(step: Step) -> bool:
    """Whether a step has anything behind "More ▾" (why, done when, practice, resources)."""
    return bool(step.why or step.done_when or step.practice or step.resources)


def step_text(roadmap: Roadmap, step: Step, progress: Progress, options: CardOptions = PLAIN) -> str:
    """The card's text up to its progress line: heading, what the step is, signals and effort, and
    (with `more`) why it matters, when it is done, the practice task and resources; then its state."""
    lines = list(step_top(roadmap, step.id, options.more, language()))
    if options.more:
        lines += more_lines(step, progress)
    mark = progress.mark_of(step)
    if options.elsewhere is not None:
        lines.append(done_elsewhere_line(options.elsewhere))
    if not options.celebrate:  # the cheer says it is done, and the first screen has room for one
        state = state_line(mark.state if mark else StepState.TODO, mark.changed_at if mark else None)
        if (ticked := len(progress.ticked(step))) and progress.state_of(step) in OPEN_STATES:
            state = separated(state, checks_count(ticked, len(step.done_when)))
        lines.append(state)
    lines.append(standing_line(roadmap, progress, options.celebrate))
    return "\n".join(lines)


@per_roadmap
def step_top(roadmap: Roadmap, step_id: str, more: bool, language: str) -> tuple[str, ...]:
    """The card's lines that only its step says (heading, what the step is, signals, effort and,
    with `more`, why it matters), in a language: the same on every card of the step."""
    step = roadmap.step(step_id)
    assert step is not None, "a card's step is one of its roadmap's"
    # Translators: a step card's heading: the step's number in its roadmap, of the roadmap's steps.
    number = _("Step %(number)s of %(total)s") % {
        "number": count(roadmap.number_of(step)),
        "total": count(len(roadmap.steps)),
    }
    section = [escape(step.section)] if step.section and more else []
    heading = "🗺 " + separated(escape(roadmap.title), f"<b>{number}</b>", *section)
    lines = [heading, f"<b>{escape(step.title)}</b>", escape(step.summary)]
    if more and step.why:
        # Translators: why a step matters; %(why)s is the roadmap's own sentence.
        lines.append("<i>" + _("Why it matters: %(why)s") % {"why": escape(step.why)} + "</i>")
    lines.append(signals_line(step.signals))
    if step.effort_hours:
        lines.append(f"⏱ {effort_words(step.effort_hours)}")
    return tuple(lines)


def standing_line(roadmap: Roadmap, progress: Progress, celebrate: bool) -> str:
    """Where the roadmap stands, under the card: its progress line (and a cheer when this tap
    completed it), or what covers it (every step done or skipped, some skipped)."""
    if celebrate:
        # Translators: on the card of the step whose tap completed a roadmap; %(title)s is the roadmap's.
        cheer = _("🎉 <b>You completed %(title)s!</b> Every step is done.") % {"title": escape(roadmap.title)}
        return f"{progress_line(roadmap, progress)}\n{cheer}"
    if progress.is_covered(roadmap) and not progress.is_completed(roadmap):
        done, skipped = progress.done_count(roadmap), len(progress.skipped_steps(roadmap))
        return covered_line(done, len(roadmap.steps), skipped)
    return progress_line(roadmap, progress)


def more_lines(step: Step, progress: Progress) -> list[str]:
    """What "More ▾" adds to a card: when it counts as done (each check ☐ or ☑, ticked by the
    buttons of its number), the practice task, resources."""
    lines: list[str] = []
    if step.done_when:
        ticked = progress.ticked(step)
        # Translators: a heading on a step card, above what shows the step is done.
        lines += ["", _("☑️ <b>Done when</b>")]
        lines += [
            f"{TICK_BOX[check.id in ticked]} {count(number)}. {escape(check.text)}"
            for number, check in enumerate(step.done_when, 1)
        ]
        if len(ticked) == len(step.done_when) and progress.state_of(step) in OPEN_STATES:
            # Translators: on a step card when every "done when" check is ticked; "✅ Mark done" is the button.
            lines.append("<b>" + _("✅ Every check is ticked: time to tap ✅ Mark done?") + "</b>")
    if step.practice:
        # Translators: a heading on a step card, above a task to practise the step.
        lines += ["", _("🛠 <b>Practice</b>"), escape(step.practice)]
    if step.resources:
        # Translators: a heading on a step card, above links to read or watch.
        lines += ["", _("📚 <b>Resources</b>")]
        lines += [f'• <a href="{escape(r.url, quote=True)}">{escape(r.title)}</a>' for r in step.resources]
    return lines


def done_elsewhere_line(elsewhere: DoneElsewhere) -> str:
    """Where the step's topic was done, and when; the card's button counts it here."""
    # Translators: on a step card, above its button "✅ Count it here"; %(roadmap)s: the other
    # roadmap's title; %(day)s: a date like "3 Nov 2026".
    words = _("✅ Done in %(roadmap)s on %(day)s")
    return words % {"roadmap": escape(elsewhere.roadmap.title), "day": day(elsewhere.mark.changed_at)}


class ButtonFacts(NamedTuple):
    """What a card's buttons depend on besides its step and language: the step's `state`; whether a
    step comes after it (`onward`); its `ticked` checks (shown with `more`); whether it has a note
    (`noted`); more of the card or less; a topic done `elsewhere`; and the `way` on after completing
    the roadmap ("celebrate", with the next roadmap's id and title if there is one) or for a covered
    one ("revisit", how many skipped steps, the first one's id)."""

    state: StepState
    onward: bool
    ticked: frozenset[str]
    noted: bool
    more: bool
    elsewhere: bool
    way: tuple[object, ...]


def step_keyboard(
    roadmap: Roadmap, step: Step, progress: Progress, options: CardOptions = PLAIN
) -> InlineKeyboardMarkup:
    """The card's buttons: count a topic done elsewhere, done and on to the next step in one tap,
    change the state, walk to the neighbours, a way on when the roadmap is completed or covered,
    remove the note, more or less of the card, go back. What they depend on is worked out here;
    the buttons themselves once for each such case (step_buttons)."""
    state = progress.state_of(step)
    way: tuple[object, ...] = ()
    if options.celebrate:
        onward = options.next_roadmap
        way = ("celebrate", *((onward.id, onward.title) if onward else ()))
    elif progress.is_covered(roadmap) and (skipped := [s for s in progress.skipped_steps(roadmap) if s != step]):
        way = ("revisit", len(skipped), skipped[0].id)
    facts = ButtonFacts(
        state=state,
        onward=state in OPEN_STATES and progress.next_step_after(roadmap, step) is not None,
        ticked=progress.ticked(step) if options.more else frozenset(),
        noted=progress.note_of(step) is not None,
        more=options.more,
        elsewhere=options.elsewhere is not None,
        way=way,
    )
    return step_buttons(roadmap, step.id, language(), facts)


@per_roadmap
def step_buttons(roadmap: Roadmap, step_id: str, language: str, facts: ButtonFacts) -> InlineKeyboardMarkup:
    """A card's buttons in a language (see ButtonFacts), the same for every card they fit."""
    step = roadmap.step(step_id)
    assert step is not None, "a card's step is one of its roadmap's"
    ids = (roadmap.id, step.id)
    # Translators: a button: count this step done here, as it was done in another roadmap; keep it short.
    shared = [button(_("✅ Count it here"), CountSharedTopic(*ids))] if facts.elsewhere else []
    # Translators: a button: mark this step done and open the next one; keep it short.
    one_tap = [button(_("✅ Done · next ▶"), DoneAndNext(*ids))] if facts.state in OPEN_STATES else []
    if facts.onward:
        # Translators: a button: skip this step and open the next one; keep it short.
        one_tap.append(button(_("⏭ Skip · next ▶"), DoneAndNext(*ids, StepState.SKIPPED)))
    change_row = [
        button(_(label), UndoMark(*ids) if target is None else SetStepState(*ids, target))
        for label, target in STATE_BUTTONS[facts.state]
    ]
    check_row = [
        button(f"{TICK_BOX[check.id in facts.ticked]} {count(number)}", ToggleCheck(*ids, check.key))
        for number, check in enumerate(step.done_when, 1)
        if facts.more
    ]
    # Translators: a button that removes the step's note; keep it short.
    note_row = [button(_("🗑 Remove note"), RemoveNote(*ids))] if facts.noted else []
    ways = ways_on(roadmap, facts.way)
    back_row = back_buttons(roadmap, step, facts.more, facts.noted)
    return keyboard(
        [check_row, shared, one_tap, change_row, neighbour_buttons(roadmap, step), *ways, note_row, back_row]
    )


def back_buttons(roadmap: Roadmap, step: Step, more: bool, noted: bool) -> list[InlineKeyboardButton]:
    """The card's last row: more of it or less (where it has more), and back to the roadmap."""
    # Translators: a button back to the roadmap's view; keep it short.
    back_row = [button(_("🗺 Back to roadmap"), ShowRoadmap(roadmap.id, page_of(roadmap, step)))]
    if has_more(step):
        if more:
            # Translators: a button that shows less of a step card (hides its practice task); keep it short.
            toggle = button(_("Less ▴"), ShowStep(roadmap.id, step.id))
        else:
            # Translators: a button that shows more of a step card (its practice task); keep it short.
            more_words = _("🛠 More ▾")
            # A card's note waits behind More (its first screen fits a phone): the 📝 says one is there.
            toggle = button(f"{more_words} 📝" if noted else more_words, ShowStepMore(roadmap.id, step.id))
        back_row.insert(0, toggle)
    return back_row


def neighbour_buttons(roadmap: Roadmap, step: Step) -> list[InlineKeyboardButton]:
    """◀ Step 2 and Step 4 ▶: the step before and the step after, where there are."""
    number = roadmap.number_of(step)
    before, after = roadmap.neighbours(step)
    row = []
    if before:
        # Translators: a button to the step before; %(number)s is its number; keep it short.
        row.append(button(_("◀ Step %(number)s") % {"number": count(number - 1)}, ShowStep(roadmap.id, before.id)))
    if after:
        # Translators: a button to the step after; %(number)s is its number; keep it short.
        row.append(button(_("Step %(number)s ▶") % {"number": count(number + 1)}, ShowStep(roadmap.id, after.id)))
    return row


def ways_on(roadmap: Roadmap, way: tuple[object, ...]) -> list[list[InlineKeyboardButton]]:
    """After completing a roadmap: its card and the next roadmap; a covered one: its skipped steps
    other than this card's (the first of them); see step_buttons for `way`."""
    match way:
        case ("celebrate", str(next_id), str(next_title)):
            # Translators: a button to the next roadmap to start; %(roadmap)s is its title; keep it short.
            onward = button(_("📚 Next: %(roadmap)s") % {"roadmap": next_title}, ShowRoadmap(next_id))
            return [[button(_("📊 My card"), SendCard(roadmap.id)), onward]]
        case ("celebrate",):
            # Translators: a button to the list of roadmaps, after completing the last one not started; keep it short.
            every = button(_("📚 All roadmaps"), ShowCatalog())
            return [[button(_("📊 My card"), SendCard(roadmap.id)), every]]
        case ("revisit", int(skipped), str(first)):
            return [[button(revisit_skipped(skipped), ShowStep(roadmap.id, first))]]
    return []


def note_block(note: str, room: int) -> str:
    """A note under a card, escaped, and cut (with …) to fit the `room` left in the message."""
    # Translators: above the learner's note on a step card.
    heading = _("📝 <b>Your note</b> (reply to this card to change it)")
    opening, closing = f"\n\n{heading}\n<blockquote>", "</blockquote>"
    room -= len(opening) + len(closing)
    if len(escape(note)) > room:
        # The longest start of the note that, escaped and with "…", still fits.
        fits = bisect.bisect_right(range(len(note) + 1), room, key=lambda n: len(escape(note[:n] + "…"))) - 1
        note = note[: max(fits, 0)].rstrip() + "…"
    return f"{opening}{escape(note)}{closing}"
