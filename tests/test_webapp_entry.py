"""The roadmap page's doors in the chat: WEBAPP_URL sets the menu button to the page, and the
roadmap view and the step card offer "🗺 Open as page" in private chats (Telegram refuses page
buttons in groups); without WEBAPP_URL nothing changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.application import RoadmapBot, build_bot
from handlers import PAGE_MENU_TEXT
from roadmaps import Catalog
from storage import Storage
from tests.fakebotapi import BotMessage, FakeBotAPI, FakeRequest
from tests.support import SEED, SEED_ID, CardChat, ChatSession, Clock, settings_for_tests

PAGE = "https://bot.example.org/app/"
GROUP = -100


@asynccontextmanager
async def started_bot(
    api: FakeBotAPI, storage: Storage, clock: Clock, catalog: Catalog, page: str | None
) -> AsyncIterator[RoadmapBot]:
    """The bot with WEBAPP_URL set to `page` (or not), started and stopped as `roadmap-bot run`
    starts and stops it (post_init and post_stop included)."""
    settings = settings_for_tests(webapp_url=page)
    bot = build_bot(settings, catalog, storage, request=FakeRequest(api), clock=clock)
    await bot.application.initialize()
    assert bot.application.post_init is not None
    await bot.application.post_init(bot.application)
    try:
        yield bot
    finally:
        assert bot.application.post_stop is not None
        await bot.application.post_stop(bot.application)
        await bot.application.shutdown()


@pytest.fixture
async def paged(api: FakeBotAPI, storage: Storage, clock: Clock, catalog: Catalog) -> AsyncIterator[RoadmapBot]:
    """The bot with WEBAPP_URL set."""
    async with started_bot(api, storage, clock, catalog, PAGE) as bot:
        yield bot


@pytest.fixture
async def unpaged(api: FakeBotAPI, storage: Storage, clock: Clock, catalog: Catalog) -> AsyncIterator[RoadmapBot]:
    """The bot without WEBAPP_URL."""
    async with started_bot(api, storage, clock, catalog, None) as bot:
        yield bot


def page_buttons(message: BotMessage) -> list[tuple[str, str]]:
    """The page buttons of a message: label and address."""
    return [(b["text"], b["web_app"]["url"]) for row in message.buttons for b in row if "web_app" in b]


async def test_the_menu_button_opens_the_page(paged: RoadmapBot, api: FakeBotAPI) -> None:
    assert api.menu_button == {"type": "web_app", "text": PAGE_MENU_TEXT, "web_app": {"url": PAGE}}


async def test_in_a_private_chat_the_roadmap_and_its_cards_open_as_a_page(paged: RoadmapBot, api: FakeBotAPI) -> None:
    chat = CardChat(paged, api, chat_id=1001)  # the first reminder's question waits below the card
    opened = [("🗺 Open as page", f"{PAGE}?roadmap={SEED_ID}")]
    await chat.send("/start")
    assert page_buttons(chat.last) == [], "the catalog has no one roadmap to open"
    await chat.tap(SEED)
    assert page_buttons(chat.last) == opened
    await chat.tap("1. ")
    assert page_buttons(chat.last) == opened
    await chat.tap("✅ Done · next ▶")
    assert page_buttons(chat.last) == opened, "the card keeps it through a change"
    await chat.tap("🛠 More ▾")
    assert page_buttons(chat.last) == opened


async def test_a_group_gets_no_page_button(paged: RoadmapBot, api: FakeBotAPI) -> None:
    group = ChatSession(paged, api, chat_id=GROUP, user_id=7)
    await group.send(f"/start {SEED_ID}")
    assert SEED in group.last.text and page_buttons(group.last) == []
    await group.tap("1. ")
    assert "Step 1 of 10" in group.last.text and page_buttons(group.last) == []


async def test_without_a_page_nothing_changes(unpaged: RoadmapBot, api: FakeBotAPI) -> None:
    chat = ChatSession(unpaged, api, chat_id=1001)
    await chat.send(f"/start {SEED_ID}")
    assert page_buttons(chat.last) == []
    await chat.tap("1. ")
    assert page_buttons(chat.last) == []
    assert api.menu_button is None
    assert "setChatMenuButton" not in api.begun


async def test_a_chat_that_chooses_its_language_gets_the_page_s_menu_button_in_it_and_back(
    paged: RoadmapBot, unpaged: RoadmapBot, api: FakeBotAPI
) -> None:
    """The bot's one menu button says "Roadmaps" to every chat; a private chat that chooses its
    language by /language gets its own, in that language, and the bot's again when it goes back
    to its app's language. A group keeps the bot's (Telegram takes page buttons in private chats
    only), and without WEBAPP_URL no chat gets one."""
    chat = ChatSession(paged, api, 1001)
    await chat.send("/language")
    await chat.tap("Русский")
    assert api.chat_menu_buttons[1001] == {"type": "web_app", "text": "Дорожные карты", "web_app": {"url": PAGE}}
    await chat.send("/language")
    await chat.tap("فارسی")
    assert api.chat_menu_buttons[1001]["text"] == "نقشه‌های راه"
    assert api.menu_button == {"type": "web_app", "text": PAGE_MENU_TEXT, "web_app": {"url": PAGE}}
    await chat.send("/language")
    await chat.tap("📱")
    assert 1001 not in api.chat_menu_buttons, "back to the bot's button"

    group = ChatSession(paged, api, chat_id=GROUP, user_id=7)
    api.set_member(GROUP, 7)
    await group.send("/language")
    await group.tap("Русский")
    assert GROUP not in api.chat_menu_buttons
    other = ChatSession(unpaged, api, 1002)
    await other.send("/language")
    await other.tap("Русский")
    assert 1002 not in api.chat_menu_buttons
