"""What tests share: a clock they move, a chat talking to the real bot, the seed's names, the steps
of a walk every feature starts with, a nudge pass at a moment, rows counted, settings for tests.

Test modules import from here (and from the fakes and databases beside it), never from each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import func, select
from telegram import Update

from bot.application import RoadmapBot
from bot.settings import Settings
from bot.web import WebParts, build_web_app
from progress import Reminder, StepState
from roadmaps import Catalog, Roadmap
from storage import Storage
from storage.tables import metadata
from tests import databases
from tests.databases import bulk_load
from tests.fakebotapi import TOKEN, BotMessage, Call, FakeBotAPI

SEED = "Backend Engineer (AI era)"
SEED_ID = databases.SEED
# A Friday at 09:00 (bulk-loaded reminders are for Fridays at 9), far enough ahead that no bot
# process running on the real clock in a test ever finds these reminders due by itself.
DUE = dt.datetime(2099, 12, 4, 9, 0, tzinfo=dt.UTC)
WEBHOOK_SECRET = "s3cret_-value"
WEBHOOK_URL = "https://bot.example.org/hooks/telegram"
# The smallest valid step of a roadmap file, for tests that write one.
VALID_STEP = """\
  - id: first
    title: First
    summary: The first step.
    signals: {importance: high, market_demand: low, automation_risk: medium}
"""

AppFactory = Callable[[Catalog], Awaitable[RoadmapBot]]
StorageFactory = Callable[[], Storage]


class Clock:
    """A clock tests move by hand; nothing sleeps."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def settings_for_tests(**values: Any) -> Settings:
    """Settings with the fake's token, read from nothing but these values (no .env, no environment)."""
    return Settings(_env_file=None, **{"telegram_bot_token": TOKEN, **values})


class ChatSession:
    """One chat talking to the real bot: send text, tap buttons, read what came back."""

    def __init__(self, app: RoadmapBot, api: FakeBotAPI, chat_id: int, user_id: int | None = None) -> None:
        self.app, self.api, self.chat_id, self.user_id = app, api, chat_id, user_id

    async def send(self, text: str, reply_to: BotMessage | None = None) -> list[Call]:
        """Send a message (or a reply to a bot message) as this chat's person; return the bot's calls."""
        return await self.process(self.api.message_update(self.chat_id, text, user_id=self.user_id, reply_to=reply_to))

    async def tap(self, label: str, message_id: int | None = None) -> list[Call]:
        """Tap the button whose label contains `label` on the chat's latest bot message."""
        message = self.api.messages[(self.chat_id, message_id)] if message_id else self.last
        return await self.press(find_button(message, label)["callback_data"], message.message_id)

    async def press(self, data: str, message_id: int | None = None) -> list[Call]:
        """Send a callback query with any data, forged or not."""
        return await self.process(
            self.api.callback_update(self.chat_id, data, message_id=message_id, user_id=self.user_id)
        )

    async def process(self, update: dict[str, Any]) -> list[Call]:
        """Handle one update as the running bot does (through its update processor: the door, the
        chat's turn, the timing), then write presence down as the bot's job does every few seconds."""
        before = len(self.api.calls)
        await handle(self.app, update)
        await self.app.flush_presence()
        return self.api.calls[before:]

    @property
    def last(self) -> BotMessage:
        """The newest message the bot sent to this chat (edits applied)."""
        return self.api.last_message(self.chat_id)

    def message(self, message_id: int) -> BotMessage:
        """One of the bot's messages to this chat as it is now (edits applied): a card, when the
        first step marked sent the reminder's question below it."""
        return self.api.messages[(self.chat_id, message_id)]

    def sent(self) -> list[BotMessage]:
        """Every message the bot sent to this chat, oldest first."""
        return sorted(
            (m for (chat, _), m in self.api.messages.items() if chat == self.chat_id), key=lambda m: m.message_id
        )


class CardChat(ChatSession):
    """A chat whose `last` is its newest message other than the first reminder's question, which
    comes below the card at the first mark and waits there: tests of the card read and tap the card."""

    @property
    def last(self) -> BotMessage:
        ids = sorted((mid for cid, mid in self.api.messages if cid == self.chat_id), reverse=True)
        for message_id in ids:
            message = self.api.messages[self.chat_id, message_id]
            if FIRST_REMINDER_PICK not in message.button_texts:
                return message
        return super().last


FIRST_REMINDER_PICK = "🕐 Pick a time…"  # a button only the first reminder's question has


async def handle(app: RoadmapBot, update: dict[str, Any]) -> None:
    """One update through the bot's update processor and its handlers, as polling and the webhook
    hand it over."""
    application = app.application
    parsed = Update.de_json(update, application.bot)
    await application.update_processor.process_update(parsed, application.process_update(parsed))


def find_button(message: BotMessage, label: str) -> dict[str, Any]:
    """The one button whose text equals `label`, or else contains it."""
    buttons = [b for row in message.buttons for b in row]
    exact = [b for b in buttons if b["text"] == label]
    partial = [b for b in buttons if label in b["text"]]
    found = exact or partial
    if len(found) != 1:
        raise AssertionError(f"{len(found)} buttons match {label!r}; buttons: {[b['text'] for b in buttons]}")
    return found[0]


def answers(calls: list[Call]) -> list[str | None]:
    """The texts of the callback-query answers among some calls."""
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


async def open_seed_step(chat: ChatSession, label: str) -> None:
    """From /start, open the seed roadmap and the step card whose button says `label`."""
    await chat.send("/start")
    await chat.tap(SEED)
    if label not in " ".join(chat.last.button_texts):
        await chat.tap("▶")
    await chat.tap(label)


