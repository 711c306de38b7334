"""The welcome: a chat that opened a step card and changed nothing hears from the bot once, three
days later, outside its quiet hours, in its language; a chat that started hears nothing but its
weekly nudges; nobody hears it twice; the chats that came before the welcome existed never do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from bot.application import RoadmapBot
from bot.nudges import NudgeDispatcher
from progress.nudges import WelcomePlan, plan_welcome
from roadmaps import Catalog
from storage import Storage, create_engine, head_revision, upgrade
from storage.tables import chats, facts
from tests.fakebotapi import FakeBotAPI
from tests.support import ChatSession, Clock, SpeakingChat, open_seed_step, pass_at, read

OPENED = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)  # the clock fixture's Friday, when the card opens
SEED = "backend-engineer-ai-era"
HEADING = "👋 A few days ago you opened <b>Backend Engineer (AI era)</b>."


def welcomes_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The welcome nudges the chat got: 👋 and a step to mark (the /start greeting has a 👋 too)."""
    return [read(c.params["text"]) for c in api.calls_of("sendMessage", chat_id) if is_a_welcome(c.params)]


def is_a_welcome(params: dict[str, Any]) -> bool:
    rows = (params.get("reply_markup") or {}).get("inline_keyboard") or [[{}]]
    return params["text"].startswith("👋") and rows[0][0].get("callback_data", "").startswith("d:")


async def welcome_rows(storage: Storage, chat_id: int) -> tuple[dt.datetime | None, list[tuple[str, str | None]]]:
    """When the chat's welcome was dealt with, and its facts of nudges sent (kind, source)."""
    async with storage.engine.connect() as connection:
        welcomed = (await connection.execute(select(chats.c.welcomed_at).where(chats.c.id == chat_id))).scalar()
        sent = select(facts.c.kind, facts.c.source).where(facts.c.chat_id == chat_id, facts.c.kind == "nudge")
        return welcomed, [tuple(row) for row in await connection.execute(sent)]


