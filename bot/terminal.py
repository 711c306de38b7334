"""`roadmap-bot try`: a chat with the bot in the terminal, no token and no network.

The same Application, handlers and database as `run`; only the Bot API is played here:
what the bot sends is printed with its buttons numbered, a number presses a button, and
anything else is sent as a message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr
from telegram import Update
from telegram.request import RequestData

from bot.application import build_bot
from bot.inprocess import InProcessRequest, api_parameters
from bot.settings import Settings
from roadmaps import Catalog
from storage import Storage, create_engine, upgrade

TRY_TOKEN = "1:terminal-try-no-network"
CHAT_ID = 1
BOT = {"id": 1, "is_bot": True, "first_name": "Roadmap bot", "username": "roadmap_bot"}
PERSON = {"id": CHAT_ID, "is_bot": False, "first_name": "You"}
HELP = (
    "Type a number to press a button of the last message, #3 2 for button 2 of message #3, anything else "
    "to send it (/help lists commands); "
    "@52.52,13.40 shares a location, < path/to/file.json sends a file, > text replies to the last message "
    "and >#3 text to message #3 (a step card: a note on it); Ctrl+D or /quit ends."
)
REPLY = re.compile(r">(?:#(\d+))?\s*(.*)", re.DOTALL)
PRESS = re.compile(r"(?:#(\d+)\s+)?(\d+)")  # a button's number, of the last message or of message #N
# What a typed line can be besides a button's number or a message: a location, a file, a reply.
LOCATION = re.compile(r"@\s*(-?\d{1,3}(?:\.\d+)?)\s*[,\s]\s*(-?\d{1,3}(?:\.\d+)?)")


class _PlainText(HTMLParser):
    """Telegram HTML as terminal text: tags dropped, links followed by their address."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href:
            self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain(html: str) -> str:
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


