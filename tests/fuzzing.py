"""Property-based fuzzing of the whole bot: hypothesis generates Telegram updates, a `FuzzRun`
feeds them to the real Application one by one and checks, after each, what must always hold:

- no exception reached the error handler (the bot answered everything on its own terms);
- every callback query was answered (no button left spinning);
- no row changed except the rows of the chat the update came from (none for updates with no chat).

The generators cover what strangers send: random and near-valid callback data up to 64 bytes,
buttons copied from another chat or from messages the bot never sent, unicode and oversize
text, commands with odd arguments, replies to bot messages, edited messages, channel posts,
inline queries, membership changes, files, and updates with no user or no chat.
`tests/test_fuzz.py` runs a few hundred of them; `python -m bench fuzz` runs 10,000.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from typing import Any

import httpx
from hypothesis import strategies as st
from sqlalchemy import Table, select
from telegram import Update

from bot.application import RoadmapBot, build_bot
from bot.limits import TelegramLimits
from bot.web import SECRET_HEADER
from handlers import BotContext, callback_data
from progress import StepState
from roadmaps import Catalog, load_catalog
from storage import Storage
from storage.tables import metadata
from tests.fakebotapi import BOT_USERNAME, FakeBotAPI, FakeRequest
from tests.support import WEBHOOK_SECRET, handle, settings_for_tests

# Two people in private chats, a group and a supergroup.
CHATS = (1001, 1002, -2003, -1000000000004)
PEOPLE = (1001, 1002, 3005)
COMMANDS = (
    "start", "roadmaps", "next", "progress", "remind", "timezone", "note", "card",
    "export", "import", "reset", "forget", "help", "settings", "stop", "",
)  # fmt: skip
# Prefixes of every kind of button the codec knows, and some it does not.
PREFIXES = (
    "c", "x", "l", "r:", "n:", "s:", "d:", "k:", "u:", "w:", "a:", "e:", "g:",
    "m:", "m:d:", "m:h:", "m:o:", "m:n:", "m:t:", "q:", "y:", "f:", "i:", "z:",
)  # fmt: skip
WORDS = ("f", "i", "z", "v", "p", "r", "t", "c", "x", "-", "0", "-0", "99", "999", "1000", ":", "::")

Rows = dict[int | None, Counter[tuple[str, tuple[Any, ...]]]]


def utf8_text(max_size: int) -> st.SearchStrategy[str]:
    """Text Telegram could deliver: any Unicode except lone surrogates."""
    return st.text(st.characters(codec="utf-8"), max_size=max_size)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of some strategies, each as often as its weight says."""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(lambda chosen: chosen)


def fit_callback(data: str) -> str:
    """Callback data as Telegram carries it: 1 to 64 bytes."""
    return data.encode()[:64].decode(errors="ignore") or "c"


