"""/help and what the bot does not understand: unknown commands, plain text, forged buttons."""

from __future__ import annotations

import gettext

import pytest
from sqlalchemy import func, select

from handlers.guide_views import COMMANDS, bot_description, bot_short_description, command_menu, render_unknown_command
from i18n import catalogs
from storage import Storage
from storage.tables import chat_roadmaps, chats, step_states
from tests.support import ChatSession, answers, open_seed_step


async def row_counts(storage: Storage) -> tuple[int, int, int]:
    async with storage.engine.connect() as connection:
        counts = [
            (await connection.execute(select(func.count()).select_from(table))).scalar_one()
            for table in (chats, chat_roadmaps, step_states)
        ]
    return counts[0], counts[1], counts[2]


async def test_help_is_short_true_and_lists_every_command(chat: ChatSession) -> None:
    await chat.send("/help")
    for name, description in COMMANDS:
        assert f"/{name} · {description}" in chat.last.text
    assert len(chat.last.text) < 1000


class Marked(gettext.NullTranslations):
    """A language's words as the English followed by the language's name."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def gettext(self, message: str) -> str:
        return message if self.name == catalogs.SOURCE else f"{message} ({self.name})"


def test_the_command_menu_keeps_the_names_and_says_the_descriptions_in_the_language_spoken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(catalogs, "translations", Marked)
    with catalogs.speaking("ru"):
        menu = command_menu()
        description, short = bot_description("Roadmap bot"), bot_short_description("Roadmap bot")
    assert menu == [(name, f"{words} (ru)") for name, words in COMMANDS]
    assert description.endswith("(ru)") and "Roadmap bot" in description and short.endswith("(ru)")
    assert command_menu() == list(COMMANDS), "English outside the block"


# The Bot API methods by which the bot says something in a chat: a message, a picture, a file.
SAYS = {"sendMessage": "text", "sendPhoto": "caption", "sendDocument": "caption"}


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
async def test_every_listed_command_has_a_handler(chat: ChatSession, name: str) -> None:
    """Each command of /help and Telegram's menu, sent to the real Application in a fresh private
    chat, gets an answer, and not the one a command without a handler gets."""
    calls = await chat.send(f"/{name}")
    said = [call.params.get(SAYS[call.method]) for call in calls if call.method in SAYS]
    assert said, f"/{name} got no answer"
    assert render_unknown_command(f"/{name}") not in said


async def test_plain_text_and_unknown_commands_get_one_line_and_change_nothing(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    before = await row_counts(storage)

    await chat.send("hello there")
    assert chat.last.text == "I work with buttons and commands: try /roadmaps to pick a roadmap, or /help."
    await chat.send("/frobnicate <b>now</b> & then")
    assert chat.last.text == "I don't know the command /frobnicate. Try /help to see what I can do."
    await chat.send("/x<i>")
    assert chat.last.text.startswith("I don't know the command /x<i>.")
    assert await row_counts(storage) == before


@pytest.mark.parametrize(
    "data",
    [
        "garbage",
        "d:backend-engineer-ai-era",
        "d:backend-engineer-ai-era:typed-language-and-git:1001",
        "☃" * 16,
        "u:x:y;--",
    ],
)
async def test_a_forged_button_is_answered_politely_and_changes_nothing(
    chat: ChatSession, storage: Storage, data: str
) -> None:
    await chat.send("/start")
    before_rows, before_text = await row_counts(storage), chat.last.text
    calls = await chat.press(data)
    assert answers(calls) == ["This button is out of date. Send /roadmaps to start again."]
    assert await row_counts(storage) == before_rows
    assert chat.last.text == before_text
