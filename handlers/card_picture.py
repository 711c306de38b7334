"""The progress card: a PNG of one roadmap's progress, to keep or to share (/card), drawn from
words a view chose (`CardText`)."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from handlers.sharing_views import CardText


WIDTH, HEIGHT = 1200, 630  # the size link previews and social cards use
SCALE = 2  # drawn twice as large, then scaled down, for smooth curves and text
BACKGROUND = (15, 23, 42)
PANEL = (30, 41, 59)
TRACK = (51, 65, 85)
ACCENT = (52, 211, 153)
TEXT = (241, 245, 249)
MUTED = (148, 163, 184)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's own scalable font (no system fonts needed)."""
    return ImageFont.load_default(size=size * SCALE)


def fit_lines(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> list[str]:
    """Words into lines no wider than `width` pixels; "(AI era)" and the like stay whole."""
    words = re.sub(r"\([^)]*\)", lambda group: group[0].replace(" ", "\u00a0"), text).split(" ")
    lines: list[str] = []
    for word in words:
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return [line.replace("\u00a0", " ") for line in lines]


def render_progress_card(card: CardText) -> bytes:
    """A 1200×630 PNG: a ring with the share of steps done, the roadmap, the count, the streak, the next step."""
    share = card.share
    image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(image)

    def at(*xy: float) -> list[float]:
        return [v * SCALE for v in xy]

    draw.rounded_rectangle(at(40, 40, WIDTH - 40, HEIGHT - 40), radius=36 * SCALE, fill=PANEL)

    # The ring: a track, and an arc from twelve o'clock for the share done.
    box = at(100, 135, 460, 495)
    draw.ellipse(box, outline=TRACK, width=34 * SCALE)
    if share > 0:
        draw.arc(box, start=-90, end=-90 + 360 * share, fill=ACCENT, width=34 * SCALE)
    draw.text(at(280, 300), card.percent, font=_font(84), fill=TEXT, anchor="mm")
    draw.text(at(280, 372), card.done, font=_font(30), fill=MUTED, anchor="mm")

    left, y = 520, 110
    for line in fit_lines(card.title, _font(56), (WIDTH - 90 - left) * SCALE)[:2]:
        draw.text(at(left, y), line, font=_font(56), fill=TEXT)
        y += 68
    y += 22
    draw.text(at(left, y), card.count, font=_font(40), fill=ACCENT)
    y += 64
    if card.streak:
        draw.text(at(left, y), card.streak, font=_font(34), fill=TEXT)
        y += 56
    for line in fit_lines(card.next, _font(30), (WIDTH - 90 - left) * SCALE)[:2]:
        draw.text(at(left, y), line, font=_font(30), fill=MUTED)
        y += 42
    draw.text(at(left, HEIGHT - 110), card.footer, font=_font(26), fill=MUTED)

    output = io.BytesIO()
    image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS).save(output, format="PNG", optimize=True)
    return output.getvalue()
