"""Where the learner is, as the learner sees it: notes that stay on their card, /next that follows
the roadmap in focus and moves on when it is done, one tap a step, and no dead ends."""

from __future__ import annotations

import pytest

from progress import StepState
from storage import Storage
from tests.support import SEED, SEED_ID, ChatSession, Clock, answers, open_seed_step


@pytest.mark.parametrize("tap", ["✅ Mark done", "🟡 Working on it", "⏭ Skip", "✅ Done · next ▶"])
async def test_a_card_keeps_its_note_through_every_change_of_state(chat: ChatSession, tap: str) -> None:
    await open_seed_step(chat, "3. Relational databases & SQL")
    await chat.send("Indexes first, then EXPLAIN", reply_to=chat.last)
    card = chat.sent()[0]
    await chat.tap("◀ Step 2", message_id=card.message_id)
    await chat.tap("Step 3 ▶", message_id=card.message_id)
    await chat.tap(tap, message_id=card.message_id)
    if tap == "✅ Done · next ▶":
        await chat.tap("◀ Step 3", message_id=card.message_id)
    assert "🗑 Remove note" in chat.api.messages[(chat.chat_id, card.message_id)].button_texts
    await chat.tap("🛠 More ▾ 📝", message_id=card.message_id)
    text = chat.api.messages[(chat.chat_id, card.message_id)].text
    assert "Your note (reply to this card to change it)\nIndexes first, then EXPLAIN" in text


async def test_done_and_next_walks_a_roadmap_one_tap_a_step_to_its_celebration(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    for number in range(1, 11):
        assert f"Step {number} of 10" in chat.message(card).text
        calls = await chat.tap("✅ Done · next ▶", card)
        edits = [c for c in calls if c.method.startswith("edit")]
        assert len(edits) == 1, "one tap, one edit: marked and on to the next"
        if number < 10:
            assert answers(calls) == [f"✅ Step {number} done. To undo: ◀ back to it, then ↩️ Undo."]
    assert answers(calls) == ["🎉 Roadmap completed!"]
    assert f"🎉 You completed {SEED}!" in chat.message(card).text
    progress = await storage.progress.progress_of(chat.chat_id, SEED_ID)
    assert len(progress.marks) == 10 and {m.state for m in progress.marks.values()} == {StepState.DONE}
    assert len(chat.sent()) == 2, "the whole walk in one message (and the first reminder's question)"


async def test_done_and_next_skips_what_is_done_and_goes_round(chat: ChatSession) -> None:
    await open_seed_step(chat, "2. HTTP & REST APIs")
    card = chat.last.message_id
    await chat.tap("✅ Mark done", card)
    await chat.tap("Step 3 ▶", card)
    await chat.tap("⏭ Skip", card)
    await chat.tap("◀ Step 2", card)
    await chat.tap("◀ Step 1", card)
    await chat.tap("✅ Done · next ▶", card)
    assert "Step 4 of 10" in chat.message(card).text, "2 done and 3 skipped are passed over"
    for _ in range(7):
        await chat.tap("✅ Done · next ▶", card)
    assert "Every step is done or skipped: 9 of 10 done · 1 skipped." in chat.message(card).text
    assert "⏭ Revisit the 1 skipped" in chat.message(card).button_texts


async def test_next_after_completing_a_roadmap_moves_to_the_one_in_progress(chat: ChatSession, clock: Clock) -> None:
    await chat.send("/start frontend-engineer")
    await chat.tap("1. HTML")
    await chat.tap("🟡 Working on it")
    clock.advance(minutes=1)
    await open_seed_step(chat, "1. A typed language + git")
    for _ in range(10):
        await chat.tap("✅ Done · next ▶")
    assert "You completed" in chat.last.text
    await chat.send("/next")
    assert "Frontend Engineer · Step 1 of 12" in chat.last.text and "🟡 Working on it since" in chat.last.text
    await chat.tap("✅ Done · next ▶")
    for _ in range(11):
        await chat.tap("✅ Done · next ▶")
    await chat.send("/next")
    assert chat.last.text.startswith("Nothing is left to do on ") and "Start another roadmap:" in chat.last.text
    assert "Frontend Engineer" in chat.last.text.split("\n")[0] and SEED in chat.last.text.split("\n")[0]
    assert "DevOps & Platform Engineer · 25 steps" in chat.last.button_texts
    assert f"{SEED} · 100%" in chat.last.button_texts


async def test_note_without_a_reply_goes_to_the_card_last_opened_and_says_which(chat: ChatSession) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    await chat.tap("✅ Mark done", card)
    await chat.tap("Step 2 ▶", card)
    await chat.tap("Step 3 ▶", card)  # only opened
    await chat.send("/note read the Postgres docs")
    assert chat.sent()[-2].text.startswith("📝 Saved your note on “Relational databases & SQL”")


async def test_card_without_progress_or_with_a_name_that_matches_nothing_shows_a_way_on(chat: ChatSession) -> None:
    await chat.send("/start backend-engineer-ai-era")  # looked at, not started: no 0% card
    await chat.send("/card")
    assert chat.last.text.startswith("No progress to show yet") and f"{SEED} · 10 steps" in chat.last.button_texts
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/card nonsense")
    assert "I have no started roadmap called “nonsense”" in chat.last.text
    assert chat.last.button_texts == [f"📊 {SEED}", "📚 All roadmaps"]
    calls = await chat.tap(f"📊 {SEED}")
    assert [c.method for c in calls if c.method == "sendPhoto"] == ["sendPhoto"]
    await chat.send(f"/card {SEED}")
    assert chat.api.calls[-1].method == "sendPhoto", "the title works as well as the id"


@pytest.mark.parametrize("command", ["/reset", "/forget"])
async def test_cancel_on_a_question_ends_with_a_way_on(chat: ChatSession, command: str) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send(command)
    await chat.tap("✖️ Cancel")
    assert chat.last.text == "Nothing was changed." and chat.last.button_texts == ["📚 All roadmaps"]
