"""Views: pure functions from content and progress to a message's HTML text and buttons."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import (
    Action,
    Noop,
    RemoveNote,
    SetStepState,
    ShowCatalog,
    ShowRoadmap,
    ShowStep,
    encode,
)
from roadmaps import Catalog, Roadmap, Signals, Step
from storage import Pace, Progress, StepState, pace_of, weekly_streak

STEPS_PER_PAGE = 8
BAR_CELLS = 10
# Telegram's cap on a message's text; HTML is never shorter than the text it shows,
# so an HTML string within the cap is a message within the cap.
MAX_MESSAGE = 4096
MAX_PROGRESS_ENTRIES = 10
MAX_NOTE = 1000  # characters; a card shows as much as fits

# The commands, in the order /help and Telegram's menu show them.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Welcome and the roadmaps"),
    ("roadmaps", "All roadmaps"),
    ("next", "Your next step"),
    ("progress", "How far you are, streak and pace"),
    ("remind", "Weekly reminder: day, hour, pause"),
    ("timezone", "Your time zone, e.g. /timezone Europe/Berlin"),
    ("note", "A note on your current step"),
    ("card", "A picture of your progress to share"),
    ("export", "Progress and notes as Markdown and JSON files"),
    ("import", "Bring back an export: send its JSON file"),
    ("reset", "Start a roadmap over"),
    ("forget", "Delete everything about this chat"),
    ("help", "How this bot works"),
)

EXTRA_COUNTS = ((StepState.WORKING, "in progress"), (StepState.SKIPPED, "skipped"))
STATE_ICON = {StepState.DONE: "✅", StepState.SKIPPED: "⏭", StepState.WORKING: "🟡", StepState.TODO: "⬜"}
SIGNALS_LEGEND = (
    "Importance: how central it is to the job. Market demand: how often employers ask for it. "
    "Automation risk: how much of it AI tools already do."
)


@dataclass(frozen=True, slots=True)
class Screen:
    """What one bot message shows: HTML text and inline buttons."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def button(label: str, action: Action) -> InlineKeyboardButton:
    """An inline button that asks for an action."""
    return InlineKeyboardButton(label, callback_data=encode(action))


