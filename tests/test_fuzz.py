"""Fuzzing through the real Application (see tests/fuzzing.py for what is generated and checked)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmaps import Catalog
from storage import Storage
from tests.fakebotapi import FakeBotAPI
from tests.fuzzing import FuzzRun, Updates, fuzz_application

EXAMPLES = 200  # of up to 4 updates each, on each database; `python -m bench fuzz` runs 10,000


@pytest.fixture
async def fuzz(api: FakeBotAPI, storage: Storage) -> AsyncIterator[FuzzRun]:
    app = await fuzz_application(api, storage)
    run = FuzzRun(app, api, storage)
    await run.prepare()
    yield run
    print(f"fuzzed {sum(run.counts.values())} updates: {dict(run.counts)}")
    await app.application.shutdown()
    assert not api.open_queries


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
async def test_no_update_crashes_leaves_a_tap_unanswered_or_touches_another_chat(
    data: st.DataObject, fuzz: FuzzRun, catalog: Catalog
) -> None:
    updates = Updates(fuzz.api, catalog)
    for update in data.draw(st.lists(updates.any(), min_size=1, max_size=4), label="updates"):
        await fuzz.feed(update)
