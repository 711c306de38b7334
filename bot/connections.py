"""The web server's connections, each on a clock, and a cap on how many are open.

uvicorn keeps a clock on a kept-alive connection between requests (`timeout_keep_alive`) and on
graceful shutdown, and none on reading a request: a client could hold a connection open for ever
by sending nothing, half a request head, or a body slower than it declared. `ClockedProtocol` is
uvicorn's HTTP/1.1 protocol with those clocks added:

- the head: a connection must complete a request's head within HEAD_TIMEOUT of opening (or of
  its last answer): closed otherwise, with a 408 if part of a head came;
- the body: a request's body must be whole within BODY_TIMEOUT of its head: else 408, and the
  app reads that the client went away (nothing was done with a body that never came whole);
- stopping: a request still waiting for its body when the server stops gets a 503 at once
  (the client may send it again to another instance) instead of holding the process up;
- the cap: at most `max_connections` open at once. A new connection beyond it takes the place of
  the one that has waited longest without a request in progress (idle, or dribbling a head);
  if every one is busy with a request, the new one is refused with a 503. A flood of idle
  connections thus cannot starve the requests that come to be answered.

Every answer written here carries the page's security headers, as the app's own answers do.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

from bot.metrics import CONNECTIONS_CLOSED
from webapp.headers import SECURITY_HEADERS

# Seconds a connection may take to send a whole request head (from opening, or from its last answer).
HEAD_TIMEOUT = 10.0
# Seconds a request's body may take to arrive whole, from its head.
BODY_TIMEOUT = 10.0
# Seconds a kept-alive connection may sit idle between requests (uvicorn's own clock).
KEEP_ALIVE_TIMEOUT = 5

log = logging.getLogger(__name__)  # bot/servers.py lets one line of each kind through per 10 s


@dataclass(eq=False)
class Connections:
    """What the connections of one server share: their cap, their clocks and who holds a place."""

    max_connections: int
    name: str = "public"  # the server's, for the metrics
    head_timeout: float = HEAD_TIMEOUT
    body_timeout: float = BODY_TIMEOUT
    held: set[ClockedProtocol] = field(default_factory=set)


def protocol_for(connections: Connections) -> type[ClockedProtocol]:
    """The protocol class uvicorn builds each connection with, sharing `connections`."""
    return type("ServerProtocol", (ClockedProtocol,), {"shared": connections})


def plain_answer(status: int, text: str) -> bytes:
    """A whole HTTP/1.1 answer that closes its connection, with the security headers."""
    body = f"{text}\n".encode()
    headers = {
        "content-type": "text/plain; charset=utf-8",
        "content-length": str(len(body)),
        "connection": "close",
        **SECURITY_HEADERS,
    }
    head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"{head}\r\n".encode("latin-1") + body


class ClockedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with clocks on reading a request and a cap on connections."""

    shared: ClassVar[Connections]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_clock: asyncio.TimerHandle | None = None
        self.body_clock: asyncio.TimerHandle | None = None
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        shared = self.shared
        if len(shared.held) >= shared.max_connections and not self._make_room():
            self.transport = transport
            CONNECTIONS_CLOSED.labels("refused").inc()
            log.warning("refused a connection: all %d are busy with requests", shared.max_connections)
            transport.write(plain_answer(503, "Too many connections are busy: try again in a moment."))
            transport.close()
            return
        super().connection_made(transport)
        shared.held.add(self)
        self._wait_for_a_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self.shared.held.discard(self)
        self._stop_clocks()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self not in self.shared.held:  # refused or evicted: its answer is written, it is closing
            return
        before = self.cycle
        super().data_received(data)
        self._follow(before)

    def on_response_complete(self) -> None:
        before = self.cycle
        self._wait_for_a_head()
        super().on_response_complete()
        self._follow(before)

    def shutdown(self) -> None:
        """The server is stopping: a request whose body is still coming is answered 503 now (it was
        not acted on, and may be sent again); the rest as uvicorn does (idle ones close at once,
        a request being handled is finished first)."""
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not cycle.response_started:
            CONNECTIONS_CLOSED.labels("stopping").inc()
            self._end(cycle, 503, "The server is restarting: send the request again.")
            return
        super().shutdown()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request it cannot parse, with the security headers."""
        self.transport.write(plain_answer(400, msg))
        self.transport.close()

    def idle(self) -> bool:
        """Whether no request is in progress (none came yet, or the last one was answered)."""
        return self.cycle is None or self.cycle.response_complete

    def _make_room(self) -> bool:
        """Close the connection that has been idle longest, if any is; whether one was."""
        idle = [c for c in self.shared.held if c.idle() and not c.transport.is_closing()]
        if not idle:
            return False
        oldest = min(idle, key=lambda connection: connection.idle_since)
        self.shared.held.discard(oldest)
        oldest.transport.close()
        CONNECTIONS_CLOSED.labels("evicted").inc()
        log.info("closed an idle connection to make room for a new one (%d open)", self.shared.max_connections)
        return True

    def _wait_for_a_head(self) -> None:
        """Start the head's clock: from now, the next request's head must come whole in time."""
        self.idle_since = self.loop.time()
        self._stop(self.head_clock)
        self.head_clock = self.loop.call_later(self.shared.head_timeout, self._head_too_slow)

    def _follow(self, before: RequestResponseCycle | None) -> None:
        """After bytes came or an answer went: a new request's head stops the head's clock and
        starts its body's (if a body is still to come); a body come whole stops that."""
        cycle = self.cycle
        if cycle is not None and cycle is not before:
            self._stop(self.head_clock)
            self.head_clock = None
            if cycle.more_body:
                self.body_clock = self.loop.call_later(self.shared.body_timeout, self._body_too_slow, cycle)
        if self.body_clock is not None and (cycle is None or not cycle.more_body):
            self._stop(self.body_clock)
            self.body_clock = None

    def _head_too_slow(self) -> None:
        """No whole request head in time: closed, with a 408 if part of one came."""
        self.head_clock = None
        if self.transport.is_closing() or not self.idle():
            return
        if self.conn.trailing_data[0]:
            self.transport.write(plain_answer(408, "The request's head did not arrive in time."))
        CONNECTIONS_CLOSED.labels("head_timeout").inc()
        log.info("closed a connection that sent no whole request head within %s s", self.shared.head_timeout)
        self.transport.close()

    def _body_too_slow(self, cycle: RequestResponseCycle) -> None:
        """A body not whole in time: 408, and the app hears that the client went away."""
        self.body_clock = None
        if cycle is not self.cycle or not cycle.more_body or self.transport.is_closing():
            return
        CONNECTIONS_CLOSED.labels("body_timeout").inc()
        log.info("closed a request whose body did not arrive whole within %s s", self.shared.body_timeout)
        self._end(cycle, 408, "The request's body did not arrive in time.")

    def _end(self, cycle: RequestResponseCycle, status: int, text: str) -> None:
        """Answer a request whose body is still coming, and close: the app's next read says the
        client is gone, and whatever it answers is not sent."""
        if not cycle.response_started:
            self.transport.write(plain_answer(status, text))
        cycle.disconnected = True
        cycle.message_event.set()
        self.transport.close()

    def _stop_clocks(self) -> None:
        self._stop(self.head_clock)
        self._stop(self.body_clock)
        self.head_clock = self.body_clock = None

    @staticmethod
    def _stop(clock: asyncio.TimerHandle | None) -> None:
        if clock is not None:
            clock.cancel()
