"""What a chat's progress says of a roadmap (how many steps are done or skipped, whether it is
covered or completed, which steps were skipped), read off its marks, agrees with asking every step;
and a roadmap's pages, worked out once, are each roadmap's own."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from handlers.roadmap_views import STEPS_PER_PAGE, page_count, page_of, pages_of
from progress import Mark, Progress, StepState
from roadmaps import Effort, Level, Roadmap, Signals, Step

SIGNALS = Signals(Level.HIGH, Level.HIGH, Level.LOW)
T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@st.composite
def roadmaps_and_progress(draw: st.DrawFn) -> tuple[Roadmap, Progress]:
    """A roadmap of 1 to 12 steps, some renamed (progress may lie under a former id), some with an
    estimate of hours, and marks in every state under current, former and removed ids, at times
    that may tie."""
    size = draw(st.integers(1, 12))
    renamed = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    hours = draw(st.lists(st.none() | st.integers(1, 80), min_size=size, max_size=size))
    steps = tuple(
        Step(
            f"s{n}",
            f"Step {n}",
            "Text.",
            SIGNALS,
            formerly=(f"old{n}",) if renamed[n] else (),
            effort_hours=None if hours[n] is None else Effort(hours[n], 2 * hours[n]),
        )
        for n in range(size)
    )
    roadmap = Roadmap("demo", "Demo", "A demo.", SIGNALS, steps)
    ids = [step_id for step in steps for step_id in step.ids] + ["removed", "gone"]
    marks = draw(
        st.dictionaries(
            st.sampled_from(ids),
            st.builds(
                Mark, st.sampled_from(list(StepState)), st.integers(0, 3).map(lambda h: T0 + dt.timedelta(hours=h))
            ),
        )
    )
    return roadmap, Progress("demo", marks)


@given(roadmaps_and_progress())
def test_counts_and_coverage_read_off_the_marks_agree_with_every_step_asked(drawn: tuple[Roadmap, Progress]) -> None:
    roadmap, progress = drawn
    states = [progress.state_of(step) for step in roadmap.steps]
    assert progress.done_count(roadmap) == states.count(StepState.DONE)
    assert progress.skipped_count(roadmap) == states.count(StepState.SKIPPED)
    assert progress.is_covered(roadmap) == all(s in (StepState.DONE, StepState.SKIPPED) for s in states)
    assert progress.is_completed(roadmap) == all(s is StepState.DONE for s in states)
    skipped = [step for step, state in zip(roadmap.steps, states, strict=True) if state is StepState.SKIPPED]
    assert progress.skipped_steps(roadmap) == skipped
    assert progress.states(roadmap) == states


@given(roadmaps_and_progress())
def test_the_next_step_and_the_effort_left_agree_with_every_step_asked(drawn: tuple[Roadmap, Progress]) -> None:
    roadmap, progress = drawn
    states = [progress.state_of(step) for step in roadmap.steps]
    working = [step for step, state in zip(roadmap.steps, states, strict=True) if state is StepState.WORKING]
    to_do = [step for step, state in zip(roadmap.steps, states, strict=True) if state is StepState.TODO]
    assert progress.next_step(roadmap) == (working or to_do or [None])[0]
    for position, step in enumerate(roadmap.steps):
        around = [*range(position + 1, len(states)), *range(position)]
        unfinished = [roadmap.steps[n] for n in around if states[n] in (StepState.WORKING, StepState.TODO)]
        assert progress.next_step_after(roadmap, step) == (unfinished or [None])[0]
    left = [
        step.effort_hours
        for step, state in zip(roadmap.steps, states, strict=True)
        if step.effort_hours and state in (StepState.WORKING, StepState.TODO)
    ]
    expected = Effort(sum(e.low for e in left), sum(e.high for e in left)) if left else None
    assert progress.effort_left(roadmap) == expected


def test_a_roadmap_whose_every_step_is_marked_done_is_completed_and_covered() -> None:
    steps = tuple(Step(f"s{n}", f"Step {n}", "Text.", SIGNALS) for n in range(3))
    roadmap = Roadmap("demo", "Demo", "A demo.", SIGNALS, steps)
    done = Progress("demo", {step.id: Mark(StepState.DONE, T0) for step in steps})
    assert done.is_completed(roadmap) and done.is_covered(roadmap) and done.done_count(roadmap) == 3
    one_skipped = Progress("demo", {**done.marks, "s1": Mark(StepState.SKIPPED, T0)})
    assert one_skipped.is_covered(roadmap) and not one_skipped.is_completed(roadmap)
    assert one_skipped.skipped_steps(roadmap) == [steps[1]] and one_skipped.done_count(roadmap) == 2
    only_skipped = Progress("demo", {"s2": Mark(StepState.SKIPPED, T0)})
    assert only_skipped.skipped_steps(roadmap) == [steps[2]] and only_skipped.skipped_count(roadmap) == 1
    assert not only_skipped.is_covered(roadmap) and only_skipped.next_step(roadmap) == steps[0]


def paged_roadmap(size: int, sections: tuple[int, ...] = ()) -> Roadmap:
    """`size` steps; with `sections`, each step in one, the sections that many steps long."""
    names = [f"Part {number}" for number, length in enumerate(sections) for _ in range(length)]
    steps = tuple(
        Step(f"s{n}", f"Step {n}", "Text.", SIGNALS, section=names[n] if names else None) for n in range(size)
    )
    return Roadmap("demo", "Demo", "A demo.", SIGNALS, steps)


def test_each_step_is_on_the_page_that_lists_it_and_pages_are_each_roadmaps_own() -> None:
    short, long = paged_roadmap(STEPS_PER_PAGE), paged_roadmap(STEPS_PER_PAGE * 2 + 1)
    assert page_count(short) == 1 and page_count(long) == 3
    for roadmap in (short, long, short, long):  # asked again, the same answer
        pages = pages_of(roadmap)
        assert [step for page in pages for step in page] == list(roadmap.steps)
        for step in roadmap.steps:
            assert step in pages[page_of(roadmap, step)]
        assert pages_of(roadmap) is pages, "worked out once a roadmap"
    # A roadmap read anew under the same id, now longer: its pages, not the old one's.
    longer = paged_roadmap(STEPS_PER_PAGE * 3 + 1)
    assert page_count(longer) == 4 and page_of(longer, longer.steps[-1]) == 3


def test_whole_sections_that_fit_a_page_are_its_pages_and_an_even_split_differs_by_one_step_at_most() -> None:
    # A section exactly a page long is still a page of its own; the next one starts a page.
    by_section = paged_roadmap(STEPS_PER_PAGE + 3, sections=(STEPS_PER_PAGE, 3))
    assert [len(page) for page in pages_of(by_section)] == [STEPS_PER_PAGE, 3]
    for size in (STEPS_PER_PAGE * 2 + 1, STEPS_PER_PAGE * 3 + 1):  # 17 steps: 6, 6, 5; 25: 7, 6, 6, 6
        sizes = [len(page) for page in pages_of(paged_roadmap(size))]
        assert sum(sizes) == size and max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)