@dataclass
class TerminalBotAPI(InProcessRequest):
    """The Bot API, played in this process: messages are kept (for their buttons) and printed."""

    out: TextIO
    files: Path
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    last_id: int | None = None
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)  # a reply keyboard under the input
    sent_files: dict[str, Path] = field(default_factory=dict)  # files the person sent, by file_id
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        if "/file/bot" in url:  # the download of a file the person sent
            return 200, self.sent_files[endpoint].read_bytes()
        params = api_parameters(request_data)
        result: Any = True
        if endpoint == "getFile":
            result = self._file(str(params["file_id"]))
        elif endpoint == "getMe":
            result = BOT
        elif endpoint in ("sendMessage", "editMessageText"):
            result = self._show(params, edited=endpoint == "editMessageText")
        elif endpoint == "answerCallbackQuery" and params.get("text"):
            self.out.write(f"  ➜ {params['text']}\n")
        elif endpoint in ("sendDocument", "sendPhoto") and request_data is not None:
            result = self._save_files(request_data, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _show(self, params: dict[str, Any], *, edited: bool) -> dict[str, Any]:
        """Keep and print a message the bot sent or changed."""
        message_id = int(params["message_id"]) if edited else next(self._ids)
        message = {
            "message_id": message_id,
            "date": 0,
            "chat": {"id": CHAT_ID, "type": "private", "first_name": "You"},
            "from": BOT,
            "text": plain(params.get("text", "")),
        }
        markup = params.get("reply_markup") or {}
        if "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif "keyboard" in markup or "remove_keyboard" in markup:  # under the input field, not on the message
            self.keyboard = markup.get("keyboard", [])
        self.messages[message_id] = message
        self.last_id = message_id
        self._print(message)
        return message

    def _print(self, message: dict[str, Any]) -> None:
        lines = ["", "─" * 56 + f" #{message['message_id']}", message["text"]]
        for row in self.buttons():
            lines.append("   ".join(f"[{number}] {button['text']}" for number, button in row))
        for row in self.keyboard:
            lines.append("   ".join(f"⌨ {typed_as(button)}" for button in row))
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    def buttons(self, message_id: int | None = None) -> list[list[tuple[int, dict[str, Any]]]]:
        """A message's buttons (the latest message's unless said), numbered from 1, row by row."""
        shown = message_id or self.last_id
        markup = self.messages[shown].get("reply_markup") if shown in self.messages else None
        numbers = itertools.count(1)
        return [[(next(numbers), button) for button in row] for row in (markup or {}).get("inline_keyboard", [])]

    def send_file(self, path: Path) -> dict[str, Any]:
        """A file the person sends: kept by an id, for getFile and its download."""
        file_id = f"f{len(self.sent_files) + 1}"
        self.sent_files[file_id] = path
        return {"file_id": file_id, "file_unique_id": file_id, "file_name": path.name, "file_size": path.stat().st_size}

    def _file(self, file_id: str) -> dict[str, Any]:
        """getFile's answer for a file the person sent: its download path is its id."""
        path = self.sent_files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": path.stat().st_size, "file_path": file_id}

    def _save_files(self, request_data: RequestData, params: dict[str, Any]) -> dict[str, Any]:
        for name, (filename, content, *_) in request_data.multipart_data.items():
            path = self.files / filename
            path.write_bytes(content if isinstance(content, bytes) else content.read())
            caption = plain(params["caption"]) if params.get("caption") else name
            self.out.write(f"\n📎 {caption}\n   saved to {path}\n")
        message = {"message_id": next(self._ids), "date": 0, "chat": {"id": CHAT_ID, "type": "private"}}
        return message


async def chat_in_terminal(settings: Settings, catalog: Catalog, stdin: TextIO, out: TextIO) -> None:
    """Run the conversation until end of input or /quit."""
    storage = Storage(create_engine(settings.database_url))
    files = Path(tempfile.mkdtemp(prefix="roadmap-bot-try-"))
    transport = TerminalBotAPI(out, files)
    try:
        await upgrade(storage.engine)
        settings = settings.model_copy(update={"telegram_bot_token": SecretStr(TRY_TOKEN)})
        bot = build_bot(settings, catalog, storage, request=transport)
        application = bot.application
        async with application:
            out.write(f"Roadmap bot, in your terminal. {HELP}\n")
            updates = itertools.count(1)
            line = "/start"
            while line not in ("/quit", "/exit"):
                update = _update_for(line, transport, next(updates))
                if update is not None:
                    await application.process_update(Update.de_json(update, application.bot))
                    await bot.flush_presence()
                out.write("\n> ")
                out.flush()
                read = await asyncio.get_running_loop().run_in_executor(None, stdin.readline)
                if not read:
                    break
                line = read.strip()
    finally:
        await storage.close()
    out.write("\nBye.\n")


def _update_for(line: str, transport: TerminalBotAPI, update_id: int) -> dict[str, Any] | None:
    """What a typed line means: a button press, a location, a file, a reply, or a message."""
    if not line:
        return None
    if press := PRESS.fullmatch(line):
        return _press(int(press[2]), transport, update_id, int(press[1]) if press[1] else transport.last_id)
    message: dict[str, Any] = {
        "message_id": 10_000 + update_id,
        "date": 0,
        "chat": {"id": CHAT_ID, "type": "private", "first_name": "You"},
        "from": PERSON,
    }
    if located := LOCATION.fullmatch(line):
        message["location"] = {"latitude": float(located[1]), "longitude": float(located[2])}
    elif line.startswith("<"):
        path = Path(line[1:].strip()).expanduser()
        if not path.is_file():
            transport.out.write(f"No file at {path}.\n")
            return None
        message["document"] = transport.send_file(path)
    elif (reply := REPLY.fullmatch(line)) and transport.last_id is not None:
        replied = transport.messages.get(int(reply[1])) if reply[1] else transport.messages[transport.last_id]
        if replied is None:
            transport.out.write(f"No message #{reply[1]}.\n")
            return None
        message["text"] = reply[2].strip()
        message["reply_to_message"] = replied
    else:
        message["text"] = line
        if line.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(line.split()[0])}]
    return {"update_id": update_id, "message": message}


def scratch_database() -> tuple[str, Path]:
    """A fresh SQLite file in a directory of its own: its URL, and the file."""
    path = Path(tempfile.mkdtemp(prefix="roadmap-bot-try-db-")) / "try.sqlite3"
    return f"sqlite+aiosqlite:///{path}", path


def _press(number: int, transport: TerminalBotAPI, update_id: int, message_id: int | None) -> dict[str, Any] | None:
    """Button `number` of a message: its press, or why there is none."""
    if message_id not in transport.messages:
        transport.out.write(f"No message #{message_id}.\n" if message_id else "No message yet.\n")
        return None
    pressed = {n: button for row in transport.buttons(message_id) for n, button in row}.get(number)
    if pressed is None:
        transport.out.write(f"No button {number} on message #{message_id}.\n")
        return None
    if "url" in pressed:
        transport.out.write(f"That button opens {pressed['url']}\n")
        return None
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": PERSON,
            "chat_instance": "terminal",
            "data": pressed["callback_data"],
            "message": transport.messages[message_id],
        },
    }


def typed_as(button: dict[str, Any]) -> str:
    """A reply keyboard's button as the terminal offers it: what to type for it."""
    if button.get("request_location"):
        return f"{button['text']} (type @latitude,longitude)"
    return f"{button['text']} (type it)"


def try_in_terminal(settings: Settings, catalog: Catalog, scratch: Path | None = None) -> int:
    """`roadmap-bot try`: the conversation on standard input and output; a scratch database's
    directory is removed at the end."""
    try:
        asyncio.run(chat_in_terminal(settings, catalog, sys.stdin, sys.stdout))
    finally:
        if scratch is not None:
            shutil.rmtree(scratch.parent, ignore_errors=True)
    return 0
