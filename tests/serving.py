"""A real `roadmap-bot run` serving its web ports, for tests of what strangers and bad networks do to
it: started in webhook mode with the page on and metrics on a port of their own, waited for until
its servers say they listen, stopped with SIGTERM and timed; and raw sockets, to send what no
well-behaved client sends (half a head, half a body, nothing at all)."""

from __future__ import annotations

import datetime as dt
import json
import re
import resource
import selectors
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.databases import ProcessDatabase
from tests.fakebotapi import FakeBotAPIServer
from tests.miniapp import init_data
from tests.process import ROADMAP_BOT, environment

WEBHOOK_SECRET = "webhook-secret_0123456789"
PAGE = "https://bot.example.org/app/"
SEED = "backend-engineer-ai-era"
MARK = f"/app/api/roadmaps/{SEED}/steps/typed-language-and-git/state"
LONG = 60.0  # seconds any one wait may take on a slow, loaded machine before the test fails


def free_ports(count: int) -> list[int]:
    """Ports free now, all different."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@dataclass
class RunningBot:
    """A `roadmap-bot run` process serving PORT and METRICS_PORT."""

    process: subprocess.Popen[bytes]
    port: int
    metrics_port: int
    log: Path
    token: str

    def log_text(self) -> str:
        return self.log.read_text()

    def wait_for_log(self, pattern: str, count: int = 1, timeout: float = LONG) -> str:
        """Wait until the log has `count` lines matching `pattern` (a regular expression); the log."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_text()
            if len(re.findall(pattern, text)) >= count:
                return text
            assert self.process.poll() is None, f"the bot ended ({self.process.returncode}):\n{text}"
            assert time.monotonic() < deadline, f"waited {timeout} s for {pattern!r} in the log:\n{text}"
            time.sleep(0.05)

    def metric(self, sample: str) -> float:
        """The value of one sample of /metrics (on METRICS_PORT), 0 if it is not there."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as response:
            text = response.read().decode()
        found = [line for line in text.splitlines() if line.startswith(f"{sample} ")]
        return float(found[0].rsplit(" ", 1)[1]) if found else 0.0

    def wait_for_metric(self, sample: str, value: float, timeout: float = LONG) -> None:
        """Wait until a sample of /metrics has this value."""
        deadline = time.monotonic() + timeout
        while (seen := self.metric(sample)) != value:
            assert time.monotonic() < deadline, f"waited {timeout} s for {sample} to be {value}: {seen}"
            time.sleep(0.05)

    def signed(self, user_id: int) -> str:
        """The page's Authorization header for a person who opened it just now."""
        user = {"id": user_id, "first_name": "Ada"}
        return f"tma {init_data(user, signed_at=dt.datetime.now(dt.UTC), bot_token=self.token)}"

    def sigterm(self) -> float:
        """SIGTERM; the seconds until the process ended (it must end within LONG)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=LONG)
        return time.monotonic() - started


@contextmanager
def bot_serving(
    server: FakeBotAPIServer, database: ProcessDatabase, log: Path, *, files: int | None = None, **settings: str
) -> Iterator[RunningBot]:
    """`roadmap-bot run` in webhook mode with the page and METRICS_PORT, once both servers listen
    (`files`: the process's limit of open files); killed at the end if still alive."""
    port, metrics_port = free_ports(2)
    env = environment(
        TELEGRAM_BOT_TOKEN=server.token,
        TELEGRAM_API_URL=server.url,
        DATABASE_URL=database.url,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        PORT=str(port),
        WEBAPP_URL=PAGE,
        METRICS_PORT=str(metrics_port),
        **settings,
    )

    def limit_files() -> None:
        if files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    with log.open("ab") as out:
        process = subprocess.Popen(
            [ROADMAP_BOT, "run"], cwd=database.directory, env=env, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=limit_files,
        )  # fmt: skip
    bot = RunningBot(process, port, metrics_port, log, server.token)
    try:
        bot.wait_for_log("Uvicorn running on", count=2)
        yield bot
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=LONG)


def connect(port: int) -> socket.socket:
    """A TCP connection to the bot's port."""
    return socket.create_connection(("127.0.0.1", port), timeout=LONG)


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    """An HTTP/1.1 request's head."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def half_a_mark(bot: RunningBot, user_id: int) -> socket.socket:
    """A page mark (PUT) that declares 40 bytes of body and sends 10, then nothing."""
    sock = connect(bot.port)
    head = {"Authorization": bot.signed(user_id), "Content-Type": "application/json", "Content-Length": "40"}
    sock.sendall(request_head("PUT", MARK, head) + b'{"state": ')
    return sock


def half_an_update(bot: RunningBot, update: dict[str, object]) -> socket.socket:
    """A webhook post that declares its whole length and sends ten bytes of it, then nothing."""
    body = json.dumps(update).encode()
    sock = connect(bot.port)
    head = {
        "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
    }
    sock.sendall(request_head("POST", "/telegram", head) + body[:10])
    return sock


@dataclass(frozen=True)
class Answer:
    """An HTTP answer read off a raw socket."""

    status: int
    headers: dict[str, str]
    body: bytes


def answer_of(sock: socket.socket, timeout: float = LONG) -> Answer | None:
    """The answer the server writes on this connection before closing it; None if it closes
    without one."""
    sock.settimeout(timeout)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    if not data:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return Answer(int(status_line.split()[1]), headers, body)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """A GET with urllib (which follows no redirects here): status, headers, body."""

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirects)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with opener.open(request, timeout=LONG) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()


@dataclass(frozen=True)
class Closed:
    """A connection the server closed: after how long, and what it wrote first (maybe nothing)."""

    after: float
    said: bytes


def wait_closed(socks: list[socket.socket], timeout: float) -> dict[socket.socket, Closed]:
    """Wait up to `timeout` for the server to close each socket (end of stream, or reset); when,
    and what it wrote before, for those it closed."""
    started, closed, said = time.monotonic(), {}, dict.fromkeys(socks, b"")
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while len(closed) < len(socks):
            left = timeout - (time.monotonic() - started)
            if left <= 0:
                break
            for key, _ in selector.select(left):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    if data := sock.recv(65536):
                        said[sock] += data  # an answer (a 408): the end of stream follows
                        continue
                except BlockingIOError:
                    continue
                except ConnectionError:
                    pass
                selector.unregister(sock)
                closed[sock] = Closed(time.monotonic() - started, said[sock])
    return closed
