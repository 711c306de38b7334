"""The web server's connections on their clocks and under their cap (bot/connections.py), served by
the real uvicorn server the bot builds (bot/servers.py) on a localhost port, with clocks shortened
to tenths of a second; tests/test_clocks.py runs the real process on the real clocks."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import subprocess
import sys
import time
from asyncio.constants import ACCEPT_RETRY_DELAY
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.connections import Connections
from bot.logs import OncePer
from bot.servers import BACKLOG, COULD_NOT_ACCEPT, quiet_down, serve_until, web_server
from webapp.headers import CONTENT_SECURITY_POLICY

CLOCK = 0.3  # seconds: the head's and the body's clocks here
LATE = 5.0  # seconds after which anything that should have happened is late


class Echo:
    """A small app: GET / answers "ok"; POST /echo answers with the body's length, or notes that
    its client went away."""

    def __init__(self) -> None:
        self.gone = 0
        self.app = Starlette(routes=[Route("/", self.ok), Route("/echo", self.echo, methods=["POST"])])

    async def ok(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def echo(self, request: Request) -> Response:
        try:
            return PlainTextResponse(str(len(await request.body())))
        except ClientDisconnect:
            self.gone += 1
            return Response(status_code=499)


@asynccontextmanager
async def serving(echo: Echo, connections: Connections, drain: float = 5) -> AsyncIterator[tuple[int, Any]]:
    """The bot's web server for `echo` on a free 127.0.0.1 port, on this event loop; its port and
    a function that stops it (and returns when it has)."""
    server = web_server(echo.app, 0, connections, drain, host="127.0.0.1")
    stopping = asyncio.Event()
    served = asyncio.create_task(serve_until([server], stopping))
    async with asyncio.timeout(LATE):
        while not server.started:  # uvicorn has no event for it; it starts in a few milliseconds
            if served.done():
                served.result()
            await asyncio.sleep(0.01)

    async def stop() -> None:
        stopping.set()
        await served

    try:
        yield server.servers[0].sockets[0].getsockname()[1], stop
    finally:
        if not served.done():
            await stop()


async def opened(port: int, sent: bytes = b"") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the server, with `sent` written on it. (Keep the writer: one that is
    garbage collected closes its connection.)"""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if sent:
        writer.write(sent)
        await writer.drain()
    return reader, writer


async def until_closed(reader: asyncio.StreamReader) -> tuple[bytes, float]:
    """Everything the server writes until it closes the connection, and how long that took."""
    started = time.monotonic()
    async with asyncio.timeout(LATE):
        try:
            data = await reader.read()
        except ConnectionResetError:
            data = b""
    return data, time.monotonic() - started


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer else 0


def headers_of(answer: bytes) -> dict[str, str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in head)}


GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
HALF_A_HEAD = b"GET / HTTP/1.1\r\nHost: x\r\n"
HALF_A_BODY = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n0123456789"


async def busy(count: int, server: str = "public") -> None:
    """Wait until the server has `count` requests in progress (it has read their heads)."""
    labels = {"server": server, "state": "busy"}
    async with asyncio.timeout(LATE):
        while True:  # the gauge is read, not pushed: look again every 10 ms
            if REGISTRY.get_sample_value("roadmap_bot_http_connections", labels) == count:
                return
            await asyncio.sleep(0.01)


def closed(reason: str) -> float:
    return REGISTRY.get_sample_value("roadmap_bot_http_connections_closed_total", {"reason": reason}) or 0.0