async def some_progress(chat: ChatSession, clock: Clock) -> None:
    """Step 1 done, a note on it, step 2 in progress, step 3 skipped; a second roadmap started
    (its first step in progress)."""
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    await chat.tap("✅ Mark done")  # the first reminder's question comes below the card
    await chat.send("Go tour, then <generics> & errors", reply_to=chat.message(card))
    clock.advance(hours=1)
    await chat.tap("Step 2 ▶", message_id=card)
    await chat.tap("🟡 Working on it", message_id=card)
    await chat.tap("Step 3 ▶", message_id=card)
    await chat.tap("⏭ Skip", message_id=card)
    clock.advance(hours=1)
    await chat.send("/start frontend-engineer")
    await chat.tap("1. HTML")
    await chat.tap("🟡 Working on it")


async def export_files(chat: ChatSession) -> tuple[str, bytes]:
    """Send /export; the Markdown file's text and the JSON file's bytes."""
    before = len(chat.api.documents)
    await chat.send("/export")
    markdown, data = chat.api.documents[before:]
    assert markdown.filename.endswith(".md") and data.filename.endswith(".json")
    return markdown.content.decode(), data.content


class SpeakingChat(ChatSession):
    """A chat whose person's Telegram app is set to a language (`language_code`, as Telegram sends it)."""

    def __init__(self, app: RoadmapBot, api: FakeBotAPI, chat_id: int, language_code: str, user_id: int | None = None):
        super().__init__(app, api, chat_id, user_id)
        self.language_code = language_code

    async def process(self, update: dict[str, Any]) -> list[Any]:
        for kind in ("message", "callback_query", "my_chat_member"):
            if kind in update:
                update[kind]["from"]["language_code"] = self.language_code
        return await super().process(update)


def read(text: str) -> str:
    """A message as a test compares it: CLDR's no-break spaces (`10\xa0%`, `2027\u202fг.`) as spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def pass_at(app: RoadmapBot, moment: dt.datetime) -> str:
    """One nudge pass of the bot's own dispatcher as if now were `moment`; its report."""
    return str(await app.nudges.run_pass(moment))


async def start_roadmap(storage: Storage, chat_id: int, roadmap: Roadmap, now: dt.datetime) -> None:
    """A chat starts a roadmap the way people do, by changing a step: its last one, in progress."""
    await storage.progress.set_step_state(chat_id, roadmap.id, roadmap.steps[-1], StepState.WORKING, now)


# The log of what happened (the operator's numbers): a chat acting adds to it, whatever it asked.
LOG_TABLES = ("chat_days", "facts")


async def every_row(storage: Storage, *, with_log: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the log of what happened only if asked), in a stable order: to
    compare before and after."""
    rows = {}
    async with storage.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in LOG_TABLES and not with_log:
                continue
            rows[table.name] = sorted((tuple(row) for row in await connection.execute(select(table))), key=repr)
    return rows


async def reminder_of(storage: Storage, chat_id: int) -> Reminder:
    """The chat's reminder, which the test knows it has."""
    reminder = await storage.reminders.reminder_of(chat_id)
    assert reminder is not None, f"chat {chat_id} has no reminder"
    return reminder


async def rows_about(storage: Storage, chat_id: int) -> dict[str, int]:
    """How many rows of each table are about one chat."""
    counts = {}
    async with storage.engine.connect() as connection:
        for table in metadata.sorted_tables:
            column = table.c.get("chat_id", table.c.get("id"))
            counts[table.name] = (
                await connection.execute(select(func.count()).select_from(table).where(column == chat_id))
            ).scalar_one()
    return counts


async def load_due_reminders(storage: Storage, count: int) -> None:
    """Bulk-load chats that started the seed roadmap, each with a reminder due in the ten minutes up to DUE."""
    await bulk_load(storage, count, DUE - dt.timedelta(minutes=10), dt.timedelta(minutes=10))


def webhook_client(app: RoadmapBot, storage: Storage | None = None, **options: Any) -> httpx.AsyncClient:
    """An HTTP client for the bot's webhook app, served in process (its health check on `storage`,
    the bot's own unless said; `options` for build_web_app, e.g. a metrics token)."""
    web = build_web_app(
        app.application, storage or app.services.storage, WEBHOOK_URL, WEBHOOK_SECRET, WebParts(**options)
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://bot")


def daytime_rows(chat_ids: list[int], now: dt.datetime) -> list[dict[str, Any]]:
    """Reminder rows that put these chats in a zone where it is about noon `now` (Etc/GMT±N): an
    announcement sent from another process, on the real clock, reaches them whatever the hour the
    test runs at, as none is in its night. Their nudges are a month away."""
    offset = (12 - now.hour + 12) % 24 - 12  # hours east of UTC, -12 … 11
    zone = "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    due = now + dt.timedelta(days=30)
    return [
        {
            "chat_id": i,
            "status": "active",
            "weekdays": 127,
            "hour": 12,
            "timezone": zone,
            "due_at": due,
            "unanswered": 0,
            "failures": 0,
        }
        for i in chat_ids
    ]


def at(*parts: int) -> dt.datetime:
    """A moment in UTC: at(2026, 12, 31, 23, 59)."""
    return dt.datetime(*parts, tzinfo=dt.UTC)


async def reminder_columns(storage: Storage, *columns: Any) -> list[tuple[Any, ...]]:
    """These columns of every reminders row, sorted: what the tables hold, the claim's own columns
    (which a Reminder does not carry) included."""
    async with storage.engine.connect() as connection:
        return sorted(tuple(row) for row in await connection.execute(select(*columns)))
