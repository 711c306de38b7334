"""Sharing: a button with a deep link to the roadmap, and /card's progress picture."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from tests.fakebotapi import BOT_USERNAME
from tests.support import ChatSession, open_seed_step


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