async def test_a_chat_that_opened_a_card_and_changed_nothing_is_welcomed_once_three_days_later(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    await open_seed_step(chat, "3. Relational databases")
    assert await pass_at(app, OPENED + dt.timedelta(days=2, hours=9)) == "nothing due", "not before three days"
    assert welcomes_to(api, chat.chat_id) == []

    moment = OPENED + dt.timedelta(days=3, hours=1)  # Monday 10:30 UTC
    assert await pass_at(app, moment) == "1 welcomed"
    [welcome] = welcomes_to(api, chat.chat_id)
    assert welcome.startswith(f"{HEADING}\n\n<b>Relational databases &amp; SQL</b>\n"), "the step it opened"
    assert welcome.endswith("Twenty minutes on this step is a fine start. I won't write again until you mark a step.")
    assert chat.last.button_texts == ["✅ Mark done", "📖 Open"]
    assert await welcome_rows(storage, chat.chat_id) == (moment, [("nudge", "welcome")])

    for days in (4, 10, 30):  # never again
        assert await pass_at(app, OPENED + dt.timedelta(days=days, hours=3)) == "nothing due"
    assert len(welcomes_to(api, chat.chat_id)) == 1

    await chat.tap("📖 Open")  # the welcome's button opens the card
    assert "Relational databases & SQL" in chat.last.text and "Step 3 of 10" in chat.last.text


async def test_a_chat_that_started_hears_only_its_weekly_nudges(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    moment = OPENED + dt.timedelta(days=3, hours=1)
    assert await pass_at(app, moment) == "nothing due"
    assert welcomes_to(api, chat.chat_id) == []
    assert await welcome_rows(storage, chat.chat_id) == (moment, []), "dealt with, silently"
    assert await pass_at(app, dt.datetime(2026, 12, 4, 19, tzinfo=dt.UTC)) == "1 sent", "the weekly nudge, as ever"


async def test_a_welcome_waits_for_the_morning_in_the_chats_zone(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    await chat.send("/timezone Tokyo")
    await open_seed_step(chat, "1. A typed language + git")
    night = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)  # 23:00 in Tokyo
    assert await pass_at(app, night) == "nothing due"
    assert await welcome_rows(storage, chat.chat_id) == (None, [])
    morning = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)  # 08:30 in Tokyo
    assert await pass_at(app, morning) == "1 welcomed"
    assert len(welcomes_to(api, chat.chat_id)) == 1


async def test_a_welcome_speaks_the_chats_language(app: RoadmapBot, api: FakeBotAPI, storage: Storage) -> None:
    chat = SpeakingChat(app, api, 1002, "ru")
    await chat.send(f"/start {SEED}")
    await chat.tap("1. ")
    await app.flush_presence()  # the app's language, written as the bot does every two seconds
    assert await pass_at(app, OPENED + dt.timedelta(days=3, hours=1)) == "1 welcomed"
    [welcome] = welcomes_to(api, chat.chat_id)
    assert welcome.startswith("👋 Несколько дней назад вы открыли «<b>")
    assert "Больше не напишу, пока вы не отметите шаг." in welcome
    assert chat.last.button_texts[0].startswith("✅")


async def test_a_blocked_chat_is_not_welcomed_again_and_leaves_no_fact(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    api.blocked_chats.add(chat.chat_id)
    moment = OPENED + dt.timedelta(days=3, hours=1)
    assert await pass_at(app, moment) == "1 welcome not sent"
    assert await welcome_rows(storage, chat.chat_id) == (moment, [])
    assert await pass_at(app, moment + dt.timedelta(days=1)) == "nothing due"


async def test_the_chats_here_before_the_welcome_existed_are_not_welcomed(
    empty_database: tuple[str, dict[str, Any]],
) -> None:
    url, options = empty_database
    storage = Storage(create_engine(url, **options))
    try:
        await upgrade(storage.engine, "0016")
        async with storage.engine.begin() as connection:  # a chat that opened a card, as the code of that time wrote it
            await connection.execute(
                chats.insert().values(id=7, created_at=OPENED, current_roadmap_id=SEED, current_step_id="sql")
            )
        assert await upgrade(storage.engine) == head_revision()
        assert await welcome_rows(storage, 7) == (OPENED, [])
        assert await storage.nudges.welcomes_pending(OPENED + dt.timedelta(days=30), 10) == []
    finally:
        await storage.close()


def test_a_welcome_invites_to_the_step_opened_or_the_first_when_it_is_gone(catalog: Catalog) -> None:
    """The rule: the step the chat opened last; the roadmap's first when
    the card had no step or the step is gone; no welcome when the roadmap is no longer offered."""
    seed = catalog.get(SEED)
    assert seed is not None
    third, first = seed.steps[2], seed.steps[0]
    assert plan_welcome(catalog, SEED, third.id) == WelcomePlan(seed, third)
    assert [plan_welcome(catalog, SEED, step_id) for step_id in (None, "", "a-step-since-removed")] == [
        WelcomePlan(seed, first)
    ] * 3
    assert plan_welcome(catalog, "a-roadmap-since-removed", third.id) is None


async def test_a_welcome_is_taken_once_and_only_for_the_chats_asked(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    """Taking welcomes takes the chats asked for (those awake) and no other, each once: another
    pass, or another instance, that asks again finds it dealt with."""
    for chat_id in (1, 2):
        await open_seed_step(ChatSession(app, api, chat_id), "3. Relational databases")
    now = OPENED + dt.timedelta(days=3, hours=1)
    assert [welcome.chat_id for welcome in await storage.nudges.claim_welcomes([1], now)] == [1]
    assert await storage.nudges.claim_welcomes([1], now) == []
    assert [welcome.chat_id for welcome in await storage.nudges.claim_welcomes([1, 2], now)] == [2]


async def test_pending_welcomes_are_read_oldest_first_a_batch_at_a_time(
    app: RoadmapBot, api: FakeBotAPI, clock: Clock, storage: Storage
) -> None:
    """A pass reads the chats whose welcome is pending a batch at a time, those that came first
    first (here the reverse of their ids)."""
    for chat_id, hours in ((1, 2), (2, 1), (3, 0)):
        clock.now = OPENED + dt.timedelta(hours=hours)
        await open_seed_step(ChatSession(app, api, chat_id), "3. Relational databases")
    later = OPENED + dt.timedelta(days=1)
    assert [chat_id for chat_id, _ in await storage.nudges.welcomes_pending(later, 2)] == [3, 2]
    assert [chat_id for chat_id, _ in await storage.nudges.welcomes_pending(later, 5)] == [3, 2, 1]
    chat_1_came = OPENED + dt.timedelta(hours=2)  # those that came before it or at that moment
    assert [chat_id for chat_id, _ in await storage.nudges.welcomes_pending(chat_1_came, 5)] == [3, 2, 1]


async def test_a_stopping_bot_leaves_the_welcomes_for_the_next_pass(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, catalog: Catalog, storage: Storage
) -> None:
    """A pass asked to stop after its nudges (the bot is shutting down) sends no welcome: the next
    pass, here or in another process, does."""
    await open_seed_step(chat, "3. Relational databases")
    moment = OPENED + dt.timedelta(days=3, hours=1)
    answers = iter([True])  # go on with the nudges (none due), then stop
    report = await NudgeDispatcher(app.application.bot, catalog, storage).run_pass(moment, lambda: next(answers, False))
    assert str(report) == "nothing due" and welcomes_to(api, chat.chat_id) == []
    assert await pass_at(app, moment) == "1 welcomed"
