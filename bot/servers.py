"""The web servers (uvicorn): the public one on PORT and the metrics one on METRICS_PORT, each
with its connections on clocks and capped (bot/connections.py), served together until stopped.

A process that runs out of file descriptors cannot accept connections, and asyncio then logs
"socket.accept() out of system resource" with a traceback up to `backlog` times a second: that
is logged here as one warning per ten seconds (and counted), and the cap is kept within the
process's file limit so that it should not happen at all.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from bot.connections import KEEP_ALIVE_TIMEOUT, Connections, protocol_for
from bot.logs import OncePer
from bot.metrics import ACCEPT_ERRORS, OPEN_CONNECTIONS
from bot.web import CLIENT_GONE, HEALTH_FAILED
from webapp.metrics import CLIENT_GONE_LINE

log = logging.getLogger(__name__)

# Connections waiting to be accepted (the listen backlog), and the most asyncio accepts at one go,
# before any is placed or refused: each takes a file descriptor at once, so a flood of connections
# takes at most this many beyond the cap (uvicorn's default, 2,048, would take a few hundred too many
# under the common limit of 1,024 files).
BACKLOG = 128
# Files the process needs besides its web connections: Telegram's connection pool (up to 256),
# the database's (15, three files each on SQLite), the metrics port, logs and the event loop; and
# a burst of connections accepted and not yet placed.
FILES_KEPT_FREE = 300 + BACKLOG
# Connections the metrics port takes at once: a scraper or two.
METRICS_CONNECTIONS = 16
# uvicorn's per-connection warnings a stranger can cause, held to one of each kind per LOG_PERIOD.
NOISY_UVICORN_LINES = ("Invalid HTTP request received.", "Unsupported upgrade request.")
LOG_PERIOD = 10.0
ACCEPT_FAILED = "socket.accept() out of system resource"  # asyncio's words
COULD_NOT_ACCEPT = "could not accept a connection (%r): the process is out of file descriptors or memory"


class Server(uvicorn.Server):
    """A uvicorn server that leaves SIGINT and SIGTERM to the runner, which stops every server at
    once (uvicorn would take the signals over, one server at a time)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def web_server(app: ASGIApp, port: int, connections: Connections, drain: float, *, host: str = "0.0.0.0") -> Server:
    """A server for `app` on `port`: its connections capped and on clocks as `connections` says
    (and counted, idle and busy, in the metrics), at most `drain` seconds given to the requests in
    flight when it stops."""
    for state, counted in (("idle", True), ("busy", False)):
        OPEN_CONNECTIONS.labels(connections.name, state).set_function(
            lambda counted=counted: sum(1 for c in connections.held if c.idle() is counted)
        )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_for(connections),
        ws="none",
        lifespan="off",
        log_config=None,
        access_log=False,
        server_header=False,
        backlog=BACKLOG,
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
        timeout_graceful_shutdown=max(1, round(drain)),
    )
    return Server(config)


def connections_within_file_limit(wanted: int) -> int:
    """How many web connections the process can hold: `wanted`, the soft file limit raised toward
    the hard one if need be; fewer (with a warning) if the limit cannot be raised far enough."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + FILES_KEPT_FREE
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError) as error:
            log.warning("could not raise the file limit from %d to %d: %s", soft, raised, error)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return wanted
    allowed = max(soft - FILES_KEPT_FREE, METRICS_CONNECTIONS)
    log.warning(
        "MAX_CONNECTIONS is %d, but the process may open only %d files: serving at most %d connections "
        "at once (raise the limit, `ulimit -n`, to serve more)",
        wanted, soft, allowed,
    )  # fmt: skip
    return allowed


def quiet_down(loop: asyncio.AbstractEventLoop) -> None:
    """Lines a stranger can cause, at a bounded rate: our connections' news, uvicorn's warnings
    about malformed requests, requests whose body never came whole, the health check's failures (a
    probe a second in an outage), and asyncio's accept errors (counted, one warning per LOG_PERIOD)."""
    noisy = (
        ("bot.connections", None),
        ("uvicorn.error", NOISY_UVICORN_LINES),
        ("bot.web", [HEALTH_FAILED, CLIENT_GONE]),
        ("webapp.api", [CLIENT_GONE_LINE]),
    )
    for name, kinds in noisy:
        logger = logging.getLogger(name)
        if not any(isinstance(f, OncePer) for f in logger.filters):
            logger.addFilter(OncePer(LOG_PERIOD, kinds))
    if not any(isinstance(f, OncePer) for f in log.filters):
        log.addFilter(OncePer(LOG_PERIOD, [COULD_NOT_ACCEPT]))
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        if context.get("message") == ACCEPT_FAILED:
            ACCEPT_ERRORS.inc()
            log.warning(COULD_NOT_ACCEPT, context.get("exception"))
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


async def serve_until(servers: Sequence[Server], stopping: asyncio.Event) -> None:
    """Serve until `stopping` is set (SIGINT/SIGTERM): then every server stops taking connections,
    closes its idle ones and gives the requests in flight their time."""

    async def stop_when_asked() -> None:
        await stopping.wait()
        for server in servers:
            server.should_exit = True

    watcher = asyncio.create_task(stop_when_asked())
    try:
        if not stopping.is_set():
            await asyncio.gather(*(server.serve() for server in servers))
    finally:
        watcher.cancel()
