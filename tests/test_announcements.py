"""Announcements through the real Application and the fake Bot API: an operator's /announce (the
preview as learners read it, the audience and its count, confirm, the progress edited in place,
Cancel), the sending pass (blocked, moved, opted out, a night held back, each chat once), and a
learner's "🔕 No announcements" turned back on from /remind. Both databases; rows read back."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.announcements import AnnouncementDispatcher, Pacing
from bot.application import RoadmapBot, build_bot
from progress.announcements import EVERYONE as EVERYONE_AUDIENCE
from progress.announcements import RecipientState
from roadmaps import Catalog
from storage import Storage
from storage.tables import announcement_recipients, announcements, reminders
from tests.fakebotapi import FakeBotAPI, FakeRequest
from tests.support import SEED, ChatSession, Clock, answers, settings_for_tests

OPERATOR = 777
LEARNERS = (1001, 1002, 1003, 1004, -5005)
SEED_ID = "backend-engineer-ai-era"
NEWS = "<b>New roadmap</b>: Platform engineering is out!"


@pytest.fixture
async def operator_app(api: FakeBotAPI, storage: Storage, clock: Clock, catalog: Catalog) -> AsyncIterator[RoadmapBot]:
    """The bot with one operator's chat (OPERATOR_CHAT_IDS), sending as fast as the fake takes."""
    settings = settings_for_tests(operator_chat_ids=[OPERATOR], telegram_messages_per_second=1000)
    app = build_bot(settings, catalog, storage, request=FakeRequest(api), clock=clock)
    await app.application.initialize()
    yield app
    await app.application.shutdown()


async def learners(app: RoadmapBot, api: FakeBotAPI) -> dict[int, ChatSession]:
    """Chats that came and started the seed roadmap (a group among them)."""
    chats = {chat_id: ChatSession(app, api, chat_id, user_id=abs(chat_id)) for chat_id in LEARNERS}
    for chat in chats.values():
        await chat.send("/start")
        await chat.tap(SEED)
    return chats


