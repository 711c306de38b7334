"""The callback-data codec: every action fits in 64 bytes and survives the round trip;
anything else decodes to None."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.callback_data import (
    MAX_CALLBACK_BYTES,
    Cancel,
    ConfirmImport,
    ForgetChat,
    Noop,
    ResetRoadmap,
    SetStepState,
    ShowCatalog,
    ShowNextStep,
    ShowRoadmap,
    ShowStep,
    decode,
    encode,
)
from progress import StepState
from roadmaps import MAX_ID_PAIR_BYTES, MAX_ROADMAP_ID_BYTES

ROADMAP = "r" * MAX_ROADMAP_ID_BYTES
STEP = "s" * (MAX_ID_PAIR_BYTES - MAX_ROADMAP_ID_BYTES)
LATEST = 36**8 - 1  # the latest moment a question's button can name: the year 90,000 or so
LONGEST = [
    ShowRoadmap(ROADMAP, 999),
    ShowNextStep(ROADMAP),
    ShowStep(ROADMAP[: MAX_ID_PAIR_BYTES // 2], "s" * (MAX_ID_PAIR_BYTES - MAX_ID_PAIR_BYTES // 2)),
    *(SetStepState(ROADMAP, STEP, state) for state in StepState),
    ResetRoadmap(ROADMAP, LATEST, "ffffffff"),
    ForgetChat(LATEST, "ffffffff"),
    ConfirmImport(LATEST, "ffffffff"),
    Cancel("ffffffff"),
]


@pytest.mark.parametrize(
    "action",
    [ShowCatalog(), Noop(), ShowRoadmap("demo"), ShowRoadmap("demo", 0), ShowRoadmap("demo", 12), *LONGEST],
)
def test_every_action_round_trips(action: object) -> None:
    assert decode(encode(action)) == action  # type: ignore[arg-type]


@pytest.mark.parametrize("action", LONGEST)
def test_ids_at_the_validated_limit_fit_in_64_bytes(action: object) -> None:
    assert len(encode(action).encode()) <= MAX_CALLBACK_BYTES  # type: ignore[arg-type]


def test_ids_beyond_the_limit_are_refused_at_encoding() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        encode(ShowStep("r" * 40, "s" * 40))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "c\n",
        "r:",
        "r:demo:01",
        "r:demo:1000",
        "r:demo:-1",
        "s:demo",
        "s:demo:first:extra",
        "z:demo:first",
        "d:Demo:first",
        "d:demo:first step",
        "d:demo::first",
        "s:../../etc:passwd",
        "d:demo:first;DROP TABLE step_states",
        "s:démo:first",
        "x" * 65,
        "s:" + "a" * 40 + ":" + "b" * 30,
    ],
)
def test_malformed_or_forged_data_decodes_to_nothing(data: str | None) -> None:
    assert decode(data) is None


@settings(max_examples=2_000, deadline=None, database=None)
@given(st.text(st.characters(codec="utf-8"), max_size=80) | st.from_regex(r"[a-z]:[a-z0-9:-]{0,60}", fullmatch=True))
def test_any_string_decodes_to_an_action_that_encodes_back_to_it_or_to_nothing(data: str) -> None:
    """decode never raises, and whatever it accepts is exactly what encode makes of the action."""
    action = decode(data)
    if action is not None:
        assert encode(action) == data
