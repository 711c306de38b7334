"""The step card: what a step is, its signals, resources, state and note, and the buttons that
change it; and the short answers a tap on them gets. Pure functions."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, replace
from html import escape

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
)
from handlers.line_views import effort_words, page_button, progress_line, signals_line
from handlers.roadmap_views import page_of
from handlers.screens import MAX_MESSAGE, NO_LINKS, Links, Screen, button, keyboard
from i18n.formats import day
from progress import DoneElsewhere, Progress, StepState
from roadmaps import Roadmap, Step

# What a tap on a state button says, in the toast.
STATE_CHANGED = {
    StepState.DONE: "✅ Marked done",
    StepState.SKIPPED: "⏭ Skipped",
    StepState.TODO: "↩️ Undone",
    StepState.WORKING: "🟡 Working on it",
}
COMPLETED = "🎉 Roadmap completed!"
COVERED = "Every step is done or skipped"
NOTE_REMOVED = "🗑 Note removed"
STEP_GONE = "That step is no longer in this roadmap. Here is the roadmap as it is now."

# States with something left to do: their cards offer done-and-next.
OPEN = (StepState.TODO, StepState.WORKING)
# The buttons that change a step, by the state it is in.
STATE_BUTTONS: dict[StepState, tuple[tuple[str, StepState], ...]] = {
    StepState.TODO: (
        ("✅ Mark done", StepState.DONE),
        ("🟡 Working on it", StepState.WORKING),
        ("⏭ Skip", StepState.SKIPPED),
    ),
    StepState.WORKING: (
        ("✅ Mark done", StepState.DONE),
        ("↩️ Not started", StepState.TODO),
        ("⏭ Skip", StepState.SKIPPED),
    ),
    StepState.DONE: (("↩️ Undo", StepState.TODO),),
    StepState.SKIPPED: (("✅ Mark done", StepState.DONE), ("↩️ Undo skip", StepState.TODO)),
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
    """A step card: what the step is and why it matters, its signals and effort, when it counts as
    done, resources, state, and the buttons to change it (`options`: see CardOptions)."""
    text = step_text(roadmap, step, progress, options)
    if options.celebrate:
        text += (
            f"\n\n🎉 <b>You completed {escape(roadmap.title)}!</b> Every step is done. "
            "Keep the card, or start the next roadmap whenever you are ready."
        )
    elif progress.is_covered(roadmap):
        done, skipped = progress.done_count(roadmap), len(progress.skipped_steps(roadmap))
        text += f"\n\nEvery step is done or skipped: {done} of {len(roadmap.steps)} done · {skipped} skipped."
    note = progress.note_of(step)
    if note is not None:
        text += note_block(note.text, room=MAX_MESSAGE - len(text))
    else:
        text += "\n\n<i>📝 Reply to this card to keep a note on this step.</i>"
    keys = step_keyboard(roadmap, step, progress, options)
    if page := page_button(options.links, roadmap):
        keys = InlineKeyboardMarkup([*keys.inline_keyboard, page])
    return Screen(text, keys)


def step_text(roadmap: Roadmap, step: Step, progress: Progress, options: CardOptions = PLAIN) -> str:
    """The card's text up to its progress line: heading, what the step is and why, signals and
    effort, when it is done, the practice task (with `more`), resources, state."""
    heading = f"🗺 {escape(roadmap.title)} · <b>Step {roadmap.number_of(step)} of {len(roadmap.steps)}</b>"
    if step.section:
        heading += f" · {escape(step.section)}"
    lines = [heading, "", f"<b>{escape(step.title)}</b>", escape(step.summary)]
    if step.why:
        lines.append(f"<i>Why it matters: {escape(step.why)}</i>")
    lines += ["", signals_line(step.signals)]
    if step.effort_hours:
        lines.append(f"⏱ {effort_words(step.effort_hours)}")
    if step.done_when:
        lines += ["", "☑️ <b>Done when</b>", *(f"▫️ {escape(outcome)}" for outcome in step.done_when)]
    if options.more and step.practice:
        lines += ["", "🛠 <b>Practice</b>", escape(step.practice)]
    if step.resources:
        lines += ["", "📚 <b>Resources</b>"]
        lines += [f'• <a href="{escape(r.url, quote=True)}">{escape(r.title)}</a>' for r in step.resources]
    mark = progress.mark_of(step)
    lines.append("")
    if options.elsewhere is not None:
        lines.append(done_elsewhere_line(options.elsewhere))
    lines.append(state_line(mark.state if mark else StepState.TODO, mark.changed_at if mark else None))
    lines.append(progress_line(roadmap, progress))
    return "\n".join(lines)


def done_elsewhere_line(elsewhere: DoneElsewhere) -> str:
    """Where the step's topic was done, and when; the card's button counts it here."""
    return (
        f"✅ Done in {escape(elsewhere.roadmap.title)} on {day(elsewhere.mark.changed_at)}"
        " (“Count it here” marks it done here too)"
    )


def step_keyboard(
    roadmap: Roadmap, step: Step, progress: Progress, options: CardOptions = PLAIN
) -> InlineKeyboardMarkup:
    """The card's buttons: count a topic done elsewhere, done and on to the next step in one tap,
    change the state, walk to the neighbours, a way on when the roadmap is completed or covered,
    remove the note, more or less of the card, go back."""
    number = roadmap.number_of(step)
    state = progress.state_of(step)
    shared = [button("✅ Count it here", CountSharedTopic(roadmap.id, step.id))] if options.elsewhere else []
    one_tap = [button("✅ Done · next ▶", DoneAndNext(roadmap.id, step.id))] if state in OPEN else []
    change_row = [button(label, SetStepState(roadmap.id, step.id, target)) for label, target in STATE_BUTTONS[state]]
    before, after = roadmap.neighbours(step)
    neighbour_row = []
    if before:
        neighbour_row.append(button(f"◀ Step {number - 1}", ShowStep(roadmap.id, before.id)))
    if after:
        neighbour_row.append(button(f"Step {number + 1} ▶", ShowStep(roadmap.id, after.id)))
    note_row = [button("🗑 Remove note", RemoveNote(roadmap.id, step.id))] if progress.note_of(step) else []
    back_row = [button("🗺 Back to roadmap", ShowRoadmap(roadmap.id, page_of(roadmap, step)))]
    if step.practice:
        toggle = (
            ("Less ▴", ShowStep(roadmap.id, step.id))
            if options.more
            else ("🛠 More ▾", ShowStepMore(roadmap.id, step.id))
        )
        back_row.insert(0, button(*toggle))
    ways = ways_on(roadmap, progress, options.celebrate, options.next_roadmap)
    return keyboard([shared, one_tap, change_row, neighbour_row, *ways, note_row, back_row])


def ways_on(
    roadmap: Roadmap, progress: Progress, celebrate: bool, next_roadmap: Roadmap | None
) -> list[list[InlineKeyboardButton]]:
    """After completing a roadmap: its card and the next roadmap; a covered one: its skipped steps."""
    if celebrate:
        onward = ShowRoadmap(next_roadmap.id) if next_roadmap else ShowCatalog()
        label = f"📚 Next: {next_roadmap.title}" if next_roadmap else "📚 All roadmaps"
        return [[button("📊 My card", SendCard(roadmap.id)), button(label, onward)]]
    skipped = progress.skipped_steps(roadmap)
    if progress.is_covered(roadmap) and skipped:
        return [[button(f"⏭ Revisit the {len(skipped)} skipped", ShowStep(roadmap.id, skipped[0].id))]]
    return []


def note_block(note: str, room: int) -> str:
    """A note under a card, escaped, and cut (with …) to fit the `room` left in the message."""
    opening, closing = "\n\n📝 <b>Your note</b> (reply to this card to change it)\n<blockquote>", "</blockquote>"
    room -= len(opening) + len(closing)
    if len(escape(note)) > room:
        # The longest start of the note that, escaped and with "…", still fits.
        fits = bisect.bisect_right(range(len(note) + 1), room, key=lambda n: len(escape(note[:n] + "…"))) - 1
        note = note[: max(fits, 0)].rstrip() + "…"
    return f"{opening}{escape(note)}{closing}"


def state_line(state: StepState, changed_at: dt.datetime | None) -> str:
    """The card's state line, with the date of the change."""
    when = f" on {day(changed_at)}" if changed_at else ""
    if state is StepState.DONE:
        return f"State: ✅ Done{when}"
    if state is StepState.SKIPPED:
        return f"State: ⏭ Skipped{when}"
    if state is StepState.WORKING:
        return f"State: 🟡 Working on it since{when.removeprefix(' on')}"
    return "State: ⬜ Not yet"


def render_done_toast(roadmap: Roadmap, step: Step) -> str:
    """The toast of ✅ Done · next: which step was marked, and how to take it back."""
    return f"✅ Step {roadmap.number_of(step)} done. To undo: ◀ back to it, then ↩️ Undo."


def render_counted_toast(elsewhere: DoneElsewhere) -> str:
    """The toast of ✅ Count it here: where it was done, and that it counts here now."""
    return f"✅ Counted here: done in {elsewhere.roadmap.title} on {day(elsewhere.mark.changed_at)}"
