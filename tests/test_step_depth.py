"""Steps worth learning from, as a learner meets them: why, done-when and effort on the card, the
practice task behind "More ▾", the effort left on the roadmap, and a topic shared by two roadmaps
that counts in the second one after one tap (never silently)."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import replace

from sqlalchemy import select

from handlers.step_views import CardOptions, render_step
from i18n.shared_views import nothing_to_count
from progress import Mark, Note, Progress, StepState
from roadmaps import Catalog
from storage import Storage, tables
from tests.fakebotapi import FakeBotAPI
from tests.support import SEED, SEED_ID, AppFactory, ChatSession, Clock, answers, open_seed_step

NOTHING_TO_COUNT = nothing_to_count()  # in English, as the tests speak

DEVOPS = "DevOps & Platform Engineer"
DEVOPS_ID = "devops-platform-engineer"
TELEGRAM_LIMIT = 4096
FIRST_SCREEN = 600


async def marks_of(storage: Storage, chat_id: int, roadmap_id: str) -> dict[str, tuple[str, dt.datetime]]:
    """The chat's stored marks on a roadmap, read back from the database."""
    states = tables.step_states
    query = select(states.c.step_id, states.c.state, states.c.changed_at).where(
        states.c.chat_id == chat_id, states.c.roadmap_id == roadmap_id
    )
    async with storage.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return {step_id: (state, changed_at.replace(tzinfo=dt.UTC)) for step_id, state, changed_at in rows}


async def mark_devops_containers_done(chat: ChatSession) -> None:
    """In the DevOps roadmap, open the containers step and mark it done (the seed's step 8 shares its topic)."""
    await chat.send(f"/start {DEVOPS_ID}")
    await chat.press(f"s:{DEVOPS_ID}:containers", chat.last.message_id)
    await chat.tap("✅ Mark done")


async def test_the_card_says_how_long_and_keeps_why_when_it_is_done_practice_and_resources_for_more(
    chat: ChatSession, catalog: Catalog
) -> None:
    step = catalog.get(SEED_ID).steps[1]  # type: ignore[union-attr]
    assert step.why and step.practice and step.done_when and step.effort_hours and step.resources
    await open_seed_step(chat, "2. HTTP")
    card = chat.last
    assert card.text.startswith(f"🗺 {SEED} · Step 2 of 10\n{step.title}\n{step.summary}\n")
    assert f"⏱ About {step.effort_hours.low}–{step.effort_hours.high} hours" in card.text
    behind_more = [
        step.why,
        *(check.text for check in step.done_when),
        step.practice,
        step.resources[0].title,
        "Reply to this card",
    ]
    assert [words for words in behind_more if words in card.text] == [], "one tap away, not on the first screen"
    assert len(card.text) <= 600

    await chat.tap("🛠 More ▾")
    assert chat.last.message_id == card.message_id, "More edits the card in place"
    assert f"Why it matters: {step.why}" in chat.last.text
    assert all(f"☐ {n}. {check.text}" in chat.last.text for n, check in enumerate(step.done_when, 1))
    assert f"🛠 Practice\n{step.practice}" in chat.last.text
    assert f"📚 Resources\n• {step.resources[0].title}" in chat.last.text
    assert "📝 Reply to this card to keep a note on this step." in chat.last.text
    assert "Less ▴" in chat.last.button_texts
    await chat.tap("Less ▴")
    assert chat.last.message_id == card.message_id and chat.last.text == card.text
    assert "🛠 More ▾" in chat.last.button_texts


async def test_a_note_waits_behind_more_and_the_button_says_one_is_there(chat: ChatSession) -> None:
    await open_seed_step(chat, "2. HTTP")
    await chat.send("Idempotency keys: see the Stripe docs " * 20, reply_to=chat.last)
    await open_seed_step(chat, "2. HTTP")
    assert "Idempotency keys" not in chat.last.text and len(chat.last.text) <= 600
    await chat.tap("🛠 More ▾ 📝")
    assert "📝 Your note (reply to this card to change it)\nIdempotency keys: see the Stripe docs" in chat.last.text