class Updates:
    """Strategies for updates, drawn against the fake API's current state (its messages and buttons)."""

    def __init__(self, api: FakeBotAPI, catalog: Catalog) -> None:
        self.api, self.catalog = api, catalog
        self._ids = itertools.count(10**6)
        self.valid = st.sampled_from(every_button(catalog))
        ids = [r.id for r in catalog]
        steps = [s.id for r in catalog for s in r.steps] + [f for r in catalog for s in r.steps for f in s.formerly]
        self.slugs = st.sampled_from([*ids, *steps]) | st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)

    def any(self) -> st.SearchStrategy[dict[str, Any]]:
        """One update of any kind; taps, the way to name things by data, come most often."""
        return weighted(
            (8, self.callback()),
            (3, self.command()),
            (1, self.text_message()),
            (1, self.reply()),
            (1, self.edited()),
            (1, self.channel_post()),
            (1, self.inline_query()),
            (1, self.membership()),
            (1, self.document()),
            (1, self.without_sender()),
            (1, st.builds(lambda: {"update_id": self._next()})),
        )

    # --- messages -------------------------------------------------------------------------

    def command(self) -> st.SearchStrategy[dict[str, Any]]:
        name = st.sampled_from(COMMANDS) | st.from_regex(r"[A-Za-z0-9_]{1,40}", fullmatch=True)
        mention = st.sampled_from(["", f"@{BOT_USERNAME}", "@some_other_bot", "@"])
        argument = st.one_of(
            st.just(""),
            self.slugs,
            st.sampled_from(["Monday 9", "sun 23", "off", "UTC+3", "Europe/Berlin", "Mars/Olympus", "+99", "'\";--"]),
            utf8_text(200),
            utf8_text(5000),
        )
        return st.builds(
            lambda chat, person, n, m, arg: self._message(chat, person, f"/{n}{m} {arg}".rstrip(), command=True),
            self.chats(),
            self.people(),
            name,
            mention,
            argument,
        )

    def text_message(self) -> st.SearchStrategy[dict[str, Any]]:
        text = st.one_of(utf8_text(100), utf8_text(4096), st.text(min_size=4097, max_size=9000, alphabet="ab€ 𝄞<&"))
        return st.builds(lambda chat, person, t: self._message(chat, person, t), self.chats(), self.people(), text)

    def reply(self) -> st.SearchStrategy[dict[str, Any]]:
        """A reply (a note, maybe) to a message the bot sent to some chat, or never sent."""
        return st.builds(self._reply, self.chats(), self.people(), st.integers(0, 10**6), utf8_text(5000))

    def edited(self) -> st.SearchStrategy[dict[str, Any]]:
        return st.builds(
            lambda update: {"update_id": update["update_id"], "edited_message": update["message"] | {"edit_date": 1}},
            self.command() | self.text_message(),
        )

    def channel_post(self) -> st.SearchStrategy[dict[str, Any]]:
        def post(text: str, edited: bool) -> dict[str, Any]:
            message = {
                "message_id": self._next(),
                "date": int(time.time()),
                "chat": {"id": -1000000000777, "type": "channel", "title": "A channel"},
                "sender_chat": {"id": -1000000000777, "type": "channel", "title": "A channel"},
                "text": text,
            }
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            return {"update_id": self._next(), "edited_channel_post" if edited else "channel_post": message}

        return st.builds(post, st.sampled_from(["/start", "/forget", "/next", "hello"]) | utf8_text(50), st.booleans())

    def without_sender(self) -> st.SearchStrategy[dict[str, Any]]:
        """A group message with no `from` (sent on behalf of the group or a channel)."""

        def anonymous(chat: int, text: str) -> dict[str, Any]:
            update = self._message(chat, None, text, command=text.startswith("/"))
            update["message"]["sender_chat"] = {"id": chat, "type": "supergroup", "title": "Study group"}
            return update

        return st.builds(anonymous, st.sampled_from(CHATS[2:]), st.sampled_from(["/start", "/reset", "/forget", "x"]))

    def document(self) -> st.SearchStrategy[dict[str, Any]]:
        """A file: bytes that are not JSON, JSON that is not an export, an export for another
        version, or a hostile export (see `hostile_export`); sent alone or as a reply to the bot."""
        content = weighted(
            (1, st.binary(max_size=300)),
            (1, st.builds(lambda t: t.encode(), utf8_text(300))),
            (1, st.sampled_from([b"{}", b"[]", b'{"format": "roadmap-bot export"}', b'{"format": "roadmap-bot export", '
                             b'"version": 99, "roadmaps": []}', b'{"roadmaps": [{"id": 1}]}', b"null"])),
            (4, self.hostile_export()),
        )  # fmt: skip
        name = st.sampled_from(["progress.json", "progress.json", "notes.md", "a.exe", "", "x" * 300])
        mime = st.sampled_from(["application/json", "text/markdown", "application/octet-stream"])
        return st.builds(self._document, self.chats(), name, content, mime, st.booleans())

    def hostile_export(self) -> st.SearchStrategy[bytes]:
        """An export file with something wrong in it: a value swapped for any JSON (huge numbers,
        5,000-character strings, dates out of range, deep nesting), long lists of roadmaps and
        steps the bot does not have, or the file cut short."""
        return weighted(
            (3, st.builds(_swapped, st.builds(self._export, self.slugs), st.integers(0, 10**6), hostile_json())),
            (1, st.builds(_nested, st.integers(50, 100_000))),
            (1, st.builds(_many_unknown, st.integers(0, 300), st.integers(0, 300), st.integers(0, 5000))),
            (1, st.builds(_cut, st.builds(self._export, self.slugs), st.integers(0, 10**6))),
        )

    def _export(self, step: str) -> bytes:
        """A valid export of the first roadmap, with a step done and a note."""
        roadmap = next(iter(self.catalog))
        steps = [
            {"id": roadmap.steps[0].id, "state": "done", "changed_at": "2026-11-02T00:00:00+00:00", "note": "n",
             "note_changed_at": "2026-11-02T00:00:00+00:00"},
            {"id": step, "state": "working", "changed_at": "2026-11-03T00:00:00+00:00"},
        ]  # fmt: skip
        started = {"started_at": "2026-11-01T00:00:00+00:00", "last_used_at": "2026-11-03T00:00:00+00:00"}
        document = {"format": "roadmap-bot/progress", "version": 1, "exported_at": "2026-11-04T00:00:00+00:00",
                    "roadmaps": [{"id": roadmap.id, "title": roadmap.title, **started, "steps": steps}]}  # fmt: skip
        return json.dumps(document).encode()

    # --- other updates ----------------------------------------------------------------------

    def callback(self) -> st.SearchStrategy[dict[str, Any]]:
        """A tap: real, copied, mutated, near-valid or random data, on a real or unknown message."""
        pick = st.integers(0, 10**6)
        data = weighted(
            (1, utf8_text(64)),
            (3, self.valid),
            (1, self.near_valid()),
            (2, st.builds(self._real_button, pick)),
            (1, st.builds(_mutate, st.builds(self._real_button, pick), pick, pick)),
        ).map(fit_callback)
        where = st.sampled_from(["latest", "unknown", "inline"])
        return st.builds(self._callback, self.chats(), self.people(), data, where)

    def near_valid(self) -> st.SearchStrategy[str]:
        """Strings shaped like the codec's: a known prefix, then slugs and words joined by colons."""
        part = self.slugs | st.sampled_from(WORDS) | utf8_text(8)
        return st.builds(
            lambda prefix, parts: prefix + ":".join(parts), st.sampled_from(PREFIXES), st.lists(part, max_size=3)
        )

    def inline_query(self) -> st.SearchStrategy[dict[str, Any]]:
        return st.builds(
            lambda person, query: {
                "update_id": self._next(),
                "inline_query": {"id": str(self._next()), "from": _user(person), "query": query, "offset": ""},
            },
            self.people(),
            utf8_text(256),
        )

    def membership(self) -> st.SearchStrategy[dict[str, Any]]:
        status = st.sampled_from(["member", "kicked", "left"])
        return st.builds(self._membership, self.chats(), self.people(), status, status, st.booleans())

    def chats(self) -> st.SearchStrategy[int]:
        return st.sampled_from(CHATS)

    def people(self) -> st.SearchStrategy[int]:
        return st.sampled_from(PEOPLE)

    # --- building blocks --------------------------------------------------------------------

    def _next(self) -> int:
        return next(self._ids)

    def _message(self, chat: int, person: int | None, text: str, *, command: bool = False) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": self._next(), "date": int(time.time()), "chat": _chat(chat)}
        if person is not None:
            message["from"] = _user(person)
        message["text"] = text
        if command or text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": self._next(), "message": message}

    def _reply(self, chat: int, person: int, pick: int, text: str) -> dict[str, Any]:
        update = self._message(chat, person, text)
        sent = [m for (c, _), m in self.api.messages.items() if c == chat]
        if sent and pick % 3:
            replied = self.api._as_json(sent[pick % len(sent)])
        else:  # a message the bot never sent, or one from a person
            replied = {"message_id": pick, "date": 0, "chat": _chat(chat), "text": "?", "from": _user(person)}
        update["message"]["reply_to_message"] = replied
        return update

    def _real_button(self, pick: int) -> str:
        """The data of a button the bot really sent, to any chat (copied across chats, too)."""
        buttons = [
            b["callback_data"] for m in list(self.api.messages.values()) for row in m.buttons for b in row
            if "callback_data" in b
        ]  # fmt: skip
        return buttons[pick % len(buttons)] if buttons else "c"

    def _callback(self, chat: int, person: int, data: str, where: str) -> dict[str, Any]:
        query: dict[str, Any] = {
            "id": str(self._next()),
            "from": _user(person),
            "chat_instance": f"instance-{chat}",
            "data": data,
        }
        if where == "inline":
            query["inline_message_id"] = f"inline-{self._next()}"
        else:
            known = self.api._last_sent.get(chat)
            message_id = known if where == "latest" and known else self._next()
            stored = self.api.messages.get((chat, message_id))
            query["message"] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(chat),
                "from": self.api.me(),
                "text": stored.text if stored else "a message this bot never sent",
            }
            if stored and stored.reply_markup and "inline_keyboard" in stored.reply_markup:
                query["message"]["reply_markup"] = stored.reply_markup
        return {"update_id": self._next(), "callback_query": query}

    def _membership(self, chat: int, person: int, old: str, new: str, about_the_bot: bool) -> dict[str, Any]:
        member = self.api.me() if about_the_bot else _user(person)
        change = {
            "chat": _chat(chat),
            "from": _user(person),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": member} | ({"until_date": 0} if old == "kicked" else {}),
            "new_chat_member": {"status": new, "user": member} | ({"until_date": 0} if new == "kicked" else {}),
        }
        return {"update_id": self._next(), "my_chat_member" if about_the_bot else "chat_member": change}

    def _document(self, chat: int, name: str, content: bytes, mime: str, to_the_bot: bool) -> dict[str, Any]:
        known = self.api._last_sent.get(chat)
        replied = self.api.messages.get((chat, known)) if to_the_bot and known else None
        update = self.api.document_update(chat, name, content, mime_type=mime, reply_to=replied)
        update["message"]["chat"] = _chat(chat)
        return update


