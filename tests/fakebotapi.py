"""A fake Telegram Bot API for tests: it answers like Telegram, checks what Telegram checks
(HTML entities, 4096 characters, 64-byte callback data, answering a query once), records every
call, and replays queued errors. The same core serves two transports: `FakeRequest` plugs it
into python-telegram-bot in-process, `FakeBotAPIServer` serves it over HTTP to a real
`roadmap-bot run` process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from telegram.error import TimedOut
from telegram.request import RequestData

from bot.inprocess import JSON_FIELDS, InProcessRequest, api_parameters

TOKEN = "123456789:TEST-secret-token-abcdefghijklmnop"
BOT_ID = 123456789
BOT_USERNAME = "roadmap_test_bot"
# The user Telegram puts in `from` of a message an anonymous group admin sends as the group.
ANONYMOUS_ADMIN_BOT_ID = 1087968824

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_BAD_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);)")
_BAD_LT = re.compile(r"<(?!/?(?:" + "|".join(sorted(ALLOWED_TAGS, key=len, reverse=True)) + r")[\s>])")
_INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id"}


class TelegramHTMLError(ValueError):
    """Raised for text Telegram would refuse with "can't parse entities"."""


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramHTMLError(f"unsupported start tag {tag!r}")
        if tag == "a" and not dict(attrs).get("href"):
            raise TelegramHTMLError("a link without href")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise TelegramHTMLError(f"unexpected end tag {tag!r}")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text a person sees for Telegram HTML; raises TelegramHTMLError where Telegram would."""
    if match := _BAD_AMPERSAND.search(html):
        raise TelegramHTMLError(f"unescaped & at byte offset {match.start()}")
    if match := _BAD_LT.search(html):
        raise TelegramHTMLError(f"unsupported start tag at byte offset {match.start()}")
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    if collector.open:
        raise TelegramHTMLError(f"can't find end tag corresponding to start tag {collector.open[-1]!r}")
    return "".join(collector.parts)


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    ok: bool = True


@dataclass
class _Failure:
    status: int
    body: dict[str, Any]
    timeout: bool = False


@dataclass
class SentDocument:
    """A file the bot sent (a document or a photo)."""

    chat_id: int
    filename: str
    content: bytes
    caption: str | None


@dataclass
class BotMessage:
    """A message the bot sent, as it stands now (edits applied)."""

    chat_id: int
    message_id: int
    html: str
    text: str
    reply_markup: dict[str, Any] | None
    edits: int = 0

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard as rows of button dicts."""
        return (self.reply_markup or {}).get("inline_keyboard", [])

    @property
    def button_texts(self) -> list[str]:
        """Every button's label, row by row."""
        return [b["text"] for row in self.buttons for b in row]