def keyboard(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """A keyboard from rows, leaving out empty ones."""
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def signals_line(signals: Signals) -> str:
    """`Importance High · Market demand Medium · Automation risk Low`, as the seed page says it."""
    return " · ".join(f"{name} <b>{level}</b>" for name, level in signals.labelled())


def progress_bar(done: int, total: int) -> str:
    """Ten cells, filled in proportion to the steps done."""
    filled = done * BAR_CELLS // total if total else 0
    return "▰" * filled + "▱" * (BAR_CELLS - filled)


def percent(done: int, total: int) -> int:
    """Whole percent of steps done, rounded down so that 100% means every step."""
    return done * 100 // total


def percent_done(roadmap: Roadmap, progress: Progress) -> int:
    """Whole percent of a roadmap's steps done."""
    return percent(progress.done_count(roadmap), len(roadmap.steps))


def progress_line(roadmap: Roadmap, progress: Progress) -> str:
    """`30% · 3 of 10 steps done`, the seed page's words, plus skipped steps if any."""
    tally, total = progress.tally(roadmap), len(roadmap.steps)
    done = tally[StepState.DONE]
    extras = [f"{tally[state]} {word}" for state, word in EXTRA_COUNTS if tally[state]]
    return " · ".join([f"{percent(done, total)}% · {done} of {total} steps done", *extras])


def progress_block(roadmap: Roadmap, progress: Progress) -> str:
    """The bar, then the line: `▰▰▰▱▱▱▱▱▱▱ 30% · 3 of 10 steps done`."""
    return f"{progress_bar(progress.done_count(roadmap), len(roadmap.steps))} {progress_line(roadmap, progress)}"


def page_of(roadmap: Roadmap, step: Step) -> int:
    """The page of the roadmap view that lists a step."""
    return (roadmap.number_of(step) - 1) // STEPS_PER_PAGE


def page_count(roadmap: Roadmap) -> int:
    """How many pages the roadmap view has."""
    return -(-len(roadmap.steps) // STEPS_PER_PAGE)


def catalog_buttons(catalog: Catalog, progresses: Mapping[str, Progress]) -> list[list[InlineKeyboardButton]]:
    """One button per roadmap; started ones show their percentage."""
    rows = []
    for roadmap in catalog:
        progress = progresses.get(roadmap.id)
        if progress is None:
            label = f"{roadmap.title} · {len(roadmap.steps)} steps"
        else:
            label = f"{roadmap.title} · {percent_done(roadmap, progress)}%"
        rows.append([button(label, ShowRoadmap(roadmap.id))])
    return rows


def render_welcome(catalog: Catalog, progresses: Mapping[str, Progress], note: str | None = None) -> Screen:
    """The /start message: what the bot does, and the catalog."""
    text = (
        "👋 <b>Welcome!</b> I walk you through career roadmaps one step at a time: "
        "read what each step is and why it matters, mark it done, and watch your progress grow. "
        "I keep your progress in this chat.\n\nPick a roadmap to begin:"
    )
    return Screen(_with_note(note, text), keyboard(catalog_buttons(catalog, progresses)))


def render_catalog(catalog: Catalog, progresses: Mapping[str, Progress], note: str | None = None) -> Screen:
    """Every roadmap with its summary (titles only if summaries would not fit), and a button each."""
    entries = [f"<b>{escape(r.title)}</b> · {len(r.steps)} steps\n{escape(r.summary)}" for r in catalog]
    text = _with_note(note, "\n\n".join(["📚 <b>Roadmaps</b>", *entries]))
    if len(text) > MAX_MESSAGE:
        text = _with_note(note, "📚 <b>Roadmaps</b>")
    return Screen(text, keyboard(catalog_buttons(catalog, progresses)))


def share_link(bot_username: str, roadmap: Roadmap) -> str:
    """Telegram's share dialog for a deep link that opens this roadmap in this bot."""
    deep_link = f"https://t.me/{bot_username}?start={roadmap.id}"
    return f"https://t.me/share/url?{urlencode({'url': deep_link, 'text': roadmap.title})}"


def render_roadmap(
    roadmap: Roadmap, progress: Progress, page: int | None = None, *, bot_username: str | None = None
) -> Screen:
    """A roadmap: summary, signals, progress, a page of steps as buttons, and a share button."""
    next_step = progress.next_step(roadmap)
    pages = page_count(roadmap)
    if page is None:
        page = page_of(roadmap, next_step) if next_step else 0
    page = min(max(page, 0), pages - 1)
    shown = roadmap.steps[page * STEPS_PER_PAGE : (page + 1) * STEPS_PER_PAGE]
    done = progress.done_count(roadmap)

    lines = [
        f"🗺 <b>{escape(roadmap.title)}</b>",
        escape(roadmap.summary),
        "",
        "<b>How to read the signals</b>",
        signals_line(roadmap.signals),
        f"<i>{SIGNALS_LEGEND}</i>",
        "",
        "<b>Roadmap progress</b>",
        progress_bar(done, len(roadmap.steps)),
        progress_line(roadmap, progress),
    ]
    if next_step is None:
        lines += ["", "🎉 <b>Finished!</b> Every step is done or skipped."]
    if pages > 1:
        first = page * STEPS_PER_PAGE + 1
        sections = list(dict.fromkeys(step.section for step in shown if step.section))
        where = f" · {escape(' · '.join(sections))}" if sections else ""
        lines += ["", f"<i>Steps {first}–{first + len(shown) - 1} of {len(roadmap.steps)}{where}</i>"]

    step_rows = [
        [
            button(
                f"{STATE_ICON[progress.state_of(step)]} {roadmap.number_of(step)}. {step.title}",
                ShowStep(roadmap.id, step.id),
            )
        ]
        for step in shown
    ]
    paging = []
    if pages > 1:
        paging = [
            button("◀", ShowRoadmap(roadmap.id, (page - 1) % pages)),
            button(f"{page + 1}/{pages}", Noop()),
            button("▶", ShowRoadmap(roadmap.id, (page + 1) % pages)),
        ]
    next_row = [button(f"👉 Next step: {next_step.title}", ShowStep(roadmap.id, next_step.id))] if next_step else []
    last_row = [button("📚 All roadmaps", ShowCatalog())]
    if bot_username:
        last_row.append(InlineKeyboardButton("📤 Share", url=share_link(bot_username, roadmap)))
    rows = [*step_rows, paging, next_row, last_row]
    return Screen("\n".join(lines), keyboard(rows))


def render_step(roadmap: Roadmap, step: Step, progress: Progress, *, celebrate: bool = False) -> Screen:
    """A step card: what the step is, its signals, resources, state and the buttons to change it."""
    number, total = roadmap.number_of(step), len(roadmap.steps)
    heading = f"🗺 {escape(roadmap.title)} · <b>Step {number} of {total}</b>"
    if step.section:
        heading += f" · {escape(step.section)}"
    lines = [heading, "", f"<b>{escape(step.title)}</b>", escape(step.summary), "", signals_line(step.signals)]
    if step.resources:
        lines += ["", "📚 <b>Resources</b>"]
        lines += [f'• <a href="{escape(r.url, quote=True)}">{escape(r.title)}</a>' for r in step.resources]
    mark = progress.mark_of(step)
    lines += ["", _state_line(mark.state if mark else StepState.TODO, mark.changed_at if mark else None)]
    lines.append(progress_line(roadmap, progress))
    if celebrate:
        lines += [
            "",
            f"🎉 <b>You finished {escape(roadmap.title)}!</b> "
            "Every step is done or skipped. Pick another roadmap whenever you are ready.",
        ]

    note = progress.note_of(step)
    text = "\n".join(lines)
    if note is not None:
        text += note_block(note.text, room=MAX_MESSAGE - len(text))
    else:
        text += "\n\n<i>📝 Reply to this card to keep a note on this step.</i>"

    state = progress.state_of(step)
    change_row = [button(label, SetStepState(roadmap.id, step.id, target)) for label, target in STATE_BUTTONS[state]]
    before, after = roadmap.neighbours(step)
    neighbour_row = []
    if before:
        neighbour_row.append(button(f"◀ Step {number - 1}", ShowStep(roadmap.id, before.id)))
    if after:
        neighbour_row.append(button(f"Step {number + 1} ▶", ShowStep(roadmap.id, after.id)))
    note_row = [button("🗑 Remove note", RemoveNote(roadmap.id, step.id))] if note is not None else []
    back_row = [button("🗺 Back to roadmap", ShowRoadmap(roadmap.id, page_of(roadmap, step)))]
    return Screen(text, keyboard([change_row, neighbour_row, note_row, back_row]))


def note_block(note: str, room: int) -> str:
    """A note under a card, escaped, and cut (with …) to fit the `room` left in the message."""
    opening, closing = "\n\n📝 <b>Your note</b> (reply to this card to change it)\n<blockquote>", "</blockquote>"
    room -= len(opening) + len(closing)
    if len(escape(note)) > room:
        # The longest start of the note that, escaped and with "…", still fits.
        fits = bisect.bisect_right(range(len(note) + 1), room, key=lambda n: len(escape(note[:n] + "…"))) - 1
        note = note[: max(fits, 0)].rstrip() + "…"
    return f"{opening}{escape(note)}{closing}"


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


def streak_line(streak: int) -> str | None:
    """`🔥 3 weeks in a row`, or nothing without a streak."""
    if not streak:
        return None
    return f"🔥 {streak} week{'s' if streak != 1 else ''} in a row"


def pace_line(pace: Pace, today: dt.date) -> str:
    """`⏱ At 1.5 steps a week you finish around 12 March` (the year too, when it is not this one)."""
    rate = f"{pace.steps_per_week:.1f}".removesuffix(".0")
    unit = "step" if rate == "1" else "steps"
    day = f"{pace.finish_on:%-d %B}" + (f" {pace.finish_on.year}" if pace.finish_on.year != today.year else "")
    return f"⏱ At {rate} {unit} a week you finish around {day}"


def started_roadmaps(catalog: Catalog, progresses: Sequence[Progress]) -> list[tuple[Roadmap, Progress]]:
    """The chat's roadmaps that the catalog still has, the one used last first."""
    pairs = [(catalog.get(p.roadmap_id), p) for p in progresses]
    return [(roadmap, progress) for roadmap, progress in pairs if roadmap is not None]


def render_progress(catalog: Catalog, progresses: Sequence[Progress], now: dt.datetime) -> Screen:
    """/progress: the weekly streak, then each started roadmap with its bar, line, pace and next step."""
    started = started_roadmaps(catalog, progresses)
    if not started:
        return render_catalog(catalog, {}, note="You have not started a roadmap yet. Pick one:")
    lines = ["📈 <b>Your progress</b>"]
    if streak := streak_line(weekly_streak(progresses, now)):
        lines.append(streak)
    rows = []
    if len(started) > MAX_PROGRESS_ENTRIES:
        lines.append(f"<i>The {MAX_PROGRESS_ENTRIES} roadmaps you used last, of {len(started)}</i>")
    for roadmap, progress in started[:MAX_PROGRESS_ENTRIES]:
        next_step = progress.next_step(roadmap)
        lines += [
            "",
            f"<b>{escape(roadmap.title)}</b>",
            progress_block(roadmap, progress),
        ]
        if pace := pace_of(progress, roadmap, now):
            lines.append(pace_line(pace, now.date()))
        lines.append(f"Next: {escape(next_step.title)}" if next_step else "🎉 Finished")
        rows.append([button(roadmap.title, ShowRoadmap(roadmap.id))])
    rows.append([button("📚 All roadmaps", ShowCatalog())])
    return Screen("\n".join(lines), keyboard(rows))


def render_help() -> Screen:
    """/help: what the bot does and every command it answers."""
    commands = "\n".join(f"/{name} · {escape(description)}" for name, description in COMMANDS)
    text = (
        "🗺 <b>Roadmap bot</b> walks you through career roadmaps step by step and keeps your "
        "progress in this chat (a group shares one).\n\n"
        f"{commands}\n\n"
        "Tap a step to read it, then ✅ Mark done, 🟡 Working on it or ⏭ Skip. "
        "Reply to a step card to keep a note on it.\n\n"
        "⏰ Once a week I nudge you toward your next step, on the weekday and hour you started "
        "(UTC until you set /timezone)."
    )
    return Screen(text)


def render_note_saved(step: Step) -> str:
    """The answer to a note: where it went."""
    return f"📝 Saved your note on “{escape(step.title)}”. It shows on the step card."


def render_note_too_long(length: int) -> str:
    """The answer to a note over the limit; nothing was saved."""
    return f"That note has {length:,} characters; a note can have up to {MAX_NOTE:,}. Nothing was saved."


def render_note_needs_a_card() -> str:
    """The answer to /note when there is no step to put it on, or to a reply that is not to a card."""
    return "To keep a note, reply to a step card, or send /note with your text to note your current step."


def render_hint() -> str:
    """The one-line answer to plain text."""
    return "I work with buttons and commands: try /roadmaps to pick a roadmap, or /help."


def render_unknown_command(command: str) -> str:
    """The one-line answer to a command the bot does not have."""
    return f"I don't know the command {escape(command)}. Try /help to see what I can do."


def render_unknown_roadmap_note(roadmap_id: str) -> str:
    """The note above the catalog when a deep link names no roadmap."""
    shown = roadmap_id if len(roadmap_id) <= 64 else roadmap_id[:63] + "…"
    return f"I don't have a roadmap called “{escape(shown)}”. Here are the ones I have:"


def _state_line(state: StepState, changed_at: dt.datetime | None) -> str:
    """The card's state line, with the date of the change."""
    when = f" on {changed_at:%-d %b %Y}" if changed_at else ""
    if state is StepState.DONE:
        return f"State: ✅ Done{when}"
    if state is StepState.SKIPPED:
        return f"State: ⏭ Skipped{when}"
    if state is StepState.WORKING:
        return f"State: 🟡 Working on it since{when.removeprefix(' on')}"
    return "State: ⬜ Not yet"


def _with_note(note: str | None, text: str) -> str:
    """Put a one-line note (already HTML) above a message."""
    return f"{note}\n\n{text}" if note else text
