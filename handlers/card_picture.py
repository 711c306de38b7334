"""The progress card: a PNG of one roadmap's progress, to keep or to share (/card), drawn from
words a view chose (`CardText`)."""

from __future__ import annotations

import functools
import io
import math
import re
from pathlib import Path
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
GOLD = (251, 191, 36)  # a completed roadmap's card: an achievement


FONTS = Path(__file__).resolve().parent / "fonts"
# Noto Sans for Latin and Cyrillic; DejaVu Sans for a line with Arabic script (Persian), which it
# covers together with Latin, so a Persian line with an English name in it is one run, shaped and
# ordered right to left by Pillow's Raqm layout (FriBiDi, HarfBuzz).
LATIN_AND_CYRILLIC = {False: "NotoSans-Regular.ttf", True: "NotoSans-Bold.ttf"}
WITH_ARABIC_SCRIPT = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


@functools.cache
def _font(size: int, bold: bool = False, arabic: bool = False) -> ImageFont.FreeTypeFont:
    """A shipped font at a size (drawn at SCALE), for a line with Arabic script or without."""
    name = (WITH_ARABIC_SCRIPT if arabic else LATIN_AND_CYRILLIC)[bold]
    return ImageFont.truetype(str(FONTS / name), size * SCALE, layout_engine=ImageFont.Layout.RAQM)


def font_for(text: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The font a line is drawn in: one that has every script in it."""
    return _font(size, bold, ARABIC_SCRIPT.search(text) is not None)


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


def fit_at_most(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float, most: int) -> list[str]:
    """At most `most` lines of fit_lines; when the text needs more, the last ends with "…" (cut
    to fit with it)."""
    lines = fit_lines(text, font, width)
    if len(lines) <= most:
        return lines
    last = f"{lines[most - 1]} {lines[most]}"
    while last and font.getlength(last.rstrip() + "…") > width:
        last = last[:-1]
    return [*lines[: most - 1], last.rstrip() + "…"]


def star(canvas: Canvas, x: float, y: float, radius: float) -> None:
    """A five-pointed star centred at (x, y): the mark of a completed roadmap."""
    points = []
    for corner in range(10):
        reach = radius if corner % 2 == 0 else radius * 0.42
        angle = math.pi / 2 + corner * math.pi / 5
        points.append(canvas.at(x + reach * math.cos(angle), y - reach * math.sin(angle)))
    canvas.draw.polygon(points, fill=GOLD)


class Canvas:
    """The card being drawn, at SCALE; in a right-to-left language, mirrored: the ring on the right,
    the words flush right."""

    def __init__(self, right_to_left: bool) -> None:
        self.image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)
        self.right_to_left = right_to_left

    def at(self, x: float, y: float) -> tuple[float, float]:
        """A point of the left-to-right layout, mirrored for right to left, at SCALE."""
        return ((WIDTH - x if self.right_to_left else x) * SCALE, y * SCALE)

    def box(self, left: float, top: float, right: float, bottom: float) -> list[float]:
        """A box of the left-to-right layout, mirrored for right to left, at SCALE."""
        (x0, y0), (x1, y1) = self.at(left, top), self.at(right, bottom)
        return [min(x0, x1), y0, max(x0, x1), y1]

    def words(self, x: float, y: float, text: str, size: int, fill: tuple[int, int, int]) -> None:
        """A line starting at (x, y): flush left, or flush right in a right-to-left language."""
        anchor = "ra" if self.right_to_left else "la"
        direction = "rtl" if self.right_to_left else "ltr"
        self.draw.text(self.at(x, y), text, font=font_for(text, size), fill=fill, anchor=anchor, direction=direction)

    def png(self) -> bytes:
        """The card at its size, as PNG."""
        output = io.BytesIO()
        self.image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS).save(output, format="PNG", optimize=True)
        return output.getvalue()


def render_progress_card(
    card: CardText, right_to_left: bool = False, accent: tuple[int, int, int] | None = None
) -> bytes:
    """A 1200×630 PNG: a ring with the share of steps done, the roadmap, the count, the streak, the
    next step; mirrored for a right-to-left language; `accent` (the operator's branding) colours the
    ring and the count."""
    accent = accent or (GOLD if card.completed else ACCENT)  # the operator's branding first
    canvas = Canvas(right_to_left)
    draw = canvas.draw
    panel = canvas.box(40, 40, WIDTH - 40, HEIGHT - 40)
    border = {"outline": GOLD, "width": 6 * SCALE} if card.completed else {}
    draw.rounded_rectangle(panel, radius=36 * SCALE, fill=PANEL, **border)  # type: ignore[arg-type]
    # The ring: a track, and an arc from twelve o'clock for the share done (clockwise either way).
    box = canvas.box(100, 135, 460, 495)
    draw.ellipse(box, outline=TRACK, width=34 * SCALE)
    if card.share > 0:
        draw.arc(box, start=-90, end=-90 + 360 * card.share, fill=accent, width=34 * SCALE)
    if card.completed:
        star(canvas, 280, 222, 34)
    draw.text(canvas.at(280, 300), card.percent, font=font_for(card.percent, 84), fill=TEXT, anchor="mm")
    draw.text(canvas.at(280, 372), card.done, font=font_for(card.done, 30), fill=MUTED, anchor="mm")

    left, y, width = 520, 110, (WIDTH - 90 - 520) * SCALE
    for line in fit_at_most(card.title, font_for(card.title, 56), width, 2):
        canvas.words(left, y, line, 56, TEXT)
        y += 68
    canvas.words(left, y + 22, card.count, 40, accent)
    y += 86
    if card.streak:
        canvas.words(left, y, card.streak, 34, TEXT)
        y += 56
    for line in fit_at_most(card.next, font_for(card.next, 30), width, 2):
        canvas.words(left, y, line, 30, GOLD if card.completed else MUTED)
        y += 42
    canvas.words(left, HEIGHT - 110, card.footer, 26, MUTED)
    return canvas.png()
