"""Walking a roadmap through the real bot: the catalog, a roadmap, step cards and their marks,
pages, /progress and /next, groups, and a new version of the content."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.application import RoadmapBot
from roadmaps import BUILTIN_DIR, Catalog, load_catalog
from storage import Storage
from storage.tables import chat_roadmaps, chats, step_states
from tests.fakebotapi import BOT_USERNAME, FakeBotAPI
from tests.support import SEED, SEED_ID, AppFactory, ChatSession, Clock, answers, open_seed_step


async def row_counts(storage: Storage) -> tuple[int, int, int]:
    async with storage.engine.connect() as connection:
        counts = [
            (await connection.execute(select(func.count()).select_from(table))).scalar_one()
            for table in (chats, chat_roadmaps, step_states)
        ]
    return counts[0], counts[1], counts[2]


async def test_start_shows_a_welcome_and_every_roadmap_as_a_button(chat: ChatSession, catalog: Catalog) -> None:
    [call] = await chat.send("/start")
    assert call.method == "sendMessage"
    assert "Welcome" in chat.last.text and "one step at a time" in chat.last.text
    assert chat.last.button_texts == [f"{r.title} · {len(r.steps)} steps" for r in catalog]


async def test_mark_done_on_the_first_step_shows_it_done_and_counts_it(chat: ChatSession) -> None:
    await chat.send("/start")
    menu = chat.last.message_id
    await chat.tap(SEED)
    assert chat.last.message_id == menu, "the roadmap opens in place of the menu"
    assert "0% · 0 of 10 steps done" in chat.last.text
    await chat.tap("1. A typed language + git")
    assert "Step 1 of 10" in chat.last.text and "State: ⬜ Not yet" in chat.last.text

    calls = await chat.tap("✅ Mark done")
    assert answers(calls) == ["✅ Marked done"]
    assert [c.method for c in calls if c.method.startswith("edit")] == ["editMessageText"]
    card = chat.api.messages[(chat.chat_id, menu)]
    assert "State: ✅ Done on 27 Nov 2026" in card.text
    assert "10% · 1 of 10 steps done" in card.text
    assert "↩️ Undo" in card.button_texts and "✅ Mark done" not in card.button_texts
    assert chat.last.text.startswith("⏰ When should I nudge you"), "the first mark asks about reminders, below"

    await chat.tap("Back to roadmap", menu)
    card = chat.api.messages[(chat.chat_id, menu)]
    assert "▰▱▱▱▱▱▱▱▱▱\n10% · 1 of 10 steps done" in card.text
    assert "✅ 1. A typed language + git" in card.button_texts
    assert "👉 Next step: HTTP & REST APIs" in card.button_texts
    assert len(chat.sent()) == 2, "every step of the walk edited the one message; the question came once"


async def test_the_relational_databases_card_carries_the_seed_text_and_signals(chat: ChatSession) -> None:
    await open_seed_step(chat, "3. Relational databases & SQL")
    text = chat.last.text
    assert "Step 3 of 10" in text
    assert (
        "Relational databases & SQL\nSchema design, indexes, transactions, query plans. Postgres is a safe default."
        in text
    )
    assert "Importance High · Market demand High · Automation risk Low" in text
    assert "PostgreSQL tutorial" not in text, "behind More"
    assert chat.last.button_texts == [
        "✅ Done · next ▶",
        "⏭ Skip · next ▶",
        "✅ Mark done",
        "🟡 Working on it",
        "⏭ Skip",
        "◀ Step 2",
        "Step 4 ▶",
        "🛠 More ▾",
        "🗺 Back to roadmap",
    ]


async def test_the_roadmap_view_shows_signals_with_their_legend_and_a_progress_line(chat: ChatSession) -> None:
    await chat.send("/start backend-engineer-ai-era")
    text = chat.last.text
    assert text.startswith(f"🗺 {SEED}\nFrom language fundamentals to AI-augmented services")
    assert "How to read the signals\nImportance High · Market demand Medium · Automation risk Low\n" in text
    assert "Automation risk: how much of it AI tools already do." in text
    assert "0% · 0 of 10 steps done" in text
    assert chat.last.button_texts[-2:] == ["📚 All roadmaps", "📤 Share"]


async def test_skip_and_undo_skip(chat: ChatSession) -> None:
    await open_seed_step(chat, "2. HTTP & REST APIs")
    card = chat.last.message_id
    calls = await chat.tap("⏭ Skip", card)
    assert answers(calls) == ["⏭ Skipped"]
    assert "State: ⏭ Skipped on 27 Nov 2026" in chat.message(card).text
    assert "0% · 0 of 10 steps done · 1 skipped" in chat.message(card).text
    assert chat.message(card).button_texts[:2] == ["✅ Mark done", "↩️ Undo skip"]
    await chat.tap("Back to roadmap", card)
    assert "⏭ 2. HTTP & REST APIs" in chat.message(card).button_texts
    assert "👉 Next step: A typed language + git" in chat.message(card).button_texts
    await chat.tap("2. HTTP & REST APIs", card)
    calls = await chat.tap("↩️ Undo skip", card)
    assert answers(calls) == ["↩️ Undone"]
    assert "State: ⬜ Not yet" in chat.message(card).text and "skipped" not in chat.message(card).text


async def test_working_on_a_step_shows_in_the_card_the_roadmap_and_next(chat: ChatSession, storage: Storage) -> None:
    await open_seed_step(chat, "3. Relational databases & SQL")
    card = chat.last.message_id
    calls = await chat.tap("🟡 Working on it", card)
    assert answers(calls) == ["🟡 Working on it"]
    assert "State: 🟡 Working on it since 27 Nov 2026" in chat.message(card).text
    assert "0% · 0 of 10 steps done · 1 in progress" in chat.message(card).text
    assert chat.message(card).button_texts[:5] == [
        "✅ Done · next ▶",
        "⏭ Skip · next ▶",
        "✅ Mark done",
        "↩️ Not started",
        "⏭ Skip",
    ]
    await chat.tap("Back to roadmap", card)
    assert "🟡 3. Relational databases & SQL" in chat.message(card).button_texts
    assert "👉 Next step: Relational databases & SQL" in chat.message(card).button_texts, (
        "the step in progress comes next"
    )
    await chat.send("/next")
    assert "Step 3 of 10" in chat.last.text
    await chat.tap("✅ Mark done")
    assert "10% · 1 of 10 steps done" in chat.last.text and "in progress" not in chat.last.text


async def test_undo_takes_a_step_back_to_not_yet(chat: ChatSession, storage: Storage) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    await chat.tap("✅ Mark done", card)
    await chat.tap("↩️ Undo", card)
    assert "0% · 0 of 10 steps done" in chat.message(card).text
    assert (await row_counts(storage))[2] == 0


async def test_previous_and_next_walk_the_steps_in_place(chat: ChatSession) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    assert "◀ Step 0" not in chat.last.button_texts
    for number in range(2, 11):
        await chat.tap(f"Step {number} ▶")
        assert f"Step {number} of 10" in chat.last.text
    assert not any(label.startswith("Step ") for label in chat.last.button_texts), "no step after the last"
    await chat.tap("◀ Step 9")
    assert "System design" in chat.last.text
    assert len(chat.sent()) == 1


async def test_completing_the_last_step_gets_a_celebration_with_a_way_on(chat: ChatSession) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    for number in range(1, 11):
        calls = await chat.tap("✅ Mark done", card)
        if number < 10:
            assert "You completed" not in chat.message(card).text
            await chat.tap(f"Step {number + 1} ▶", card)
    assert answers(calls) == ["🎉 Roadmap completed!"]
    assert f"🎉 You completed {SEED}!" in chat.message(card).text
    assert "100% · 10 of 10 steps done" in chat.message(card).text
    assert chat.message(card).button_texts[2:4] == ["📊 My card", "📚 Next: DevOps & Platform Engineer"]
    await chat.tap("Back to roadmap", card)  # the page of step 10: the title and the progress, no legend
    assert "▰▰▰▰▰▰▰▰▰▰ 100% · 10 of 10 steps done" in chat.message(card).text
    assert "Completed!" in chat.message(card).text
    assert not any(label.startswith("👉") for label in chat.message(card).button_texts)
    assert "📊 My card" in chat.message(card).button_texts


async def test_a_long_roadmap_pages_by_section_named_above_and_no_page_of_one(
    chat: ChatSession, catalog: Catalog
) -> None:
    roadmap = catalog.get("devops-platform-engineer")
    assert roadmap is not None and len(roadmap.steps) == 25
    await chat.send("/start devops-platform-engineer")
    first = chat.last
    assert first.button_texts[0] == f"⬜ 1. {roadmap.steps[0].title}", "no button that only labels"
    step_buttons = [label for label in first.button_texts if label.startswith("⬜")]
    assert step_buttons == [f"⬜ {n}. {s.title}" for n, s in enumerate(roadmap.steps[:5], 1)], "the first section"
    assert "How to read the signals" in first.text and "ℹ️ Signals" not in first.button_texts
    assert "Steps 1–5 of 25 · Foundations" in first.text
    assert first.button_texts[5:7] == ["◀ 4/4", "2/4 ▶"], "each arrow says the page it opens"

    seen = [len(step_buttons)]
    for page in range(2, 5):
        await chat.tap("▶")
        assert f"◀ {page - 1}/4" in chat.last.button_texts
        seen.append(len([label for label in chat.last.button_texts if label.startswith("⬜")]))
        assert "How to read the signals" not in chat.last.text, "the legend is on the first page only"
        assert chat.last.text.startswith("🗺 DevOps & Platform Engineer\n▱▱▱▱▱▱▱▱▱▱ 0% · 0 of 25 steps done")
        calls = await chat.tap("ℹ️ Signals")
        [pop_up] = [c for c in calls if c.method == "answerCallbackQuery"]
        assert pop_up.params["show_alert"] and "Automation risk: how much of it AI tools" in pop_up.params["text"]
    assert seen == [5, 8, 8, 4] and min(seen) > 1, "whole sections, no page of one"
    assert "1/4 ▶" in chat.last.button_texts, "▶ on the last page goes round to the first"
    await chat.tap("1/4 ▶")
    assert "Steps 1–5 of 25" in chat.last.text
    await chat.tap("◀")
    assert "Steps 22–25 of 25" in chat.last.text, "◀ on the first page goes round to the last"


async def test_a_roadmap_opens_on_the_page_of_its_next_step(chat: ChatSession, catalog: Catalog) -> None:
    roadmap = catalog.get("devops-platform-engineer")
    assert roadmap is not None
    await chat.send("/start devops-platform-engineer")
    card = chat.last.message_id
    for _ in range(9):
        await chat.tap("👉 Next step", card)
        await chat.tap("✅ Mark done", card)
        await chat.tap("Back to roadmap", card)
    await chat.send("/roadmaps")
    await chat.tap(roadmap.title)
    assert f"👉 Next step: {roadmap.steps[9].title}" in chat.last.button_texts
    assert f"⬜ 10. {roadmap.steps[9].title}" in chat.last.button_texts, "page 2 holds step 10"


async def test_a_roadmap_with_a_skip_is_covered_not_completed_and_offers_the_skipped_steps(chat: ChatSession) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    await chat.tap("⏭ Skip", card)
    for number in range(1, 10):
        await chat.tap(f"Step {number + 1} ▶", card)
        calls = await chat.tap("✅ Mark done", card)
    assert answers(calls) == ["Every step is done or skipped"]
    assert "You completed" not in chat.message(card).text and "🎉" not in chat.message(card).text
    assert "Every step is done or skipped: 9 of 10 done · 1 skipped." in chat.message(card).text
    await chat.tap("Back to roadmap", card)
    assert (
        "90% · 9 of 10 steps done · 1 skipped" in chat.message(card).text
        and "Completed!" not in chat.message(card).text
    )
    await chat.tap("⏭ Revisit the 1 skipped", card)
    assert "Step 1 of 10" in chat.message(card).text and "State: ⏭ Skipped" in chat.message(card).text
    calls = await chat.tap("✅ Mark done", card)
    assert answers(calls) == ["🎉 Roadmap completed!"] and "🎉 You completed" in chat.message(card).text
    await chat.tap("↩️ Undo", card)
    calls = await chat.tap("✅ Mark done", card)
    assert answers(calls) == ["🎉 Roadmap completed!"], "completed again after an undo: said again"


async def test_progress_lists_every_started_roadmap_and_next_opens_the_next_step(
    chat: ChatSession, clock: Clock
) -> None:
    await chat.send("/next")
    assert "You have not started a roadmap yet" in chat.last.text
    await chat.send("/progress")
    assert "You have not started a roadmap yet" in chat.last.text

    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    clock.advance(minutes=5)
    await chat.send("/start frontend-engineer")
    await chat.tap("1. HTML")
    await chat.tap("🟡 Working on it")
    await chat.send("/progress")
    text = chat.last.text
    assert text.index("Frontend Engineer") < text.index(SEED), "the roadmap changed last comes first"
    assert text.startswith("📈 Your progress\n\n"), "a streak shows from its second week"
    assert (
        f"{SEED}\n▰▱▱▱▱▱▱▱▱▱ 10% · 1 of 10 steps done\n"
        "⏱ At 1 step a week you finish around 29 January 2027\nNext: HTTP & REST APIs"
    ) in text
    assert "0% · 0 of 12 steps done · 1 in progress" in text

    clock.advance(minutes=5)
    await chat.send("/roadmaps")
    await chat.tap(SEED)  # only looking: the focus stays on Frontend
    await chat.send("/next")
    assert "Frontend Engineer · Step 1 of 12" in chat.last.text


async def test_catalog_buttons_show_how_far_a_started_roadmap_is(chat: ChatSession) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/roadmaps")
    assert f"{SEED} · 10%" in chat.last.button_texts
    assert "Frontend Engineer · 12 steps" in chat.last.button_texts
    await chat.tap("Back to roadmap", message_id=chat.sent()[0].message_id)
    await chat.tap("All roadmaps", message_id=chat.sent()[0].message_id)
    assert "📚 Roadmaps" in chat.sent()[0].text


async def test_a_deep_link_to_an_unknown_roadmap_gets_the_catalog_and_a_note(chat: ChatSession) -> None:
    await chat.send("/start no-such-roadmap")
    assert chat.last.text.startswith("I don't have a roadmap called “no-such-roadmap”.")
    assert f"{SEED} · 10 steps" in chat.last.button_texts


async def test_in_a_group_progress_belongs_to_the_group_and_commands_may_name_the_bot(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    group = -1_001_234_567_890
    ada, ben = ChatSession(app, api, group, user_id=11), ChatSession(app, api, group, user_id=22)
    await ada.send(f"/start@{BOT_USERNAME}")
    assert "Welcome" in ada.last.text
    await ada.tap(SEED)
    await ada.tap("1. A typed language + git")
    await ben.tap("✅ Mark done")
    await ben.send(f"/progress@{BOT_USERNAME}")
    assert "10% · 1 of 10 steps done" in ben.last.text
    assert set((await storage.progress.progress_of(group, "backend-engineer-ai-era")).marks) == {
        "typed-language-and-git"
    }
    assert (await storage.progress.progress_of(11, "backend-engineer-ai-era")).marks == {}

    messages = len(ada.sent())
    await ada.send("/start@some_other_bot")
    await ada.send("/weather")
    await ada.send("just chatting in the group")
    assert len(ada.sent()) == messages, "a group's other talk and other bots' commands get no answer"
    await ada.send(f"/weather@{BOT_USERNAME}")
    assert ada.last.text.startswith("I don't know the command /weather.")


async def test_content_changes_keep_progress_of_renamed_steps_and_answer_old_buttons(
    make_app: AppFactory, api: FakeBotAPI, catalog: Catalog, tmp_path: Path
) -> None:
    chat = ChatSession(await make_app(catalog), api, 7)
    await open_seed_step(chat, "1. A typed language + git")
    http_card = chat.last.message_id
    await chat.tap("✅ Mark done", http_card)
    await chat.tap("Step 2 ▶", http_card)

    # A new version of the content renames step 1 (keeping its old id) and removes step 2.
    text = (BUILTIN_DIR / "backend-engineer-ai-era.yaml").read_text(encoding="utf-8")
    text = text.replace("id: typed-language-and-git", "id: typed-language\n    formerly: [typed-language-and-git]")
    text = text[: text.index("  - id: http-rest-apis")] + text[text.index("  - id: relational-databases-sql") :]
    (tmp_path / "backend-engineer-ai-era.yaml").write_text(text, encoding="utf-8")
    chat = ChatSession(await make_app(load_catalog(tmp_path)), api, 7)

    calls = await chat.tap("✅ Mark done", message_id=http_card)
    assert answers(calls) == ["That step is no longer in this roadmap. Here is the roadmap as it is now."]
    assert "11% · 1 of 9 steps done" in chat.message(http_card).text, "the renamed step kept its progress"
    assert "✅ 1. A typed language + git" in chat.message(http_card).button_texts


SEED_STEPS = [step.id for step in load_catalog().get(SEED_ID).steps]  # type: ignore[union-attr]


async def test_done_and_next_on_the_last_step_goes_back_to_the_one_step_left_before_it(
    chat: ChatSession, storage: Storage
) -> None:
    await chat.send(f"/start {SEED_ID}")
    for step_id in SEED_STEPS[:8]:
        await chat.press(f"d:{SEED_ID}:{step_id}", chat.last.message_id)
    await chat.press(f"s:{SEED_ID}:{SEED_STEPS[9]}", chat.last.message_id)
    await chat.tap("✅ Done · next ▶")
    assert "Step 9 of 10" in chat.last.text, "the one step left, though it comes before"
    async with storage.engine.connect() as connection:
        done = set((await connection.execute(select(step_states.c.step_id))).scalars())
    assert done == set(SEED_STEPS) - {SEED_STEPS[8]}


async def test_marking_a_step_of_a_completed_roadmap_done_again_does_not_celebrate_again(chat: ChatSession) -> None:
    await chat.send(f"/start {SEED_ID}")
    for step_id in SEED_STEPS:
        calls = await chat.press(f"d:{SEED_ID}:{step_id}", chat.last.message_id)
    assert answers(calls) == ["🎉 Roadmap completed!"]
    calls = await chat.press(f"d:{SEED_ID}:{SEED_STEPS[-1]}", chat.last.message_id)  # an old card's button
    assert answers(calls) == ["✅ Marked done"]
    assert "You completed" not in chat.last.text and "100% · 10 of 10 steps done" in chat.last.text


async def test_the_first_mark_turns_the_weekly_nudge_on_and_says_so_once(chat: ChatSession, storage: Storage) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    await chat.tap("🟡 Working on it")
    assert "⏰ When should I nudge you toward your next step" in chat.last.text
    assert await storage.reminders.reminder_of(chat.chat_id) is not None
    sent = len(chat.sent())
    await chat.tap("✅ Mark done", card)
    assert len(chat.sent()) == sent and "⏰" not in chat.message(card).text, "asked once"