def announcements_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The announcements a chat was sent (the ones with the news)."""
    return [c.params["text"] for c in api.calls_of("sendMessage", chat_id) if c.ok and c.params["text"] == NEWS]


async def states(storage: Storage) -> dict[int, str]:
    async with storage.engine.connect() as connection:
        rows = await connection.execute(select(announcement_recipients.c.chat_id, announcement_recipients.c.state))
        return dict(rows.all())


async def test_an_operator_previews_chooses_confirms_and_watches_the_figures_of_an_announcement(
    operator_app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock
) -> None:
    await learners(operator_app, api)
    api.blocked_chats.add(1003)
    api.migrated_chats[-5005] = -1005005
    operator = ChatSession(operator_app, api, OPERATOR)

    await operator.send(f"/announce {NEWS}")
    preview, check = operator.sent()[-2:]
    assert preview.html == NEWS, "the preview is the announcement as learners get it"
    assert preview.button_texts == ["🔕 No announcements"]
    assert "To: <b>everyone</b>." in check.html and "5 chats get it." in check.text
    assert "✅ Send to 5 chats" in check.button_texts

    await operator.tap("Active, 28 days")
    assert "To: <b>active in the last 28 days</b>." in operator.last.html and "5 chats get it." in operator.last.text
    await operator.tap("Русский")
    assert "0 chats get it." in operator.last.text and not any("Send" in t for t in operator.last.button_texts)
    await operator.tap("Everyone")
    calls = await operator.tap("✅ Send to 5 chats")
    assert answers(calls) == [None]
    assert "sending…" in operator.last.text and "0 of 5" in operator.last.text
    assert operator.last.button_texts == ["✖️ Cancel"]

    await storage.announcements.choose(1002, False, clock())  # turned off after it was queued
    report = await operator_app.announcements.run_pass()
    assert report == Counter({RecipientState.SENT: 3, RecipientState.BLOCKED: 1, RecipientState.OPTED_OUT: 1})
    for chat_id in (1001, 1004):
        assert announcements_to(api, chat_id) == [NEWS]
    assert announcements_to(api, 1002) == [] and announcements_to(api, 1003) == []
    assert announcements_to(api, -1005005) == [NEWS], "a group that became a supergroup gets it under its new id"
    assert (await states(storage)) == {
        1001: "sent",
        1002: "opted_out",
        1003: "blocked",
        1004: "sent",
        -5005: "sent",
    }
    async with storage.engine.connect() as connection:
        status = (await connection.execute(select(reminders.c.status).where(reminders.c.chat_id == 1003))).scalar()
    assert status in (None, "blocked"), "a 403 stops the chat's reminders as a nudge's does"
    final = operator.last
    assert "done." in final.text and "5 of 5" in final.text
    assert "sent 3 · blocked 1 · failed 0 · opted out 1 · left 0 · unknown 0" in final.text
    assert final.button_texts == []

    assert await operator_app.announcements.run_pass() == Counter(), "nobody gets it twice"
    assert announcements_to(api, 1001) == [NEWS]


async def test_a_learner_turns_announcements_off_under_one_and_back_on_from_remind(
    operator_app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    learner = (await learners(operator_app, api))[1001]
    draft = await storage.announcements.draft(NEWS, EVERYONE_AUDIENCE, operator_app.services.clock())
    await storage.announcements.queue(draft.id, operator_app.services.clock())
    await operator_app.announcements.run_pass()
    assert learner.last.html == NEWS and learner.last.button_texts == ["🔕 No announcements"]

    calls = await learner.tap("🔕 No announcements")
    assert answers(calls) == ["🔕 No more announcements. /remind turns them back on."]
    assert learner.last.button_texts == [], "the button goes once pressed"
    assert not await storage.announcements.wants(1001)
    again = await storage.announcements.draft("Second", EVERYONE_AUDIENCE, operator_app.services.clock())
    await storage.announcements.queue(again.id, operator_app.services.clock())
    await operator_app.announcements.run_pass()
    assert [c for c in api.calls_of("sendMessage", 1001) if c.params["text"] == "Second"] == []

    await learner.send("/remind")
    assert "🔕 You turned announcements off." in learner.last.text
    calls = await learner.tap("🔔 Announcements on")
    assert answers(calls) == ["🔔 Announcements are on again."]
    assert await storage.announcements.wants(1001)
    assert "🔔 Announcements on" not in learner.last.button_texts


async def test_a_recipient_at_night_gets_it_in_its_morning(
    operator_app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock
) -> None:
    learner = (await learners(operator_app, api))[1001]
    await learner.tap("1. A typed language + git")
    await learner.tap("✅ Mark done")  # reminders on: the chat has a time zone
    await learner.send("/timezone Asia/Tokyo")
    clock.now = dt.datetime(2026, 12, 4, 14, 0, tzinfo=dt.UTC)  # 23:00 in Tokyo
    draft = await storage.announcements.draft(NEWS, EVERYONE_AUDIENCE, clock())
    await storage.announcements.queue(draft.id, clock())
    await operator_app.announcements.run_pass()
    assert announcements_to(api, 1001) == [] and announcements_to(api, 1002) == [NEWS]
    clock.now = dt.datetime(2026, 12, 4, 22, 59, tzinfo=dt.UTC)
    await operator_app.announcements.run_pass()
    assert announcements_to(api, 1001) == []
    clock.now = dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.UTC)  # 08:00 in Tokyo
    await operator_app.announcements.run_pass()
    assert announcements_to(api, 1001) == [NEWS]


@pytest.mark.parametrize("late", [0.0, 0.4])
async def test_a_turn_in_the_shared_budget_reached_late_is_taken_again(
    operator_app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock, catalog: Catalog, late: float
) -> None:
    """Five recipients at 10 a second take a turn of half a second, after another instance's turn of
    a second; a process that wakes for it 0.4 s late (more than half the turn) would send into the
    turns booked after it, so it takes a new turn and waits for that one."""
    await learners(operator_app, api)
    draft = await storage.announcements.draft(NEWS, EVERYONE_AUDIENCE, clock())
    await storage.announcements.queue(draft.id, clock())
    start = clock()
    await storage.announcements.take_budget(draft.id, 10, 10.0, start)  # another instance's turn
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds=seconds + (late if len(waits) == 1 else 0.0))

    pacing = Pacing(10.0, sleep=sleep)
    dispatcher = AnnouncementDispatcher(operator_app.application.bot, catalog, storage, clock, pacing)
    assert (await dispatcher.run_pass())[RecipientState.SENT] == len(LEARNERS)
    async with storage.engine.connect() as connection:
        paced_until = (await connection.execute(select(announcements.c.paced_until))).scalar_one()
    if late:
        assert waits == [pytest.approx(1.0), pytest.approx(0.1)], "the new turn starts after the one missed"
        assert paced_until == start + dt.timedelta(seconds=2.0)
    else:
        assert waits == [pytest.approx(1.0)]
        assert paced_until == start + dt.timedelta(seconds=1.5)
    assert all(announcements_to(api, chat_id) == [NEWS] for chat_id in LEARNERS)


async def test_cancel_stops_what_has_not_gone(operator_app: RoadmapBot, api: FakeBotAPI, storage: Storage) -> None:
    await learners(operator_app, api)
    operator = ChatSession(operator_app, api, OPERATOR)
    await operator.send(f"/announce {NEWS}")
    await operator.tap("✅ Send to 5 chats")
    calls = await operator.tap("✖️ Cancel")
    assert answers(calls) == ["✖️ Cancelled: what has not gone stays unsent."]
    assert "cancelled." in operator.last.text and "not sent 5" in operator.last.text
    await operator_app.announcements.run_pass()
    assert all(announcements_to(api, chat_id) == [] for chat_id in LEARNERS)


async def test_a_reply_announces_the_message_with_its_picture_and_a_button_to_its_roadmap(
    operator_app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    await learners(operator_app, api)
    operator = ChatSession(operator_app, api, OPERATOR)
    update = api.message_update(OPERATOR, "ignored")
    update["message"]["reply_to_message"] = {
        "message_id": 9,
        "date": 0,
        "chat": {"id": OPERATOR, "type": "private"},
        "photo": [
            {"file_id": "small", "file_unique_id": "s", "width": 1, "height": 1},
            {"file_id": "big", "file_unique_id": "b", "width": 9, "height": 9},
        ],
        "caption": "Meetup on Friday",
        "caption_entities": [{"type": "bold", "offset": 0, "length": 6}],
    }
    update["message"]["text"] = f"/announce {SEED_ID}"
    update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 9}]
    await operator.process(update)
    preview = operator.sent()[-2]
    assert preview.html == "<b>Meetup</b> on Friday"
    assert preview.button_texts[0].startswith("📚 Open ")
    await operator.tap("✅ Send to 5 chats")
    await operator_app.announcements.run_pass()
    photos = [c for c in api.calls_of("sendPhoto", 1001) if c.ok]
    assert len(photos) == 1 and photos[0].params["photo"] == "big"
    buttons = [b for row in photos[0].params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["url"].endswith(f"?start={SEED_ID}")


async def test_announce_is_an_unknown_command_for_anyone_else(operator_app: RoadmapBot, api: FakeBotAPI) -> None:
    learner = ChatSession(operator_app, api, 1001)
    await learner.send(f"/announce {NEWS}")
    assert "/help" in learner.last.text and NEWS not in learner.last.html


async def test_announce_says_how_without_a_message(operator_app: RoadmapBot, api: FakeBotAPI) -> None:
    operator = ChatSession(operator_app, api, OPERATOR)
    await operator.send("/announce")
    assert "reply to it" in operator.last.text
