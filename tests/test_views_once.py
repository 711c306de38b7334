"""Parts of views made once and kept (handlers/once.py, shared keyboards in handlers/screens.py)
show exactly what making them anew shows: for any progress, options, page, links and language,
a card and a roadmap view read the same whether what they are made of was kept from earlier
screens or not; a roadmap read anew (a reloaded catalog) shows its own words; and a keyboard of
shared buttons is one object, its JSON the same as python-telegram-bot's own."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers import once, screens
from handlers.actions import SendCard, ShowCatalog, ShowRoadmap, ShowStep
from handlers.callback_data import decode
from handlers.once import forget_all
from handlers.roadmap_views import render_roadmap
from handlers.screens import (
    Links,
    Screen,
    SharedKeyboard,
    button,
    forget_shared_keyboards,
    keyboard,
    url_button,
)
from handlers.step_views import CardOptions, render_step
from i18n.catalogs import LANGUAGES, speaking
from progress import DoneElsewhere, Mark, Note, Progress, StepState
from roadmaps import Check, Effort, Level, Resource, Roadmap, Signals, Step

SIGNALS = Signals(Level.HIGH, Level.MEDIUM, Level.LOW)
T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def demo_roadmap(size: int = 11, title: str = "Demo") -> Roadmap:
    """Steps with sections (two pages), checks, practice, resources and estimates, some without."""
    steps = tuple(
        Step(
            f"s{n}",
            f"{title} step {n}",
            f"What step {n} is.",
            SIGNALS,
            section=f"Part {n // 4}",
            why=f"Why {n}." if n % 2 else None,
            done_when=tuple(Check(f"c{n}{k}", f"Check {k}") for k in range(n % 3)),
            practice="Build it." if n % 3 == 0 else None,
            resources=(Resource("Docs", "https://example.org/docs"),) if n % 4 == 0 else (),
            effort_hours=Effort(n + 1, 2 * n + 2) if n % 2 == 0 else None,
        )
        for n in range(size)
    )
    return Roadmap("demo", title, "A demo.", SIGNALS, steps)


ROADMAP = demo_roadmap()
NEXT = Roadmap("after", "After", "The next one.", SIGNALS, (Step("a0", "First", "First.", SIGNALS),))
STEP_IDS = [step.id for step in ROADMAP.steps]


@st.composite
def progresses(draw: st.DrawFn) -> Progress:
    """Marks in every state (all steps covered now and then), ticked checks and notes."""
    covered = draw(st.booleans())
    states = st.sampled_from([StepState.DONE, StepState.SKIPPED] if covered else list(StepState))
    chosen = STEP_IDS if covered else draw(st.lists(st.sampled_from(STEP_IDS), unique=True))
    marks = {step_id: Mark(draw(states), T0 + dt.timedelta(days=draw(st.integers(0, 3)))) for step_id in chosen}
    ticks = {
        step.id: frozenset(draw(st.lists(st.sampled_from([c.id for c in step.done_when]), unique=True)))
        for step in ROADMAP.steps
        if step.done_when and draw(st.booleans())
    }
    notes = {step_id: Note(f"note <{step_id}>", T0) for step_id in draw(st.lists(st.sampled_from(STEP_IDS)))}
    return Progress("demo", marks, started=bool(marks), notes=notes, ticks=ticks)


def elsewhere_of(step_ids: list[str]) -> dict[str, DoneElsewhere]:
    return {step_id: DoneElsewhere(NEXT, NEXT.steps[0], Mark(StepState.DONE, T0)) for step_id in step_ids}


screen_asks = st.tuples(
    st.sampled_from(LANGUAGES),
    progresses(),
    st.sampled_from(ROADMAP.steps),
    st.builds(
        CardOptions,
        celebrate=st.booleans(),
        next_roadmap=st.sampled_from([None, NEXT]),
        more=st.booleans(),
        elsewhere=st.sampled_from([None, elsewhere_of(["x"])["x"]]),
        links=st.sampled_from([Links(), Links("demo_bot", "https://example.org/page")]),
    ),
    st.none() | st.integers(-1, 3),
    st.lists(st.sampled_from(STEP_IDS), unique=True),
)


def seen(screen: Screen) -> tuple[str, object]:
    """What a person is shown: the text and the buttons as the Bot API gets them."""
    assert isinstance(screen.keyboard, InlineKeyboardMarkup)
    return screen.text, json.loads(screen.keyboard.to_json())


@settings(max_examples=300)
@given(st.lists(screen_asks, min_size=2, max_size=6))
def test_cards_and_views_made_of_kept_parts_read_as_made_anew(asks: list[tuple]) -> None:  # type: ignore[type-arg]
    # Several screens in a row: each later one meets parts kept from the ones before it.
    for language, progress, step, options, page, elsewhere in asks:
        with speaking(language):
            card = seen(render_step(ROADMAP, step, progress, options))
            view = seen(render_roadmap(ROADMAP, progress, page, links=options.links, elsewhere=elsewhere_of(elsewhere)))
            forget_all()
            forget_shared_keyboards()
            assert seen(render_step(ROADMAP, step, progress, options)) == card
            again = render_roadmap(ROADMAP, progress, page, links=options.links, elsewhere=elsewhere_of(elsewhere))
            assert seen(again) == view


def test_a_roadmap_read_anew_shows_its_own_words_where_the_old_one_was_kept() -> None:
    old, new = demo_roadmap(title="Old"), demo_roadmap(title="New")
    progress = Progress("demo", {"s0": Mark(StepState.WORKING, T0)}, started=True)
    for roadmap in (old, new, old):
        card, view = render_step(roadmap, roadmap.steps[1], progress), render_roadmap(roadmap, progress, 0)
        assert f"{roadmap.title} step 1" in card.text
        labels = [b.text for row in view.keyboard.inline_keyboard for b in row]  # type: ignore[union-attr]
        assert f"👉 Next step: {roadmap.title} step 0" in labels
        assert any(f"{roadmap.title} step 3" in label for label in labels)


def test_a_card_speaks_the_language_it_is_made_in_after_another_was_kept() -> None:
    progress = Progress("demo", {}, started=False)
    with speaking("en"):
        english = render_step(ROADMAP, ROADMAP.steps[0], progress)
    with speaking("ru"):
        russian = render_step(ROADMAP, ROADMAP.steps[0], progress)
    assert "Step 1 of 11" in english.text and "Step 1 of 11" not in russian.text
    assert seen(english)[1] != seen(russian)[1]


def test_a_keyboard_of_shared_buttons_is_one_object_with_telegram_s_json() -> None:
    rows = [
        [button("One", ShowCatalog()), button("Two", ShowStep("demo", "s0"))],
        [url_button("Site", "https://x.org")],
    ]
    made = keyboard([*rows, []])
    assert isinstance(made, SharedKeyboard)
    assert keyboard([list(row) for row in rows]) is made, "the same buttons in the same rows: the same keyboard"
    assert keyboard(rows[:1]) is not made
    assert json.loads(made.to_json()) == json.loads(InlineKeyboardMarkup(rows).to_json())


def test_a_keyboard_with_a_button_of_its_own_is_not_kept() -> None:
    own = InlineKeyboardButton("Mine", callback_data="x")
    made = keyboard([[button("One", ShowCatalog()), own]])
    assert type(made) is InlineKeyboardMarkup
    assert keyboard([[button("One", ShowCatalog()), own]]) is not made


def test_shared_keyboards_kept_stay_within_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    forget_shared_keyboards()
    monkeypatch.setattr(screens, "SHARED_KEYBOARDS_KEPT", 3)
    made = [keyboard([[button(f"B{n}", ShowStep("demo", f"s{n}"))]]) for n in range(10)]
    assert len(screens._SHARED_KEYBOARDS) == 3
    assert [b.text for b in made[-1].inline_keyboard[0]] == ["B9"]
    assert keyboard([[button("B9", ShowStep("demo", "s9"))]]) is made[-1], "the newest are kept"


def test_parts_kept_per_roadmap_stay_within_their_bound_the_oldest_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(once, "MOST", 3)
    made: list[str] = []

    @once.per_roadmap
    def heading(roadmap: Roadmap, step_id: str) -> str:
        made.append(step_id)
        return f"{roadmap.title}: {step_id}"

    for step_id in ("s0", "s1", "s2", "s3", "s3", "s1", "s0"):
        assert heading(ROADMAP, step_id) == f"Demo: {step_id}"
    assert made == ["s0", "s1", "s2", "s3", "s0"], "s0 was the oldest when s3 came, and was made anew"
    assert heading(demo_roadmap(), "s1") == "Demo: s1" and made[-1] == "s1", "another roadmap object: made anew"


def test_the_card_that_completes_a_roadmap_offers_its_card_and_the_next_roadmap_or_all() -> None:
    done = Progress("demo", {step.id: Mark(StepState.DONE, T0) for step in ROADMAP.steps}, started=True)
    for next_roadmap, onward in (
        (NEXT, ("📚 Next: After", ShowRoadmap("after"))),
        (None, ("📚 All roadmaps", ShowCatalog())),
    ):
        card = render_step(ROADMAP, ROADMAP.steps[-1], done, CardOptions(celebrate=True, next_roadmap=next_roadmap))
        rows = [[(b.text, decode(b.callback_data)) for b in row] for row in card.keyboard.inline_keyboard]  # type: ignore[union-attr]
        assert [("📊 My card", SendCard("demo")), onward] in rows