@dataclass
class FakeBotAPI:
    """The Bot API's state: chats, messages, updates, and what the bot asked for."""

    username: str = BOT_USERNAME
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], BotMessage] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)  # the default menu (no scope, no language)
    # Every command menu set, by scope and language code; the bot's descriptions, by language code.
    command_menus: dict[tuple[str, str | None], list[dict[str, Any]]] = field(default_factory=dict)
    descriptions: dict[str | None, str] = field(default_factory=dict)
    short_descriptions: dict[str | None, str] = field(default_factory=dict)
    webhook: dict[str, Any] | None = None
    begun: list[str] = field(default_factory=list)
    documents: list[SentDocument] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    check_html: bool = True  # benchmarks turn the HTML check off to measure the bot, not the fake
    flood_limit: int | None = None  # new messages a second beyond which Telegram answers 429
    # getChatMember's answers: chat id -> user id -> status ("creator", "administrator", ...);
    # anyone else in a group is a plain "member".
    members: dict[int, dict[int, str]] = field(default_factory=dict)
    # Chats whose person blocked the bot (every new message to them: 403), and groups that became
    # supergroups (every new message to the old id: 400 with migrate_to_chat_id).
    blocked_chats: set[int] = field(default_factory=set)
    migrated_chats: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._sent_times: deque[float] = deque()
        self._last_sent: dict[int, int] = {}
        self.flooded = 0
        self.menu_button: dict[str, Any] | None = None  # what setChatMenuButton set, for every chat
        self.chat_menu_buttons: dict[int, dict[str, Any]] = {}  # what it set for one chat
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self.open_queries: set[str] = set()
        self._query_ids = itertools.count(1)

    # --- what a test does -------------------------------------------------------------

    def fail(self, method: str, description: str, *, error_code: int = 400, times: int = 1, **parameters: Any) -> None:
        """Make the next `times` calls of a method fail as Telegram would (parameters: retry_after, ...)."""
        body: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
        if parameters:
            body["parameters"] = parameters
        with self._changed:
            self._failures[method].extend(_Failure(error_code, body) for _ in range(times))

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Make the next `times` calls of a method take `seconds` longer to answer."""
        with self._changed:
            self._delays[method].extend([seconds] * times)

    def take_delay(self, method: str) -> float:
        """The delay queued for a call of this method, noting that such a call has begun."""
        with self._changed:
            self.begun.append(method)
            self._changed.notify_all()
            queued = self._delays.get(method)
            return queued.popleft() if queued else 0.0

    def time_out(self, method: str, times: int = 1) -> None:
        """Make the next `times` calls of a method time out (in-process transport only)."""
        with self._changed:
            self._failures[method].extend(_Failure(0, {}, timeout=True) for _ in range(times))

    def set_member(self, chat_id: int, user_id: int, status: str = "administrator") -> None:
        """Make a user an admin ("administrator", "creator") or anything else of a group, for getChatMember."""
        with self._changed:
            self.members.setdefault(chat_id, {})[user_id] = status

    def message_update(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        reply_to: BotMessage | None = None,
        sender_chat_id: int | None = None,
    ) -> dict[str, Any]:
        """An update with a person's message (maybe a reply to a bot message), command entities
        included as Telegram sets them. With `sender_chat_id`, sent on behalf of a chat: the
        group itself for an anonymous admin (Telegram then names GroupAnonymousBot in `from`)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _user(user_id or abs(chat_id)),
            "text": text,
        }
        if sender_chat_id is not None:
            message["sender_chat"] = _chat(sender_chat_id)
            message["from"] = _user(user_id or ANONYMOUS_ADMIN_BOT_ID) | {"is_bot": True, "first_name": "Group"}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = self._as_json(reply_to)
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(
        self, chat_id: int, data: str, *, message_id: int | None = None, user_id: int | None = None
    ) -> dict[str, Any]:
        """An update with a tap on a button of a bot message (the chat's latest by default)."""
        if message_id is None:
            message_id = self.last_message(chat_id).message_id
        stored = self.messages.get((chat_id, message_id))
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": self.me(),
            "text": stored.text if stored else "a message this bot never sent",
        }
        if stored and stored.reply_markup and "inline_keyboard" in stored.reply_markup:
            message["reply_markup"] = stored.reply_markup
        query_id = str(next(self._query_ids))
        with self._changed:
            self.open_queries.add(query_id)
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": query_id,
                "from": _user(user_id or abs(chat_id)),
                "chat_instance": f"instance-{chat_id}",
                "data": data,
                "message": message,
            },
        }

    def document_update(
        self,
        chat_id: int,
        filename: str,
        content: bytes,
        *,
        mime_type: str = "application/json",
        user_id: int | None = None,
        reply_to: BotMessage | None = None,
    ) -> dict[str, Any]:
        """An update with a file a person sent, maybe as a reply to a bot message (the bot can
        getFile and download it)."""
        file_id = f"file-{next(self._message_ids)}"
        with self._changed:
            self.files[f"documents/{file_id}"] = content
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _user(user_id or abs(chat_id)),
            "document": {
                "file_id": file_id,
                "file_unique_id": f"unique-{file_id}",
                "file_name": filename,
                "mime_type": mime_type,
                "file_size": len(content),
            },
        }
        if reply_to is not None:
            message["reply_to_message"] = self._as_json(reply_to)
        return {"update_id": next(self._update_ids), "message": message}

    def location_update(self, chat_id: int, latitude: float, longitude: float) -> dict[str, Any]:
        """An update with a location a person shared (from a request_location keyboard button)."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _user(abs(chat_id)),
            "location": {"latitude": latitude, "longitude": longitude},
        }
        return {"update_id": next(self._update_ids), "message": message}

    def my_chat_member_update(self, chat_id: int, old: str, new: str) -> dict[str, Any]:
        """An update saying the bot's membership in a chat changed (e.g. "member" to "kicked")."""
        bot = self.me()
        return {
            "update_id": next(self._update_ids),
            "my_chat_member": {
                "chat": _chat(chat_id),
                "from": _user(abs(chat_id)),
                "date": int(time.time()),
                "old_chat_member": {"status": old, "user": bot} | _member_extras(old),
                "new_chat_member": {"status": new, "user": bot} | _member_extras(new),
            },
        }

    def migration_update(self, old_chat_id: int, new_chat_id: int) -> dict[str, Any]:
        """The service message a group gets when it becomes a supergroup."""
        return {
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": _chat(old_chat_id),
                "from": _user(1),
                "migrate_to_chat_id": new_chat_id,
            },
        }

    def seed_message(self, chat_id: int, text: str) -> BotMessage:
        """A message as if the bot had sent it earlier (benchmarks set up thousands at once)."""
        with self._changed:
            message = BotMessage(chat_id, next(self._message_ids), text, text, None)
            self.messages[(chat_id, message.message_id)] = message
            self._last_sent[chat_id] = message.message_id
            return message

    def push(self, update: dict[str, Any]) -> None:
        """Deliver an update as Telegram would: to the webhook if the bot set one, else to getUpdates.

        A polled update is numbered as it is queued, as Telegram numbers them: made in one order
        and pushed from several threads in another, they still reach the bot in the order queued
        (python-telegram-bot confirms everything below the last id it got)."""
        if self.webhook is not None:
            status = self.post_to_webhook(update, self.webhook["secret_token"])
            if status != 200:
                raise AssertionError(f"the bot's webhook answered {status}")
            return
        with self._changed:
            self._updates.append({**update, "update_id": next(self._update_ids)})
            self._changed.notify_all()

    def post_to_webhook(self, update: dict[str, Any], secret: str | None) -> int:
        """POST an update to the bot's webhook with a secret header (or none); the HTTP status."""
        assert self.webhook is not None, "the bot set no webhook"
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(self.webhook["url"], json.dumps(update).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    def last_message(self, chat_id: int) -> BotMessage:
        """The newest message the bot sent to a chat."""
        if chat_id not in self._last_sent:
            raise AssertionError(f"the bot has sent nothing to chat {chat_id}")
        return self.messages[chat_id, self._last_sent[chat_id]]

    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        """The calls of one method, optionally to one chat."""
        with self._changed:
            return [
                c for c in self.calls
                if c.method == method and (chat_id is None or c.params.get("chat_id") == chat_id)
            ]  # fmt: skip

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        """Block until predicate() is truthy (checked whenever the bot calls); return its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (value := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"gave up after {timeout}s; last calls: {self.calls[-5:]}")
                self._changed.wait(remaining)
            return value

    # --- what the bot does ------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """Answer one Bot API call: (HTTP status, JSON body), or None for a timeout.

        A call is recorded once its effect is in place, so a test that sees it sees its result.
        """
        if method == "getUpdates":
            self._record(Call(method, params))
            if self.webhook is not None:
                description = "Conflict: can't use getUpdates method while webhook is active"
                return 409, {"ok": False, "error_code": 409, "description": description}
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self._changed:
            answer = self._answer(method, params)
            self._record(Call(method, params, ok=answer is not None and answer[0] == 200))
            return answer

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        queued = self._failures.get(method)
        if queued:
            failure = queued.popleft()
            return None if failure.timeout else (failure.status, failure.body)
        if method in _NEW_MESSAGES and (refused := self._refused(int(params.get("chat_id", 0)))) is not None:
            return refused
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except _Flooded:
            self.flooded += 1
            description = "Too Many Requests: retry after 1"
            return 429, {"ok": False, "error_code": 429, "description": description, "parameters": {"retry_after": 1}}
        except _BadRequest as error:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}

    def _refused(self, chat_id: int) -> tuple[int, dict[str, Any]] | None:
        """Telegram's answer to a new message for a chat that blocked the bot or moved; None for others."""
        if chat_id in self.blocked_chats:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if chat_id in self.migrated_chats:
            description = "Bad Request: group chat was upgraded to a supergroup chat"
            parameters = {"migrate_to_chat_id": self.migrated_chats[chat_id]}
            return 400, {"ok": False, "error_code": 400, "description": description, "parameters": parameters}
        return None

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def me(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Roadmap Bot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._changed:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return self._updates[:limit]
                self._changed.wait(max(0.0, deadline - time.monotonic()))

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.me()

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        menu = list(params["commands"])
        self.command_menus[_menu_key(params)] = menu
        if _menu_key(params) == ("default", None):
            self.commands = menu
        return True

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.command_menus.pop(_menu_key(params), None)
        return True

    def _api_setMyDescription(self, params: dict[str, Any]) -> bool:
        if len(params.get("description") or "") > 512:
            raise _BadRequest("description is too long")
        self.descriptions[params.get("language_code")] = params.get("description") or ""
        return True

    def _api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        if len(params.get("short_description") or "") > 120:
            raise _BadRequest("short description is too long")
        self.short_descriptions[params.get("language_code")] = params.get("short_description") or ""
        return True

    def _api_setChatMenuButton(self, params: dict[str, Any]) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if button.get("type") == "web_app":
            _check_web_app(button.get("web_app") or {})
        if params.get("chat_id") is None:
            self.menu_button = button
        elif button.get("type") == "default":
            self.chat_menu_buttons.pop(int(params["chat_id"]), None)
        else:
            self.chat_menu_buttons[int(params["chat_id"])] = button
        return True

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_flood()
        chat_id = int(params["chat_id"])
        html, text, markup = self._checked_content(params)
        message = BotMessage(chat_id, next(self._message_ids), html, text, markup)
        self.messages[(chat_id, message.message_id)] = message
        self._last_sent[chat_id] = message.message_id
        return self._as_json(message)

    def _check_flood(self) -> None:
        """Telegram's overall limit, strictly: at most `flood_limit` messages in any one second."""
        if self.flood_limit is None:
            return
        now = time.monotonic()
        while self._sent_times and self._sent_times[0] <= now - 1.0:
            self._sent_times.popleft()
        if len(self._sent_times) >= self.flood_limit:
            raise _Flooded()
        self._sent_times.append(now)

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        filename, content = params["_files"]["document"]
        self.documents.append(SentDocument(chat_id, filename, content, params.get("caption")))
        message = BotMessage(chat_id, next(self._message_ids), params.get("caption") or "", "", None)
        return self._as_json(message) | {
            "document": {"file_id": f"sent-{message.message_id}", "file_unique_id": "u", "file_name": filename}
        }

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_flood()
        chat_id = int(params["chat_id"])
        caption = params.get("caption") or ""
        if "_files" in params:  # an upload (a card, a chart): kept with the documents
            filename, content = params["_files"]["photo"]
            self.documents.append(SentDocument(chat_id, filename, content, caption or None))
            message = BotMessage(chat_id, next(self._message_ids), caption, "", None)
        else:  # a file_id Telegram already has (an announcement's picture): a message with its caption
            text = html_to_text(caption) if caption and params.get("parse_mode") == "HTML" else caption
            message = BotMessage(chat_id, next(self._message_ids), caption, text, params.get("reply_markup"))
            self.messages[(chat_id, message.message_id)] = message
            self._last_sent[chat_id] = message.message_id
        size = {"file_id": f"photo-{message.message_id}", "file_unique_id": "p", "width": 1, "height": 1}
        return self._as_json(message) | {"photo": [size]}

    def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        if chat_id > 0 and user_id != chat_id:
            raise _BadRequest("member not found")
        status = self.members.get(chat_id, {}).get(user_id, "member")
        return {"status": status, "user": _user(user_id)} | _member_extras(status)

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        path = f"documents/{params['file_id']}"
        if path not in self.files:
            raise _BadRequest("invalid file_id")
        return {
            "file_id": params["file_id"],
            "file_unique_id": "u",
            "file_size": len(self.files[path]),
            "file_path": path,
        }

    def download(self, path: str) -> bytes | None:
        """A file's content, as Telegram's file server gives it."""
        with self._changed:
            return self.files.get(path)

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise _BadRequest("message to edit not found")
        html, text, markup = self._checked_content(params)
        message = self.messages[key]
        if (message.html, message.reply_markup) == (html, markup):
            raise _BadRequest(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        message.html, message.text, message.reply_markup = html, text, markup
        message.edits += 1
        return self._as_json(message)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise _BadRequest("message to edit not found")
        message = self.messages[key]
        markup = params.get("reply_markup")
        if message.reply_markup == markup:
            raise _BadRequest("message is not modified: specified new message content and reply markup are the same")
        _, _, markup = self._checked_content({"text": message.html, "reply_markup": markup, "chat_id": message.chat_id})
        message.reply_markup = markup
        message.edits += 1
        return self._as_json(message)

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params["callback_query_id"])
        if query_id not in self.open_queries:
            raise _BadRequest("query is too old and response timeout expired or query ID is invalid")
        self.open_queries.discard(query_id)
        return True

    def _checked_content(self, params: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
        """The HTML, the text it shows and the buttons, checked as Telegram checks them (a page
        button only in a private chat, with an HTTPS address)."""
        html = params.get("text") or ""
        if params.get("parse_mode") == "HTML" and self.check_html:
            try:
                text = html_to_text(html)
            except TelegramHTMLError as error:
                raise _BadRequest(f"can't parse entities: {error}") from error
        else:
            text = html
        if not text.strip():
            raise _BadRequest("message text is empty")
        if len(text) > MAX_TEXT:
            raise _BadRequest("message is too long")
        markup = params.get("reply_markup")
        buttons = [b for row in (markup or {}).get("inline_keyboard", []) for b in row]
        if len(buttons) > MAX_BUTTONS:
            raise _BadRequest("reply markup is too long")
        for b in buttons:
            if not b.get("text"):
                raise _BadRequest("BUTTON_TEXT_EMPTY")
            data = b.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise _BadRequest("BUTTON_DATA_INVALID")
            if "web_app" in b:
                if int(params.get("chat_id") or 0) <= 0:
                    raise _BadRequest("BUTTON_TYPE_INVALID")
                _check_web_app(b["web_app"])
        return html, text, markup

    def _as_json(self, message: BotMessage) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": _chat(message.chat_id),
            "from": self.me(),
            "text": message.text,
        }
        if message.reply_markup and "inline_keyboard" in message.reply_markup:  # as Telegram: inline ones only
            result["reply_markup"] = message.reply_markup
        return result


# The methods that send a new message (refused for a blocked or moved chat).
_NEW_MESSAGES = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


class _BadRequest(Exception):
    pass


class _Flooded(Exception):
    pass


def _check_web_app(web_app: dict[str, Any]) -> None:
    """A Mini App's address, as Telegram checks it: HTTPS only."""
    url = str(web_app.get("url") or "")
    if not url.startswith("https://"):
        raise _BadRequest(f"inline keyboard button Web App URL '{url}' is invalid: Only HTTPS links are allowed")


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Ada"}
    return {"id": chat_id, "type": "supergroup" if chat_id < -(10**12) else "group", "title": "Study group"}


def _member_extras(status: str) -> dict[str, Any]:
    """Fields a ChatMember of that status must carry."""
    if status == "kicked":
        return {"until_date": 0}
    if status == "creator":
        return {"is_anonymous": False}
    if status == "administrator":
        rights = (
            "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
            "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
        )  # fmt: skip
        return {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False} | dict.fromkeys(
            rights, True
        )
    return {}


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Ada", "language_code": "en"}


class FakeRequest(InProcessRequest):
    """python-telegram-bot's transport, answered by a FakeBotAPI in the same process."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            content = self.api.download(url.split("/file/bot", 1)[1].split("/", 1)[1])
            return (200, content) if content is not None else (404, b"Not Found")
        method_name = url.rsplit("/", 1)[-1]
        if delay := self.api.take_delay(method_name):
            await asyncio.sleep(delay)
        params = api_parameters(request_data)
        if request_data is not None and request_data.contains_files:
            params["_files"] = {
                name: (part[0], part[1] if isinstance(part[1], bytes) else part[1].read())
                for name, part in request_data.multipart_data.items()
            }
        answer = self.api.handle(method_name, params)
        if answer is None:
            raise TimedOut("fake timeout")
        status, body = answer
        return status, json.dumps(body).encode()


class FakeBotAPIServer:
    """A FakeBotAPI over HTTP on 127.0.0.1, for a real bot process (TELEGRAM_API_URL)."""

    def __init__(self, api: FakeBotAPI, token: str = TOKEN) -> None:
        self.api = api
        self.token = token
        self.httpd = _QuietHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeBotAPIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                if self.path.startswith(f"/file/bot{server.token}/"):
                    content = server.api.download(self.path.split("/", 3)[3])
                    self.send_response(200 if content is not None else 404)
                    self.send_header("Content-Length", str(len(content or b"")))
                    self.end_headers()
                    self.wfile.write(content or b"")
                    return
                prefix = f"/bot{server.token}/"
                if not self.path.startswith(prefix):
                    self._send(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if delay := server.api.take_delay(self.path[len(prefix) :]):
                    time.sleep(delay)
                answer = server.api.handle(
                    self.path[len(prefix) :], _decode_params(self.headers, self.rfile.read(length))
                )
                if answer is None:
                    self.close_connection = True
                    return
                self._send(*answer)

            def _send(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


class _QuietHTTPServer(ThreadingHTTPServer):
    """Drops the errors of clients that hang up mid long poll (a bot stopping does that)."""

    daemon_threads = True
    request_queue_size = 1024  # HTTP/1.0, a connection a request: hundreds a second must not be refused

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def _decode_params(headers: Any, body: bytes) -> dict[str, Any]:
    """Bot API parameters from a JSON body or a form, nested values decoded."""
    if not body:
        return {}
    content_type = headers.get("Content-Type") or ""
    if "json" in content_type:
        params = json.loads(body)
    elif content_type.startswith("multipart/form-data"):
        params, files = {}, {}
        form = BytesParser(policy=policy.default).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        for part in form.iter_parts():
            name, filename = part.get_param("name", header="content-disposition"), part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename:
                files[name] = (filename, payload)
            else:
                params[name] = payload.decode()
        params["_files"] = files
        for key in JSON_FIELDS & params.keys():
            params[key] = json.loads(params[key])
    else:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        for key in JSON_FIELDS & params.keys():
            params[key] = json.loads(params[key])
    for key in _INT_PARAMS & params.keys():
        params[key] = int(params[key])
    return params


def _menu_key(params: dict[str, Any]) -> tuple[str, str | None]:
    """Which command menu a call names: its scope (`default`, or `chat:<id>`) and language code."""
    scope = params.get("scope")
    scope = scope or {"type": "default"}
    where = f"chat:{scope['chat_id']}" if scope.get("type") == "chat" else str(scope.get("type", "default"))
    return where, params.get("language_code") or None
