"""What views are made of: a Screen (HTML text and buttons), buttons and keyboards (those many
messages carry made into JSON once), and quoting what a person typed. No words of its own."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)

from handlers.callback_data import Action, encode

# Telegram's cap on a message's text; HTML is never shorter than the text it shows,
# so an HTML string within the cap is a message within the cap.
MAX_MESSAGE = 4096
# Longest stretch of something a person typed that is quoted back in a one-line answer.
MAX_QUOTED = 64


@dataclass(frozen=True, slots=True)
class Screen:
    """What one bot message shows: HTML text and its buttons (inline ones, or, rarely, a keyboard
    under the chat's input field, or the removal of one)."""

    text: str
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
    then: Screen | None = None  # a message sent after this one is shown (a question that must not block it)

    @property
    def edits_in_place(self) -> bool:
        """Whether this screen can replace a message's own (a keyboard under the input field cannot)."""
        return self.keyboard is None or isinstance(self.keyboard, InlineKeyboardMarkup)


@dataclass(frozen=True, slots=True)
class Links:
    """Where a screen's link buttons may lead, in this chat: the bot's username (share links) and
    the roadmap page's address (WEBAPP_URL; private chats only: Telegram refuses page buttons
    elsewhere). None: no such button."""

    bot_username: str | None = None
    page_url: str | None = None


NO_LINKS = Links()


def keyboard(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """A keyboard from rows, leaving out empty ones. One made only of shared buttons (`button`,
    `url_button`: the same objects card after card) is itself shared: the same rows of the same
    buttons give the same keyboard object, its JSON written once."""
    filled = _filled(rows)
    if all(type(b) is SharedButton for row in filled for b in row):
        return _shared_by_ids(tuple(tuple(map(id, row)) for row in filled), filled)
    return InlineKeyboardMarkup(filled)


# Keyboards of shared buttons, by their buttons' identities. An entry holds its buttons, so no
# other object can take one of their ids while it is kept.
_SHARED_KEYBOARDS: dict[tuple[tuple[int, ...], ...], SharedKeyboard] = {}
SHARED_KEYBOARDS_KEPT = 4096


def forget_shared_keyboards() -> None:
    """Drop the shared keyboards made so far (for the tests)."""
    _SHARED_KEYBOARDS.clear()


def _shared_by_ids(ids: tuple[tuple[int, ...], ...], rows: list[list[InlineKeyboardButton]]) -> SharedKeyboard:
    """The shared keyboard of these rows, made the first time they come together."""
    found = _SHARED_KEYBOARDS.get(ids)
    if found is None:
        if len(_SHARED_KEYBOARDS) >= SHARED_KEYBOARDS_KEPT:
            del _SHARED_KEYBOARDS[next(iter(_SHARED_KEYBOARDS))]  # the oldest made
        found = _SHARED_KEYBOARDS[ids] = SharedKeyboard(rows)
    return found


def _filled(rows: Iterable[Sequence[InlineKeyboardButton]]) -> list[list[InlineKeyboardButton]]:
    """The rows that have buttons."""
    return [list(row) for row in rows if row]


class SentOften(TelegramObject):
    """A Telegram object many messages carry, turned into the Bot API's JSON once rather than once
    a message; like every Telegram object, it cannot change once made."""

    __slots__ = ()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        """The object as the Bot API takes it; worked out for the first message, then reused."""
        if not recursive:
            return super().to_dict(recursive=False)
        as_json: dict[str, Any] | None = getattr(self, "_as_json", None)
        if as_json is None:
            as_json = super().to_dict()
            object.__setattr__(self, "_as_json", as_json)
        return dict(as_json)

    def to_json(self) -> str:
        """The object as the JSON text a Bot API call carries (a message's buttons, its link
        preview options); written for the first message, then reused."""
        as_text: str | None = getattr(self, "_as_text", None)
        if as_text is None:
            as_text = super().to_json()
            object.__setattr__(self, "_as_text", as_text)
        return as_text


def api_value(value: TelegramObject) -> TelegramObject | str:
    """A Telegram object as a Bot API call takes it: one many messages carry as its JSON text,
    written once (the Bot API takes an object's field as JSON text); any other as it is."""
    return value.to_json() if isinstance(value, SentOften) else value


class SharedKeyboard(SentOften, InlineKeyboardMarkup):
    """An inline keyboard many messages carry: a nudge's, the same for every chat at one step."""

    __slots__ = ("_as_json", "_as_text")


class SharedLinkPreview(LinkPreviewOptions, SentOften):
    """Link preview options every message carries (handlers/replies.py:NO_LINK_PREVIEW), made into
    JSON once. No slots of its own: the JSON kept and its text live in the instance's `__dict__`,
    which the Bot API's JSON leaves out (private names)."""


class SharedButton(SentOften, InlineKeyboardButton):
    """A button many messages carry: the same label and action on card after card."""

    __slots__ = ("_as_json", "_as_text")


@functools.lru_cache(maxsize=8192)  # buttons are immutable, and a card shows the same ones tap after tap
def button(label: str, action: Action) -> SharedButton:
    """An inline button that asks for an action (its JSON worked out once, like the button)."""
    return SharedButton(label, callback_data=encode(action))


@functools.lru_cache(maxsize=1024)  # a roadmap's share link, the same on every view of it
def url_button(label: str, url: str) -> SharedButton:
    """An inline button that opens a link (its JSON worked out once, like the button)."""
    return SharedButton(label, url=url)


def shared_keyboard(rows: Iterable[Sequence[InlineKeyboardButton]]) -> SharedKeyboard:
    """A keyboard from rows (empty ones left out) that many messages will carry."""
    return SharedKeyboard(_filled(rows))


def quoted(text: str, limit: int = MAX_QUOTED) -> str:
    """Something a person typed, cut to `limit` characters (with …) and escaped, to quote back."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return escape(shown)


def with_note(note: str | None, text: str) -> str:
    """Put a one-line note (already HTML) above a message."""
    return f"{note}\n\n{text}" if note else text
