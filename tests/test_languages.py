"""Every word in the chat's language, through the real Application: a private chat follows its
person's Telegram app until /language chooses; the choice is stored, so a nudge (which comes with
no update) speaks it; a group speaks its own language, at first its adder's, and only its admins
change it; the command menu and descriptions exist in every language, and a chat that chose
another language gets its own menu. Russian plural forms and month names as a Russian reads them."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from bot.application import RoadmapBot, announce_commands
from i18n.catalogs import LANGUAGES
from roadmaps import load_catalog
from storage import Storage
from tests.fakebotapi import FakeBotAPI
from tests.support import SEED_ID, VALID_STEP, AppFactory, SpeakingChat, answers, pass_at, read

SEED = "backend-engineer-ai-era"
DOCS = Path(__file__).resolve().parent.parent / "docs"
# A week after the clock fixture's Friday, at the first reminder's first suggestion (19:00).
FIRST_DUE = dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


async def nudge_at(app: RoadmapBot, api: FakeBotAPI, chat_id: int, moment: dt.datetime) -> str:
    """The nudge one pass at `moment` sends the chat (the pass sends it and nothing else)."""
    before = len(api.calls)
    assert await pass_at(app, moment) == "1 sent"
    [sent] = [c for c in api.calls[before:] if c.method == "sendMessage" and c.params["chat_id"] == chat_id]
    return read(sent.params["text"])


async def test_a_russian_app_gets_the_seed_roadmap_in_russian_then_persian_by_language(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    chat = SpeakingChat(app, api, 1001, "ru-RU")
    await chat.send("/start")
    assert read(chat.last.text).startswith(
        "👋 Добро пожаловать! Я шаг за шагом проведу вас по карьерным дорожным картам"
    )
    assert "Выберите дорожную карту, чтобы начать:" in read(chat.last.text)
    assert chat.last.button_texts[0] == "Backend-инженер (эпоха ИИ) · 10 шагов", "the roadmap's title translated"

    await chat.tap("Backend-инженер (эпоха ИИ)")
    assert read(chat.last.text).startswith("🗺 Backend-инженер (эпоха ИИ)\nОт основ языка до сервисов с ИИ")
    assert "Важность высокая · Спрос на рынке средний · Риск автоматизации низкий" in read(chat.last.text), (
        "each level agrees with its signal"
    )
    assert "0 из 10 шагов выполнено" in read(chat.last.text) and "⏱ Осталось около 245–490 часов" in read(
        chat.last.text
    )

    await chat.tap("1. Типизированный язык + git")
    card = read(chat.last.text)
    assert card.startswith("🗺 Backend-инженер (эпоха ИИ) · Шаг 1 из 10\nТипизированный язык + git")
    assert "Статус: ⬜ ещё не начат" in card
    assert chat.last.button_texts[:5] == [
        "✅ Готово · дальше ▶",
        "⏭ Пропустить · дальше ▶",
        "✅ Выполнено",
        "🟡 В работе",
        "⏭ Пропустить",
    ]
    await chat.press(f"o:{SEED_ID}:typed-language-and-git", chat.last.message_id)
    card = read(chat.last.text)
    assert "Почему это важно: Всё, что вы сделаете на следующих шагах" in card
    assert "☑️ Критерии выполнения\n☐ 1. Можете объяснить типы" in card

    card_id = chat.last.message_id
    calls = await chat.tap("✅ Готово · дальше ▶")
    assert answers(calls) == ["✅ Шаг 1 выполнен. Чтобы отменить, вернитесь к нему (◀) и нажмите ↩️ Отменить."]
    assert read(chat.message(card_id).text).startswith("🗺 Backend-инженер (эпоха ИИ) · Шаг 2 из 10\nHTTP и REST API")
    assert "10 % · 1 из 10 шагов выполнено" in read(chat.message(card_id).text)

    await chat.send("/progress")
    assert read(chat.last.text).startswith("📈 Ваш прогресс\n\nBackend-инженер"), "no streak in its first week"
    assert "⏱ В темпе 1 шаг в неделю вы закончите примерно к 29 января 2027 г." in read(chat.last.text), (
        "a month's name"
    )
    assert "Далее: HTTP и REST API" in read(chat.last.text)

    await chat.send("/remind")
    assert read(chat.last.text).startswith(
        "⏰ Напоминания включены: по пятницам в 19:00 (UTC).\nСледующее: пт, 4 дек., 19:00."
    )
    assert chat.last.button_texts[:7] == ["пн", "вт", "ср", "чт", "• пт", "сб", "вс"]

    nudge = await nudge_at(app, api, chat.chat_id, FIRST_DUE)
    assert nudge.startswith("⏰ <b>Ваш следующий шаг</b> в «Backend-инженер (эпоха ИИ)»\n\n<b>HTTP и REST API</b>")
    assert "За последние семь дней не выполнено ни одного шага." in nudge, "the step was done 7 days 9½ hours before"
    assert chat.last.button_texts == ["✅ Выполнено", "📖 Открыть", "⏰ Позже…", "🔕 Не напоминать"]

    await chat.send("/language")
    assert read(chat.last.text).startswith("🌐 На каком языке мне здесь говорить?")
    calls = await chat.tap("فارسی")
    assert answers(calls) == ["🌐 از این پس اینجا فارسی صحبت می‌کنم."]
    stored = await storage.languages.of(chat.chat_id)
    assert (stored.language, stored.chosen) == ("fa", True)
    menu = api.command_menus[(f"chat:{chat.chat_id}", None)]
    assert {"command": "next", "description": "قدم بعدی شما"} in menu, "the chat's own menu, in Persian"

    persian = await nudge_at(app, api, chat.chat_id, FIRST_DUE + WEEK)
    assert persian.startswith("⏰ <b>قدم بعدی شما</b> در مهندس بک‌اند (عصر هوش مصنوعی)"), persian
    assert "۱۰%، ۱ از ۱۰ قدم انجام شده" in persian, "Persian digits, and a comma where '·' would read as a zero"
    assert chat.last.button_texts == ["✅ انجام دادم", "📖 باز کردن", "⏰ بعداً…", "🔕 قطع یادآوری‌ها"]

    await chat.send("/progress")  # the app still says Russian: the chat's choice wins
    assert read(chat.last.text).startswith("📈 پیشرفت شما")


def roadmaps_of_sizes(directory: Path, *sizes: int) -> None:
    """Roadmaps `r1`, `r2`, … with these many steps each."""
    for n, size in enumerate(sizes, 1):
        signals = "signals: {importance: high, market_demand: high, automation_risk: low}\n"
        header = f"id: r{n}\ntitle: R{n}\nsummary: A roadmap of {size}.\n{signals}steps:\n"
        steps = "".join(VALID_STEP.replace("id: first", f"id: s{k}") for k in range(1, size + 1))
        (directory / f"r{n}.yaml").write_text(header + steps, encoding="utf-8")


async def test_russian_counts_take_the_form_russian_grammar_gives_them(
    make_app: AppFactory, api: FakeBotAPI, tmp_path: Path
) -> None:
    roadmaps_of_sizes(tmp_path, 1, 2, 5, 21)
    chat = SpeakingChat(await make_app(load_catalog(tmp_path)), api, 7, "ru")
    await chat.send("/roadmaps")
    assert chat.last.button_texts[:4] == ["R1 · 1 шаг", "R2 · 2 шага", "R3 · 5 шагов", "R4 · 21 шаг"]
    shown = {}
    for n in range(1, 5):
        await chat.send(f"/start r{n}")
        shown[n] = next(line for line in read(chat.last.text).splitlines() if "выполнено" in line)
    assert shown == {
        1: "0 % · 0 из 1 шага выполнено",
        2: "0 % · 0 из 2 шагов выполнено",
        3: "0 % · 0 из 5 шагов выполнено",
        4: "0 % · 0 из 21 шага выполнено",
    }, "«из» takes the genitive: шага after 1 and 21, шагов after 2 and 5"


@pytest.mark.parametrize(
    ("code", "greeting"),
    [
        ("pt-br", "👋 Boas-vindas!"),
        ("pt", "👋 Boas-vindas!"),
        ("es-419", "👋 ¡Hola!"),
        ("fa", "👋 خوش آمدید!"),
        ("de", "👋 Welcome!"),
        ("", "👋 Welcome!"),
    ],
)
async def test_a_private_chat_follows_its_app_s_language_nearest_first(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, code: str, greeting: str
) -> None:
    chat = SpeakingChat(app, api, 1001, code)
    await chat.send("/start")
    assert read(chat.last.text).startswith(greeting), read(chat.last.text)[:60]


async def test_a_chat_that_never_chose_is_nudged_in_its_app_s_latest_language(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    chat = SpeakingChat(app, api, 1001, "es")
    await chat.send(f"/start {SEED}")
    await chat.tap("1. ")
    await chat.tap("✅ Completar")
    chat.language_code = "pt-BR"  # the person switched their app to Portuguese, and said something
    await chat.send("/progress")
    stored = await storage.languages.of(chat.chat_id)
    assert (stored.language, stored.chosen) == ("pt_BR", False)
    assert (await nudge_at(app, api, chat.chat_id, FIRST_DUE)).startswith("⏰ <b>Seu próximo passo</b>")


async def test_a_group_speaks_its_adder_s_language_and_only_admins_change_it(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    group = -100500
    adder = SpeakingChat(app, api, group, "es", user_id=42)
    await adder.process(api.my_chat_member_update(group, "left", "member"))
    stored = await storage.languages.of(group)
    assert (stored.language, stored.chosen) == ("es", True)

    member = SpeakingChat(app, api, group, "ru", user_id=43)  # a member whose app speaks Russian
    await member.send("/help")
    assert "/progress · " in read(member.last.text) and "Cómo funciona" in read(member.last.text), "the group's Spanish"
    await member.send("/language")
    api.set_member(group, 43, "member")
    calls = await member.tap("English")
    assert len(answers(calls)) == 1 and answers(calls)[0] != "🌐 From now on I speak English here."
    assert (await storage.languages.of(group)).language == "es", "a member cannot change it"

    api.set_member(group, 42, "administrator")
    calls = await adder.tap("English")
    assert answers(calls) == ["🌐 From now on I speak English here."]
    assert (await storage.languages.of(group)).language == "en"
    await member.send("/help")
    assert "How this bot works" in read(member.last.text)


async def test_the_command_menu_and_descriptions_are_registered_in_every_language(
    app: RoadmapBot, api: FakeBotAPI
) -> None:
    await announce_commands(app.application, "Roadmap bot")
    codes = {None, "ru", "es", "pt", "fa"}
    assert {key for key in api.command_menus if key[0] == "default"} == {("default", code) for code in codes}
    assert set(api.descriptions) == set(api.short_descriptions) == codes
    menus = {code: {c["command"]: c["description"] for c in api.command_menus[("default", code)]} for code in codes}
    assert {code: len(menu) for code, menu in menus.items()} == dict.fromkeys(codes, len(menus[None]))
    assert (menus[None]["next"], menus["ru"]["next"], menus["es"]["next"]) == (
        "Your next step",
        "Ваш следующий шаг",
        "Tu siguiente paso",
    )
    assert len({api.descriptions[code] for code in codes}) == len(LANGUAGES), "each its own"
    assert all(len(text) <= 120 for text in api.short_descriptions.values())


def ring_side(picture: Image.Image) -> str:
    """Which side the progress ring is on: its arc starts at twelve o'clock, just right of the top
    of a ring centred at x=280 (left) or x=920 (right), drawn in the accent colour (vivid and
    bright, where the words are dark)."""
    hsv = picture.convert("RGB").convert("HSV")
    vivid = {side: hsv.getpixel((x + 15, 152)) for side, x in (("left", 280), ("right", 920))}
    arc = {side: saturation > 100 and value > 150 for side, (_, saturation, value) in vivid.items()}
    [side] = [side for side, coloured in arc.items() if coloured]
    return side


@pytest.mark.parametrize("make_storage", ["sqlite"], indirect=True)  # a picture; the rows are the walk's
async def test_the_card_picture_in_russian_and_in_persian_right_to_left(
    app: RoadmapBot, api: FakeBotAPI, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    captions, sides = {}, {}
    for chat_id, code in ((1001, "ru"), (1002, "fa"), (1003, "en")):
        chat = SpeakingChat(app, api, chat_id, code)
        await chat.send(f"/start {SEED}")
        await chat.tap(chat.last.button_texts[0])  # the first step, in its language
        await chat.tap(chat.last.button_texts[0])  # ✅ Done · next ▶
        await chat.send("/card")
        [card] = [d for d in api.documents if d.chat_id == chat_id]
        picture = Image.open(io.BytesIO(card.content))
        assert (picture.format, picture.size) == ("PNG", (1200, 630))
        picture.save(tmp_path / f"card-{code}.png")
        captions[code], sides[code] = read(card.caption or ""), ring_side(picture)
    assert captions["ru"] == "📊 <b>Backend-инженер (эпоха ИИ)</b> · 10 % · 1 из 10 шагов выполнено"
    assert "مهندس بک‌اند (عصر هوش مصنوعی)" in captions["fa"] and "۱ از ۱۰ قدم انجام شده" in captions["fa"]
    assert sides == {"ru": "left", "en": "left", "fa": "right"}, "mirrored for a right-to-left language"
    if pytestconfig.getoption("update_screenshots"):
        for code in ("ru", "fa"):
            shutil.copyfile(tmp_path / f"card-{code}.png", DOCS / f"card-{code}.png")


async def test_an_app_s_language_seen_again_is_not_written_again(storage: Storage) -> None:
    """A person's app says the same language update after update: the chat's row is written only
    when it changes, so the write never waits on a tap's transaction holding that row (PostgreSQL
    locks rows; SQLite has one writer at a time and nothing to wait on here)."""
    now = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    await storage.languages.follow_app(1001, "ru", now)
    if storage.database.dialect != "postgresql":
        pytest.skip("SQLite's writers take turns: no row is locked against another")
    async with storage.engine.begin() as tap:  # a tap's transaction holds the chat's row
        await tap.exec_driver_sql("UPDATE chats SET current_step_id = 'x' WHERE id = 1001")
        storage.languages.seen(1001, "ru")
        await asyncio.wait_for(storage.languages.write_seen(), timeout=10)
        storage.languages.seen(1001, "es")
        with pytest.raises(TimeoutError):  # a change does wait for the row, as it must
            await asyncio.wait_for(storage.languages.write_seen(), timeout=1)
    assert (await storage.languages.of_chats([1001]))[1001].language == "ru"