# Stands for a number of 5,000 digits, which Python's json will not write: put in by `_dumps`.
HUGE = "\ue000huge"


def _dumps(value: Any) -> bytes:
    """JSON bytes of a value, HUGE written as the 5,000-digit number it stands for."""
    return json.dumps(value).encode().replace(b'"\\ue000huge"', b"9" * 5000)


def hostile_json() -> st.SearchStrategy[Any]:
    """JSON values an attacker would try: huge and odd numbers, long and odd strings, times out of
    range, and lists and objects of them, a few levels deep."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([HUGE, -(10**40), 2**63, 2**70, 1e308, -0.0]),
        st.floats(allow_nan=False),
        utf8_text(50),
        st.sampled_from(["x" * 5000, "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", "2026-13-45",
                         "\x00", "<b>&amp;</b>", "done", "skipped", "working", "todo", ""]),
    )  # fmt: skip
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(utf8_text(8), inner, max_size=4),
        max_leaves=10,
    )


def _swapped(data: bytes, pick: int, value: Any) -> bytes:
    """An export with one of its values, anywhere, replaced by `value`."""
    document = json.loads(data)
    places: list[tuple[Any, Any]] = []
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        keys = node.keys() if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        for key in keys:
            places.append((node, key))
            stack.append(node[key])
    node, key = places[pick % len(places)]
    node[key] = value
    return _dumps(document)


def _cut(data: bytes, cut: int) -> bytes:
    """A file cut short somewhere."""
    return data[: cut % (len(data) + 1)]


def _nested(depth: int) -> bytes:
    return b'{"format": "roadmap-bot/progress", "version": 1, "roadmaps": ' + b"[" * depth + b"]" * depth + b"}"


def _many_unknown(roadmaps: int, steps: int, title: int) -> bytes:
    """An export naming many roadmaps and steps the bot does not have, with long titles."""
    unknown = [{"id": f"gone-{n}", "title": "T" * title, "steps": []} for n in range(roadmaps)]
    gone = [{"id": f"gone-step-{n}", "state": "done", "changed_at": "2026-11-02T00:00:00+00:00"} for n in range(steps)]
    seed = {"id": "backend-engineer-ai-era", "started_at": "2026-11-01T00:00:00+00:00", "steps": gone}
    return json.dumps({"format": "roadmap-bot/progress", "version": 1, "roadmaps": [seed, *unknown]}).encode()


def webhook_bodies(updates: Updates) -> st.SearchStrategy[bytes]:
    """What could be posted to the webhook with the right secret: real updates, updates with a value
    swapped for hostile JSON, any JSON, any bytes, deep nesting."""
    real = updates.any().map(lambda update: json.dumps(update).encode())
    return weighted(
        (3, real),
        (3, st.builds(_swapped, real, st.integers(0, 10**6), hostile_json())),
        (1, hostile_json().map(_dumps)),
        (1, st.binary(max_size=200)),
        (1, st.integers(50, 100_000).map(lambda depth: b'{"update_id": 1, "x": ' + b"[" * depth + b"]" * depth + b"}")),
    )


def every_button(catalog: Catalog) -> list[str]:
    """The data of every button the bot can make for a catalog, valid in any chat (questions asked
    now, about a state no chat is in: their answers are out of date)."""
    asked, about = int(time.time()), "0badc0de"
    actions: list[callback_data.Action] = [
        callback_data.ShowCatalog(), callback_data.Noop(), callback_data.ShowLegend(),
        callback_data.ForgetChat(asked, about), callback_data.ConfirmImport(asked, about),
        callback_data.Cancel(), callback_data.Cancel(about), callback_data.ShowReminder(),
        callback_data.ShowTimezones(), callback_data.PauseReminders(), callback_data.ResumeReminders(),
        callback_data.AskLocation(), callback_data.ShowSnoozeChoices(),
        *(callback_data.SnoozeReminder(choice) for choice in ("hour", "evening", "tomorrow", "week")),
        *(callback_data.ToggleReminderDay(day) for day in range(7)),
        *(callback_data.SetReminderHour(hour) for hour in range(0, 24, 5)),
        *(callback_data.SetUtcOffset(hours) for hours in (-12, 0, 3, 14)),
        *(callback_data.SetNamedZone(index) for index in (0, 4, 7)),
    ]  # fmt: skip
    for roadmap in catalog:
        actions += [callback_data.ShowRoadmap(roadmap.id), callback_data.ShowRoadmap(roadmap.id, 1)]
        actions += [callback_data.ShowNextStep(roadmap.id), callback_data.AskReset(roadmap.id)]
        actions += [callback_data.ResetRoadmap(roadmap.id, asked, about), callback_data.SendCard(roadmap.id)]
        for step in roadmap.steps:
            actions += [callback_data.ShowStep(roadmap.id, step.id), callback_data.RemoveNote(roadmap.id, step.id)]
            actions += [callback_data.SetStepState(roadmap.id, step.id, state) for state in StepState]
            actions += [callback_data.DoneAndNext(roadmap.id, step.id)]
    return [callback_data.encode(action) for action in actions]


def _mutate(data: str, where: int, how: int) -> str:
    """A real button's data, slightly wrong: cut short, a character changed, or doubled."""
    cut = where % (len(data) + 1)
    mutants = [data[:cut], data[:cut] + "é" + data[cut + 1 :], data + data, data.upper(), data + ":7"]
    return mutants[how % len(mutants)]


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Ada"}
    return {"id": chat_id, "type": "supergroup" if chat_id < -(10**12) else "group", "title": "Study group"}


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Ada", "language_code": "en"}


