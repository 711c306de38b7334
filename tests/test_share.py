"""Sharing: a button with a deep link to the roadmap, and /card's progress picture."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from handlers.card_picture import GOLD, fit_at_most, font_for
from handlers.sharing_views import card_text
from progress import Mark, Progress, StepState
from roadmaps import Catalog
from tests.fakebotapi import BOT_USERNAME
from tests.support import SEED_ID, CardChat, ChatSession, Clock, open_seed_step

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


async def test_the_roadmap_view_has_a_share_button_with_a_deep_link(chat: ChatSession) -> None:
    await chat.send("/start backend-engineer-ai-era")
    [share] = [b for row in chat.last.buttons for b in row if b["text"] == "📤 Share"]
    link = urlsplit(share["url"])
    assert (link.netloc, link.path) == ("t.me", "/share/url")
    query = parse_qs(link.query)
    assert query["url"] == [f"https://t.me/{BOT_USERNAME}?start=backend-engineer-ai-era"]
    assert query["text"] == ["Backend Engineer (AI era)"]


async def test_card_sends_a_picture_of_the_progress(chat: ChatSession) -> None:
    await chat.send("/card")
    assert chat.last.text.startswith("No progress to show yet")
    await open_seed_step(chat, "1. A typed language + git")
    step_card = chat.last.message_id
    for _ in range(3):
        await chat.tap("✅ Mark done", step_card)
        await chat.tap("▶", step_card)
    await chat.send("/card")
    [card] = [d for d in chat.api.documents if d.chat_id == chat.chat_id]
    assert card.caption is not None and "Backend Engineer (AI era)" in card.caption
    assert "30% · 3 of 10 steps done" in card.caption
    picture = Image.open(io.BytesIO(card.content))
    assert (picture.format, picture.size) == ("PNG", (1200, 630))
    assert len(picture.convert("RGB").getcolors(maxcolors=100_000) or []) > 50, "a drawn picture, not a blank"


# --- the card says what happened, and a completed roadmap's looks like an achievement ------------


def gold(pixel: object) -> bool:
    """Whether a pixel of a card (scaled down, so a shade off) is its gold."""
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= 6 for a, b in zip(pixel, GOLD, strict=True))


async def test_a_completed_roadmap_s_card_is_gold_with_a_star_and_says_completed(
    chat: ChatSession, catalog: Catalog
) -> None:
    roadmap = catalog.get(SEED_ID)
    assert roadmap is not None
    chat = CardChat(chat.app, chat.api, chat.chat_id)  # the first reminder's question waits below
    await open_seed_step(chat, "1. A typed language + git")
    for _ in roadmap.steps:
        await chat.tap("✅ Done · next ▶")
    await chat.send("/card")
    picture = Image.open(io.BytesIO(chat.api.documents[-1].content)).convert("RGB")
    assert gold(picture.getpixel((43, 315))), "a gold frame"
    assert gold(picture.getpixel((280, 222))), "a star in the ring"
    text = card_text(roadmap, Progress(SEED_ID, {s.id: Mark(StepState.DONE, NOW) for s in roadmap.steps}), 1, "x")
    assert (text.next, text.completed, text.streak) == ("Completed: every step done", True, None)


async def test_a_covered_roadmap_s_card_says_what_was_skipped_and_a_card_at_30_is_not_gold(
    chat: ChatSession, catalog: Catalog
) -> None:
    roadmap = catalog.get(SEED_ID)
    assert roadmap is not None
    marks = {s.id: Mark(StepState.DONE, NOW) for s in roadmap.steps} | {"http-rest-apis": Mark(StepState.SKIPPED, NOW)}
    text = card_text(roadmap, Progress(SEED_ID, marks), 2, "x")
    assert (text.next, text.completed, text.streak) == ("Every step covered: 1 skipped", False, "2 weeks in a row")
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/card")
    picture = Image.open(io.BytesIO(chat.api.documents[-1].content)).convert("RGB")
    assert not gold(picture.getpixel((43, 315))) and not gold(picture.getpixel((280, 222)))


def test_a_long_title_on_the_card_is_cut_with_an_ellipsis() -> None:
    font = font_for("x", 56)
    width = (1200 - 90 - 520) * 2
    lines = fit_at_most("Platform engineering for very large distributed organisations " * 3, font, width, 2)
    assert len(lines) == 2 and lines[1].endswith("…") and font.getlength(lines[1]) <= width


async def test_a_streak_shows_from_its_second_week(chat: ChatSession, clock: Clock) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Done · next ▶")
    await chat.send("/progress")
    assert "🔥" not in chat.last.text and "in a row" not in chat.last.text, "one week is no row yet"
    clock.advance(days=7)
    await chat.send("/next")
    await chat.tap("✅ Done · next ▶")
    await chat.send("/progress")
    assert "🔥 2 weeks in a row" in chat.last.text
