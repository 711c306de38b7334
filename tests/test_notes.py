"""Notes on steps: reply to a card or /note; shown on the card, escaped and cut to fit; removable."""

from __future__ import annotations

from pathlib import Path

from roadmaps import BUILTIN_DIR, Catalog, load_catalog
from storage import Storage
from tests.fakebotapi import FakeBotAPI
from tests.support import SEED, SEED_ID, VALID_STEP, AppFactory, ChatSession, Clock, answers, open_seed_step


async def test_a_reply_to_a_step_card_becomes_its_note_and_the_card_shows_it(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "2. HTTP & REST APIs")
    card = chat.last
    await chat.tap("🛠 More ▾")
    assert "Reply to this card to keep a note on this step." in chat.last.text

    await chat.send("Read RFC 9110 <sections 8 & 9> first", reply_to=card)
    assert chat.last.text == "📝 Saved your note on “HTTP & REST APIs”. It shows on the step card."
    edited = chat.api.messages[chat.chat_id, card.message_id]
    assert "📝 Your note (reply to this card to change it)\nRead RFC 9110 <sections 8 & 9> first" in edited.text
    assert "&lt;sections 8 &amp; 9&gt;" in edited.html
    assert "🗑 Remove note" in edited.button_texts

    await chat.send("Done with chapter 1.", reply_to=edited)
    edited = chat.api.messages[chat.chat_id, card.message_id]
    assert "Done with chapter 1." in edited.text and "sections 8" not in edited.text, "a new reply replaces the note"
    progress = await storage.progress.progress_of(chat.chat_id, SEED_ID)
    assert {step_id: note.text for step_id, note in progress.notes.items()} == {
        "http-rest-apis": "Done with chapter 1."
    }

    calls = await chat.tap("🗑 Remove note", message_id=card.message_id)
    assert answers(calls) == ["🗑 Note removed"]
    assert "Your note" not in chat.api.messages[chat.chat_id, card.message_id].text
    assert (await storage.progress.progress_of(chat.chat_id, SEED_ID)).notes == {}


async def test_note_command_notes_the_current_step(chat: ChatSession) -> None:
    await chat.send("/note nothing yet")
    assert "reply to a step card" in chat.last.text
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/note Start with the Go tour")
    sent = chat.sent()
    assert sent[-2].text.startswith("📝 Saved your note on “A typed language + git”"), "the card just marked"
    assert "Step 1 of 10" in sent[-1].text and "Start with the Go tour" in sent[-1].text


async def test_a_note_too_long_is_refused_with_its_length_and_nothing_is_saved(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last
    await chat.send("x" * 1001, reply_to=card)
    assert chat.last.text == "That note has 1,001 characters; a note can have up to 1,000. Nothing was saved."
    assert (await storage.progress.progress_of(chat.chat_id, SEED_ID)).notes == {}
    await chat.send("x" * 1000, reply_to=card)
    assert "x" * 1000 in chat.api.messages[chat.chat_id, card.message_id].text


async def test_a_reply_to_another_bot_message_says_how_to_keep_a_note(chat: ChatSession) -> None:
    await chat.send("/help")
    await chat.send("what is this?", reply_to=chat.last)
    assert chat.last.text.startswith("To keep a note, reply to a step card")


async def test_a_note_replaces_only_its_own_step_s_note_and_the_card_keeps_the_step_s_state(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/note Go tour")
    card = chat.sent()[-1]
    assert "State: ✅ Done" in card.text and "Go tour" in card.text, "the card after a note still says done"
    await chat.tap("Less ▴", message_id=card.message_id)
    assert "Go tour" not in chat.last.text and "🛠 More ▾ 📝" in chat.last.button_texts
    await chat.tap("Step 2 ▶", message_id=card.message_id)
    await chat.send("/note RFC 9110")
    await chat.send("/note RFC 9110, sections 8 and 9")
    progress = await storage.progress.progress_of(chat.chat_id, SEED_ID)
    assert {step_id: note.text for step_id, note in progress.notes.items()} == {
        "typed-language-and-git": "Go tour",
        "http-rest-apis": "RFC 9110, sections 8 and 9",
    }


async def test_notes_on_steps_of_the_same_id_in_two_roadmaps_are_kept_apart(
    make_app: AppFactory, api: FakeBotAPI, storage: Storage, tmp_path: Path
) -> None:
    signals = "signals: {importance: high, market_demand: high, automation_risk: low}\n"
    for name in ("alpha", "beta"):
        header = f"id: {name}\ntitle: {name.title()}\nsummary: A roadmap.\n{signals}steps:\n"
        (tmp_path / f"{name}.yaml").write_text(header + VALID_STEP, encoding="utf-8")
    chat = ChatSession(await make_app(load_catalog(tmp_path)), api, 7)
    for name in ("alpha", "beta"):
        await chat.send(f"/start {name}")
        await chat.tap("1. First")
        await chat.send(f"/note about {name}")
    notes = {}
    for name in ("alpha", "beta"):
        progress = await storage.progress.progress_of(7, name)
        notes[name] = {step_id: note.text for step_id, note in progress.notes.items()}
    assert notes == {"alpha": {"first": "about alpha"}, "beta": {"first": "about beta"}}


async def test_note_after_the_current_card_s_step_was_removed_asks_for_a_card(
    make_app: AppFactory, api: FakeBotAPI, catalog: Catalog, storage: Storage, tmp_path: Path
) -> None:
    chat = ChatSession(await make_app(catalog), api, 7)
    await open_seed_step(chat, "2. HTTP & REST APIs")
    text = (BUILTIN_DIR / f"{SEED_ID}.yaml").read_text(encoding="utf-8")
    text = text[: text.index("  - id: http-rest-apis")] + text[text.index("  - id: relational-databases-sql") :]
    (tmp_path / f"{SEED_ID}.yaml").write_text(text, encoding="utf-8")
    chat = ChatSession(await make_app(load_catalog(tmp_path)), api, 7)
    await chat.send("/note kept somewhere?")
    assert "reply to a step card" in chat.last.text
    assert (await storage.progress.progress_of(7, SEED_ID)).notes == {}


async def test_a_roadmap_with_only_a_note_starts_with_its_first_mark(
    chat: ChatSession, storage: Storage, clock: Clock
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.send("/note before starting")
    assert await storage.chat_data.started_at(chat.chat_id) == {SEED_ID: (None, clock())}, "not started by a note"
    await chat.send("/progress")
    assert "You have not started a roadmap yet" in chat.last.text
    clock.advance(hours=1)
    await chat.send(f"/start {SEED_ID}")
    await chat.tap("1. A typed language + git")
    await chat.tap("🟡 Working on it")
    assert await storage.chat_data.started_at(chat.chat_id) == {SEED_ID: (clock(), clock())}
    await chat.send("/progress")
    assert SEED in chat.last.text and "1 in progress" in chat.last.text
