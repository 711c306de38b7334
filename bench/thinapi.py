"""The thinnest fake Bot API over HTTP, in a process of its own: `python -m bench.thinapi PORT`.

For `bench scaleout`, where the bot processes call Telegram over real HTTP and the fake must not be
what limits them: asyncio, HTTP/1.1 with keep-alive, every method answered at once (a message for
sendMessage and the edits, true for the rest), nothing kept. tests/fakebotapi.py's server checks
what the bot sends and keeps every call; this one only answers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import urllib.parse

BOT = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
_ids = itertools.count(1_000_000)


def answer(method: str, params: dict[str, str]) -> object:
    """What Telegram would answer, as thin as the bot accepts."""
    if method == "getMe":
        return BOT
    if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
        chat_id = int(params.get("chat_id", "0"))
        message_id = int(params["message_id"]) if "message_id" in params else next(_ids)
        return {"message_id": message_id, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": "ok"}
    if method == "getUpdates":
        return []
    return True


def params_of(content_type: str, body: bytes) -> dict[str, str]:
    """A request's parameters, from a form or JSON."""
    if not body:
        return {}
    if "json" in content_type:
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body).items()}
    return {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One connection's requests, one after another, until the client closes it."""
    try:
        while head := await reader.readuntil(b"\r\n\r\n"):
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            method = path.rsplit("/", 1)[-1]
            result = answer(method, params_of(headers.get("content-type", ""), body))
            payload = json.dumps({"ok": True, "result": result})
            data = payload.encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(data)).encode()
                + b"\r\n\r\n"
                + data
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=1024)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
