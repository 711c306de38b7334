"""Fuzzing through the real bot (see tests/fuzzing.py for what is generated and checked).

The examples are derandomized (the same on every run, so a failure comes back on the next run
and CI is repeatable), and each starts from the same fresh state: an emptied database and a new
fake Bot API, so that no example depends on what another left behind. For a longer random
search, run `pytest tests/test_fuzz.py --hypothesis-profile=explore` (a failure prints the
example and the seed to repeat it with `--hypothesis-seed=<seed>`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select

from roadmaps import Catalog
from storage import Storage
from storage.tables import metadata, pending_imports
from tests.fakebotapi import FakeBotAPI
from tests.fuzzing import FuzzRun, Updates, fuzz_application, webhook_bodies
from tests.support import webhook_client

# What every example of this module fed, by kind: printed at the end (`pytest -s`) for the record.
FED: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _say_what_was_fed() -> Iterator[None]:
    yield
    print(f"\nfuzzed {sum(FED.values())} updates and bodies: {dict(sorted(FED.items()))}")


async def emptied(storage: Storage) -> None:
    """Every row gone: the database as a new bot finds it."""
    async with storage.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(delete(table))


@asynccontextmanager
async def fresh_run(storage: Storage) -> AsyncIterator[FuzzRun]:
    """A new bot on a new fake Bot API over an emptied database, every chat given some progress."""
    await emptied(storage)
    api = FakeBotAPI()
    app = await fuzz_application(api, storage)
    run = FuzzRun(app, api, storage)
    try:
        await run.prepare()
        yield run
    finally:
        FED.update(run.counts)
        await app.application.shutdown()


@given(data=st.data())
async def test_no_update_crashes_leaves_a_tap_unanswered_or_touches_another_chat(
    data: st.DataObject, storage: Storage, catalog: Catalog
) -> None:
    async with fresh_run(storage) as run:
        updates = Updates(run.api, catalog)
        for update in data.draw(st.lists(updates.any(), min_size=1, max_size=4), label="updates"):
            await run.feed(update)
        assert not run.api.open_queries


@given(data=st.data())
async def test_no_import_file_crashes_changes_another_chat_or_leaves_a_question_unshown(
    data: st.DataObject, storage: Storage, catalog: Catalog
) -> None:
    """Files on their own (in the mix above they are one update in twenty): hostile exports
    above all; each answered, nothing of another chat touched, no file held without its question."""
    async with fresh_run(storage) as run:
        updates = Updates(run.api, catalog)
        for update in data.draw(st.lists(updates.document(), min_size=1, max_size=3), label="files"):
            await run.feed(update)
            async with storage.engine.connect() as connection:
                held = (await connection.execute(select(pending_imports.c.chat_id))).scalars().all()
            for chat_id in held:
                asked = [b["callback_data"] for row in run.api.last_message(chat_id).buttons for b in row]
                assert any(data.startswith("i:") for data in asked), f"chat {chat_id} holds a file, unasked"


@given(data=st.data())
async def test_no_webhook_body_gets_a_500_an_error_or_touches_another_chat(
    data: st.DataObject, storage: Storage, catalog: Catalog
) -> None:
    async with fresh_run(storage) as run, webhook_client(run.app) as client:
        bodies = webhook_bodies(Updates(run.api, catalog))
        for body in data.draw(st.lists(bodies, min_size=1, max_size=3), label="bodies"):
            await run.post(client, body)
