"""The operator's branding (branding.yaml beside their roadmaps): the bot's name, the welcome
paragraph and the card's accent colour, per language, overriding BOT_NAME; Telegram's descriptions
come from it; problems named with file and field."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.application import announce_commands
from bot.content import Reloader
from roadmaps import Catalog, inspect_folders
from tests.fakebotapi import FakeBotAPI
from tests.support import VALID_STEP, AppFactory, ChatSession, settings_for_tests

BRANDING = """\
bot_name: PyLadies Roadmaps
welcome: Hi! We walk you through our community's roadmaps, one step at a time.
accent: "#7c3aed"
translations:
  ru:
    bot_name: Дорожные карты PyLadies
    welcome: Привет! Мы ведём вас по дорожным картам нашего сообщества, шаг за шагом.
"""


def branded_folder(tmp_path: Path, branding: str = BRANDING) -> Path:
    folder = tmp_path / "ours"
    folder.mkdir(exist_ok=True)
    (folder / "branding.yaml").write_text(branding, encoding="utf-8")
    (folder / "community-python.yaml").write_text(
        "id: community-python\ntitle: Community Python\nsummary: Ours.\n"
        "signals: {importance: high, market_demand: high, automation_risk: low}\nsteps:\n" + VALID_STEP,
        encoding="utf-8",
    )
    return folder


async def test_branding_names_the_bot_welcomes_paints_the_card_and_describes_it_to_telegram(
    make_app: AppFactory, api: FakeBotAPI, tmp_path: Path
) -> None:
    inspection = inspect_folders([branded_folder(tmp_path)])
    assert inspection.errors == () and len(inspection.catalog) == 6, "branding.yaml is no roadmap"
    app = await make_app(inspection.catalog)
    chat = ChatSession(app, api, chat_id=1001)
    await chat.send("/start")
    assert chat.last.text.startswith(
        "Hi! We walk you through our community's roadmaps, one step at a time.\n\nPick a roadmap to begin:"
    )
    await chat.send("/help")
    assert "🗺 PyLadies Roadmaps walks you through" in chat.last.text

    update = api.message_update(2002, "/start")
    update["message"]["from"]["language_code"] = "ru"
    await ChatSession(app, api, chat_id=2002).process(update)
    assert api.last_message(2002).text.startswith(
        "Привет! Мы ведём вас по дорожным картам нашего сообщества, шаг за шагом."
    )

    await chat.send("/start community-python")
    await chat.tap("1. First")
    await chat.tap("✅ Mark done")
    documents = len(api.documents)
    await chat.send("/export")
    assert "from PyLadies Roadmaps." in api.documents[documents].content.decode()
    await chat.send("/card")
    picture = Image.open(io.BytesIO(api.documents[-1].content))
    colours = {colour for _, colour in picture.convert("RGB").getcolors(maxcolors=1_000_000) or []}
    assert (124, 58, 237) in colours, "the ring and the count in the operator's accent"
    assert (52, 211, 153) not in colours, "not the default one"

    await announce_commands(app.application, "Roadmap bot", inspection.catalog.branding)
    assert api.descriptions[None] == "Hi! We walk you through our community's roadmaps, one step at a time."
    assert api.descriptions["ru"].startswith("Привет!")
    assert api.descriptions["es"] == api.descriptions[None], "English where no translation"


def test_branding_problems_are_named_with_file_and_field(tmp_path: Path) -> None:
    folder = branded_folder(tmp_path, 'bot_name: ""\naccent: purple\ncolour: red\ntranslations: {ru: {welcome: 5}}\n')
    problems = sorted(str(problem) for problem in inspect_folders([folder]).errors)
    path = folder / "branding.yaml"
    assert problems == [
        f'{path}: accent: must be a colour as "#rrggbb", e.g. "#34d399"',
        f"{path}: bot_name: must be text of 1 to 64 characters",
        f"{path}: colour: unknown key (bot_name, welcome, accent, translations)",
        f"{path}: translations.ru.welcome: must be text of 1 to 500 characters",
    ]
    other = tmp_path / "more"
    other.mkdir()
    (other / "branding.yaml").write_text("bot_name: Another\n", encoding="utf-8")
    (path).write_text(BRANDING, encoding="utf-8")
    (other / "x.yaml").write_text((folder / "community-python.yaml").read_text().replace("community-python", "x"))
    [error] = inspect_folders([folder, other]).errors
    assert str(error) == f"{other / 'branding.yaml'}: (file): branding is already given by {path}"


async def test_a_reload_that_changes_the_branding_tells_telegram_the_new_descriptions(
    make_app: AppFactory, api: FakeBotAPI, tmp_path: Path
) -> None:
    folder = branded_folder(tmp_path)
    (folder / "branding.yaml").unlink()
    app = await make_app(inspect_folders([folder]).catalog)
    application = app.application

    async def rebranded(catalog: Catalog) -> None:
        await announce_commands(application, "Roadmap bot", catalog.branding)

    reloader = Reloader(settings_for_tests(roadmaps_dir=[folder]), app.services.live, None, application.bot, rebranded)
    assert await reloader.reload()
    assert api.descriptions == {}, "the same (no) branding: nothing to tell Telegram"

    (folder / "branding.yaml").write_text(BRANDING, encoding="utf-8")
    assert await reloader.reload()
    assert api.descriptions[None] == "Hi! We walk you through our community's roadmaps, one step at a time."
    assert api.descriptions["ru"].startswith("Привет!")
    chat = ChatSession(app, api, chat_id=1001)
    await chat.send("/help")
    assert "🗺 PyLadies Roadmaps walks you through" in chat.last.text