async def test_a_connection_without_a_whole_head_in_time_is_closed_with_408_if_half_of_one_came() -> None:
    async with serving(Echo(), Connections(16, head_timeout=CLOCK)) as (port, _):
        before, started = closed("head_timeout"), time.monotonic()
        silent, halfway = await opened(port), await opened(port, HALF_A_HEAD)
        (nothing, _), (answer, _) = await asyncio.gather(until_closed(silent[0]), until_closed(halfway[0]))
        after = time.monotonic() - started
    assert nothing == b"", "a connection that sent nothing is closed without a word"
    assert status_of(answer) == 408 and b"head did not arrive in time" in answer
    assert headers_of(answer)["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert CLOCK - 0.05 < after < LATE
    assert closed("head_timeout") == before + 2


async def test_the_head_clock_starts_again_after_each_answer() -> None:
    async with serving(Echo(), Connections(16, head_timeout=CLOCK)) as (port, _):
        reader, writer = await opened(port, GET)
        first = await reader.readuntil(b"ok")
        writer.write(HALF_A_HEAD)  # the next request of a kept-alive connection, dribbled
        await writer.drain()
        answer, after = await until_closed(reader)
    assert status_of(first) == 200
    assert status_of(answer) == 408 and after < LATE


async def test_a_body_not_whole_in_time_is_408_and_the_app_hears_its_client_went_away() -> None:
    echo = Echo()
    async with serving(echo, Connections(16, body_timeout=CLOCK)) as (port, _):
        started = time.monotonic()
        stalled = await opened(port, HALF_A_BODY)
        answer, _ = await until_closed(stalled[0])
        after = time.monotonic() - started
        whole = await opened(port, HALF_A_BODY.replace(b"40", b"10"))
        echoed = await whole[0].readuntil(b"10")
    assert status_of(answer) == 408 and b"body did not arrive in time" in answer
    assert headers_of(answer)["x-content-type-options"] == "nosniff"
    assert CLOCK - 0.05 < after < LATE
    assert echo.gone == 1, "the app read that its client went away, and answered nothing more"
    assert status_of(echoed) == 200, "a body that comes whole in time is read"


async def test_past_the_cap_a_new_connection_takes_the_place_of_the_longest_idle_one() -> None:
    async with serving(Echo(), Connections(3)) as (port, _):
        before = closed("evicted")
        idle = [await opened(port) for _ in range(3)]
        new = await opened(port, GET)
        served = await new[0].readuntil(b"ok")
        oldest, _ = await until_closed(idle[0][0])
        still_open = [not r.at_eof() for r, _ in idle[1:]]
    assert status_of(served) == 200, "the new connection was served, not starved"
    assert oldest == b"", "the longest idle connection was closed to make room"
    assert still_open == [True, True]
    assert closed("evicted") == before + 1


async def test_past_the_cap_with_every_connection_busy_a_new_one_is_refused_with_503() -> None:
    async with serving(Echo(), Connections(2, body_timeout=LATE * 2)) as (port, _):
        before = closed("refused")
        stalled = [await opened(port, HALF_A_BODY) for _ in range(2)]
        await busy(2)
        new = await opened(port, GET)
        refused, _ = await until_closed(new[0])
        for _, writer in stalled:
            writer.close()
    assert status_of(refused) == 503 and b"Too many connections are busy" in refused
    assert headers_of(refused)["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert closed("refused") == before + 1


async def test_stopping_answers_a_request_still_waiting_for_its_body_503_at_once() -> None:
    echo = Echo()
    async with serving(echo, Connections(16, body_timeout=LATE * 2), drain=LATE * 2) as (port, stop):
        stalled, idle = await opened(port, HALF_A_BODY), await opened(port)
        await busy(1)
        started = time.monotonic()
        await stop()
        stopped_after = time.monotonic() - started
        answer, _ = await until_closed(stalled[0])
        nothing, _ = await until_closed(idle[0])
    assert status_of(answer) == 503 and b"send the request again" in answer
    assert nothing == b""
    assert stopped_after < LATE, "neither the body's clock nor the drain was waited out"
    assert echo.gone == 1


async def test_a_request_that_cannot_be_read_is_400_with_the_security_headers() -> None:
    async with serving(Echo(), Connections(16)) as (port, _):
        garbage = await opened(port, b"NOT HTTP AT ALL\r\n\r\n")
        answer, _ = await until_closed(garbage[0])
    assert status_of(answer) == 400
    assert headers_of(answer)["content-security-policy"] == CONTENT_SECURITY_POLICY


class OutOfFiles(socket.socket):
    """A listening socket whose first `failures` accepts fail as a process out of file descriptors
    sees them fail (EMFILE); `last_failure`: when the last one did."""

    failures = 0
    last_failure = 0.0

    def accept(self) -> tuple[socket.socket, Any]:
        if self.failures > 0:
            self.failures -= 1
            self.last_failure = time.monotonic()
            raise OSError(errno.EMFILE, "Too many open files")
        return super().accept()


@pytest.fixture
def filters_put_back() -> Iterator[None]:
    """quiet_down holds back lines for the process's life; a test's other tests hear them again."""
    names = ("bot.connections", "bot.servers", "bot.web", "uvicorn.error", "webapp.api")
    kept = {name: logging.getLogger(name).filters[:] for name in names}
    yield
    for name, filters in kept.items():
        logging.getLogger(name).filters[:] = filters


@pytest.mark.usefixtures("filters_put_back")
async def test_accept_errors_are_counted_and_logged_once_per_ten_seconds(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    quiet_down(loop)
    listener = OutOfFiles(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    # asyncio tries up to `backlog` accepts a turn: one turn of failures (128, the bot's backlog),
    # each of which has asyncio try again a second later (ACCEPT_RETRY_DELAY); the retries accept.
    listener.failures = BACKLOG
    accepted = asyncio.Event()

    class Note(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted.set()

    errors = REGISTRY.get_sample_value("roadmap_bot_http_accept_errors_total") or 0.0
    server = await loop.create_server(Note, sock=listener, backlog=BACKLOG)
    try:
        _, writer = await asyncio.open_connection(*listener.getsockname())
        async with asyncio.timeout(LATE):
            await accepted.wait()
        writer.close()
        # Every retry asyncio scheduled runs before the socket closes (after, it would fail on it).
        await asyncio.sleep(listener.last_failure + ACCEPT_RETRY_DELAY + 0.1 - time.monotonic())
    finally:
        server.close()
        loop.set_exception_handler(previous)
    lines = [r for r in caplog.records if r.msg == COULD_NOT_ACCEPT]
    assert REGISTRY.get_sample_value("roadmap_bot_http_accept_errors_total") == errors + BACKLOG
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING and not lines[0].exc_info
    assert not [r for r in caplog.records if "socket.accept()" in r.getMessage()]


def test_a_kind_of_line_is_let_through_once_per_period_and_the_next_says_how_many_were_held() -> None:
    now = [0.0]
    once = OncePer(10, kinds=["noisy %s"], clock=lambda: now[0])
    logger = logging.getLogger("tests.once_per")
    records: list[logging.LogRecord] = []
    logger.addFilter(once)
    logger.addHandler(keep := KeepRecords(records))
    logger.propagate = False
    try:
        for second in range(25):
            now[0] = float(second)
            logger.warning("noisy %s", second)
            logger.warning("quiet %s", second)
    finally:
        logger.removeHandler(keep)
        logger.removeFilter(once)
    noisy = [r.getMessage() for r in records if r.getMessage().startswith("noisy")]
    assert noisy == [
        "noisy 0",
        "noisy 10 (and 9 more like it before this)",
        "noisy 20 (and 9 more like it before this)",
    ]
    assert len([r for r in records if r.getMessage().startswith("quiet")]) == 25, "other kinds are let through"


class KeepRecords(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


LIMITS = """
import logging, resource, sys
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, {hard}))
from bot.servers import connections_within_file_limit
print(connections_within_file_limit({wanted}), resource.getrlimit(resource.RLIMIT_NOFILE)[0])
"""


@pytest.mark.parametrize(
    ("soft", "hard", "served", "limit"),
    [(1024, 1024, 512, 1024), (256, 4096, 512, 940), (600, 600, 172, 600)],
    ids=["fits", "raised", "lowered"],
)
def test_the_cap_is_kept_within_the_process_s_file_limit(soft: int, hard: int, served: int, limit: int) -> None:
    script = LIMITS.format(soft=soft, hard=hard, wanted=512)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(served), str(limit)]
    warned = "MAX_CONNECTIONS is 512, but the process may open only 600 files: serving at most 172" in result.stderr
    assert warned is (served < 512)