def test_every_card_fits_telegram_and_its_first_screen_a_phone(catalog: Catalog) -> None:
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    for roadmap in catalog:
        for step in roadmap.steps:
            plain = Progress(roadmap.id, {})
            first = render_step(roadmap, step, plain)
            noted = Progress(roadmap.id, {step.id: Mark(StepState.DONE, now)}, notes={step.id: Note("n" * 1000, now)})
            full = render_step(roadmap, step, noted, CardOptions(more=True))
            assert len(visible(first.text)) <= FIRST_SCREEN, (roadmap.id, step.id, len(visible(first.text)))
            assert len(visible(full.text).encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT, (roadmap.id, step.id)


async def test_the_longest_card_opens_and_expands_through_the_bot(chat: ChatSession, catalog: Catalog) -> None:
    roadmap, step = max(
        ((r, s) for r in catalog for s in r.steps),
        key=lambda pair: len(
            visible(render_step(pair[0], pair[1], Progress(pair[0].id, {}), CardOptions(more=True)).text)
        ),
    )
    await chat.send(f"/start {roadmap.id}")
    while step.title not in " ".join(chat.last.button_texts):
        await chat.tap("▶")
    await chat.tap(step.title)
    assert len(chat.last.text) < FIRST_SCREEN
    await chat.tap("🛠 More ▾")
    assert step.practice and step.practice in chat.last.text  # the fake refuses a message over 4096


async def test_the_roadmap_view_shows_the_effort_left_and_it_shrinks_as_steps_are_done(
    chat: ChatSession, catalog: Catalog
) -> None:
    roadmap = catalog.get(SEED_ID)
    assert roadmap is not None
    low = sum(s.effort_hours.low for s in roadmap.steps if s.effort_hours)
    high = sum(s.effort_hours.high for s in roadmap.steps if s.effort_hours)
    await chat.send(f"/start {SEED_ID}")
    assert f"⏱ About {low}–{high} hours left" in chat.last.text
    first = roadmap.steps[0].effort_hours
    assert first is not None
    await chat.tap("1. ")
    card = chat.last.message_id
    await chat.tap("✅ Mark done")
    await chat.tap("🗺 Back to roadmap", card)
    assert f"⏱ About {low - first.low}–{high - first.high} hours left" in chat.message(card).text


async def test_a_topic_done_in_one_roadmap_shows_on_the_others_card_and_counts_there_after_one_tap(
    chat: ChatSession, storage: Storage, clock: Clock
) -> None:
    await mark_devops_containers_done(chat)
    done_there = clock()
    clock.advance(days=3)

    await open_seed_step(chat, "8. Containers")
    assert f"✅ Done in {DEVOPS} on {done_there:%-d %b %Y}" in chat.last.text
    assert "State: ⬜ Not yet" in chat.last.text
    assert await marks_of(storage, chat.chat_id, SEED_ID) == {}, "never counted silently"
    await open_seed_step(chat, "1. ")
    await chat.tap("🟡 Working on it")  # the roadmap started: /progress lists it
    await chat.send("/progress")
    assert "🔗 Done in another roadmap, not counted here yet: 8. Containers & deployment" in chat.last.text

    await open_seed_step(chat, "8. Containers")
    calls = await chat.tap("✅ Count it here")
    assert answers(calls) == [f"✅ Counted here: done in {DEVOPS} on {done_there:%-d %b %Y}"]
    assert (await marks_of(storage, chat.chat_id, SEED_ID))["containers-and-deployment"] == ("done", done_there)
    assert f"State: ✅ Done on {done_there:%-d %b %Y}" in chat.last.text
    assert "10% · 1 of 10 steps done" in chat.last.text
    assert "✅ Count it here" not in chat.last.button_texts
    await chat.send("/progress")
    assert "🔗" not in chat.last.text.split(SEED, 1)[1].split(DEVOPS, 1)[0]


async def test_a_step_that_only_touches_another_roadmaps_step_does_not_count_from_it(
    chat: ChatSession, storage: Storage
) -> None:
    await chat.send(f"/start {DEVOPS_ID}")
    for step_id in ("git-workflows", "networking-dns-tls-http"):
        await chat.press(f"d:{DEVOPS_ID}:{step_id}", chat.last.message_id)
    for label in ("1. A typed language", "2. HTTP"):
        await open_seed_step(chat, label)
        assert "✅ Done in" not in chat.last.text
        assert "✅ Count it here" not in chat.last.button_texts
    assert await marks_of(storage, chat.chat_id, SEED_ID) == {}


async def test_a_stale_count_button_changes_nothing_and_says_why(chat: ChatSession, storage: Storage) -> None:
    await mark_devops_containers_done(chat)
    await open_seed_step(chat, "8. Containers")
    card = chat.last.message_id
    await chat.send(f"/start {DEVOPS_ID}")
    await chat.press(f"s:{DEVOPS_ID}:containers", chat.last.message_id)
    await chat.tap("↩️ Undo")

    calls = await chat.tap("✅ Count it here", message_id=card)
    assert answers(calls) == [NOTHING_TO_COUNT]
    assert await marks_of(storage, chat.chat_id, SEED_ID) == {}
    assert "✅ Count it here" not in chat.api.messages[(chat.chat_id, card)].button_texts


def visible(markup: str) -> str:
    """What a person sees of a message's HTML: tags gone, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


async def test_a_topic_done_in_two_other_roadmaps_counts_from_the_earlier(
    make_app: AppFactory, api: FakeBotAPI, catalog: Catalog, storage: Storage, clock: Clock
) -> None:
    # Three roadmaps teaching one topic: the AI Engineer's observability step joins the two others'.
    llm = catalog.get("llm-engineer")
    assert llm is not None
    steps = tuple(replace(s, topic="observability") if s.id == "llm-observability" else s for s in llm.steps)
    three = Catalog(tuple(replace(r, steps=steps) if r.id == llm.id else r for r in catalog.roadmaps))
    chat = ChatSession(await make_app(three), api, 1001)
    await chat.send("/start llm-engineer")
    await chat.press("d:llm-engineer:llm-observability", chat.last.message_id)
    first = clock()
    clock.advance(days=2)
    await chat.send(f"/start {DEVOPS_ID}")
    await chat.press(f"d:{DEVOPS_ID}:logs-and-traces", chat.last.message_id)  # first in the catalog, done later
    clock.advance(days=1)

    await open_seed_step(chat, "7. Observability")
    assert f"✅ Done in AI Engineer (LLM apps) on {first:%-d %b %Y}" in chat.last.text
    calls = await chat.tap("✅ Count it here")
    assert answers(calls) == [f"✅ Counted here: done in AI Engineer (LLM apps) on {first:%-d %b %Y}"]
    assert (await marks_of(storage, chat.chat_id, SEED_ID))["observability"] == ("done", first)