async def fuzz_application(api: FakeBotAPI, storage: Storage) -> RoadmapBot:
    """The bot on the fake API, with Telegram's pacing lifted (the fuzzer is not a flood test:
    a group's 20 messages a minute would otherwise make it wait three seconds a message)."""
    unpaced = TelegramLimits(messages_per_second=1e9, group_messages_per_minute=0)
    app = build_bot(settings_for_tests(), load_catalog(), storage, request=FakeRequest(api), limits=unpaced)
    await app.application.initialize()
    return app


def owner_column(table: Table) -> str:
    """The column that says which chat a row belongs to; every table must have one."""
    for name in ("chat_id", "id"):
        if name in table.c and (name == "chat_id" or table.name == "chats"):
            return name
    raise AssertionError(f"table {table.name} has no chat column: the fuzzer cannot tell whose its rows are")


class FuzzRun:
    """Feeds updates to a real Application and checks the invariants after each."""

    def __init__(self, app: RoadmapBot, api: FakeBotAPI, storage: Storage) -> None:
        self.app, self.api, self.storage = app, api, storage
        self.errors: list[BaseException] = []
        self.counts: Counter[str] = Counter()
        app.application.add_error_handler(self._record_error)

    def __repr__(self) -> str:  # hypothesis prints the test's arguments: keep it short
        return f"FuzzRun({sum(self.counts.values())} updates fed)"

    async def _record_error(self, update: object, context: BotContext) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    async def rows(self) -> Rows:
        """Every row of every table, grouped by the chat it belongs to."""
        grouped: Rows = {}
        async with self.storage.engine.connect() as connection:
            for table in metadata.sorted_tables:
                owner = owner_column(table)
                for row in (await connection.execute(select(table))).mappings():
                    values = tuple(sorted((k, str(v)) for k, v in row.items()))
                    grouped.setdefault(row[owner], Counter())[(table.name, values)] += 1
        return grouped

    async def feed(self, update: dict[str, Any]) -> None:
        """Handle one update as the bot would and check every invariant."""
        before = await self.rows()
        self.errors.clear()
        self.api.open_queries.clear()  # so that a failure is this update's, not a leftover
        if "callback_query" in update:  # Telegram waits for an answer to this one
            with self.api._changed:
                self.api.open_queries.add(update["callback_query"]["id"])
        parsed = Update.de_json(update, self.app.application.bot)
        await handle(self.app, update)
        await self.app.flush_presence()
        self.counts[kind_of(update)] += 1
        await self.check(update, before, parsed.effective_chat.id if parsed.effective_chat is not None else None)

    async def post(self, client: httpx.AsyncClient, body: bytes) -> None:
        """Post a body to the webhook with the right secret, as Telegram (or someone who stole the
        secret) would, and check the invariants: an answer that is not a 500, and no error."""
        before = await self.rows()
        self.errors.clear()
        self.api.open_queries.clear()
        response = await client.post("/hooks/telegram", content=body, headers={SECRET_HEADER: WEBHOOK_SECRET})
        assert response.status_code in (200, 400, 413), f"{response.status_code} for {body[:300]!r}"
        self.api.open_queries.clear()  # a tap on a query Telegram never sent: nobody waits for it
        await self.app.flush_presence()
        self.counts[f"webhook {response.status_code}"] += 1
        own = _chat_of(body) if response.status_code == 200 else None
        await self.check(body[:300], before, own)

    async def check(self, what: object, before: Rows, own: int | None) -> None:
        """No error reached the error handler, no tap is left spinning, no other chat's rows changed."""
        after = await self.rows()
        assert not self.errors, f"an error reached the error handler for {what}: {self.errors!r}"
        assert not self.api.open_queries, f"callback query left unanswered: {what}"
        for chat in before.keys() | after.keys():
            if chat != own:
                assert before.get(chat) == after.get(chat), f"chat {chat}'s rows changed on an update from {own}"

    async def prepare(self) -> None:
        """Give every chat some progress, a note and a reminder, so that there is something to damage."""
        roadmap = next(iter(self.catalog()))
        for chat in CHATS:
            person = abs(chat) if chat > 0 else PEOPLE[-1]
            updates = Updates(self.api, self.catalog())
            await self.feed(updates._message(chat, person, f"/start {roadmap.id}", command=True))
            await self.feed(updates._callback(chat, person, f"d:{roadmap.id}:{roadmap.steps[0].id}", "latest"))
            await self.feed(updates._message(chat, person, "/note first notes", command=True))

    def catalog(self) -> Catalog:
        return self.app.services.catalog


def _chat_of(body: bytes) -> int | None:
    """The chat of an update the webhook took (its rows may change)."""
    update = Update.de_json(json.loads(body), None)
    return update.effective_chat.id if update.effective_chat is not None else None


def kind_of(update: dict[str, Any]) -> str:
    """The update's kind, for the record; a message with a file counts as a file (an import)."""
    kind = next((key for key in update if key != "update_id"), "empty")
    message = update.get(kind)
    return "message with a file" if isinstance(message, dict) and "document" in message else kind
