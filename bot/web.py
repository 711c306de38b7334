"""The bot's web server: a small ASGI app (Starlette) that answers /healthz, takes Telegram's
updates in webhook mode, and serves the roadmap page (webapp/) under /app/ when WEBAPP_URL is set;
/metrics is served on METRICS_PORT (`metrics_app`), or here to a bearer of METRICS_TOKEN. PTB's own
run_webhook serves only the webhook path; Starlette lets the health check and the page live on
the same port behind the same load balancer. Every answer carries the page's security headers."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from telegram import Update

from bot.metrics import DATABASE_ERRORS
from bot.update_shape import shaped_like_an_update
from handlers import RoadmapApplication
from storage import DatabaseError, Storage
from webapp import PATH
from webapp.api import CLIENT_GONE_STATUS, app_of
from webapp.headers import SECURITY_HEADERS

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Far above any update Telegram sends (a message is at most 4096 characters, a caption 1024).
MAX_UPDATE_BYTES = 1_000_000
# Seconds /healthz waits for the database before it answers 503.
HEALTH_TIMEOUT = 3.0
HEALTH_FAILED = "health check: the database did not answer: %s"
CLIENT_GONE = "a %s request's body did not arrive whole (the client went away or was too slow); nothing was done"


def webhook_path(webhook_url: str) -> str:
    """The path Telegram posts to: the path of WEBHOOK_URL, `/telegram` if it has none."""
    return urlsplit(webhook_url).path.rstrip("/") or "/telegram"


class BodyTooBig(Exception):
    """A request body over the limit; it was not read further."""


class NotAnUpdate(Exception):
    """A request body that is not a Telegram update; the message says why, without its content."""


async def body_within(request: Request, limit: int) -> bytes:
    """The request's body, refused past `limit` bytes, by its declared length or as it streams."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooBig
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooBig
    return bytes(body)


def update_from(body: bytes, application: RoadmapApplication) -> Update:
    """The update a body holds: a JSON object with a whole-number update_id that PTB can read."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise NotAnUpdate(f"not JSON: {type(error).__name__}") from error
    if not shaped_like_an_update(data):
        raise NotAnUpdate("not shaped like an update")
    try:
        return Update.de_json(data, application.bot)
    except Exception as error:  # what PTB cannot read (a message that is a string, a date past 9999)
        raise NotAnUpdate(f"unreadable: {type(error).__name__}") from error


class Health:
    """The database's health for /healthz: one check at a time, however many probes ask (a probe
    during a check waits for that one), and every probe answered within `timeout`."""

    def __init__(self, storage: Storage, timeout: float = HEALTH_TIMEOUT) -> None:
        self.storage, self.timeout = storage, timeout
        self._check: asyncio.Task[None] | None = None

    async def problem(self) -> str | None:
        """None when the database answers in time; else what went wrong, in a few words."""
        if self._check is None or self._check.done():
            self._check = asyncio.create_task(self.storage.ping())
            # A probe that stopped waiting no longer hears how the check ended: its failure is
            # told by the next probe (a check that ends in error is done: the next starts anew).
            self._check.add_done_callback(lambda check: check.cancelled() or check.exception())
        try:
            await asyncio.wait_for(asyncio.shield(self._check), self.timeout)
        except TimeoutError:
            return f"no answer within {self.timeout:g} s"
        except DatabaseError as error:
            return str(error)
        return None


class SecurityHeaders:
    """Every answer of the server carries the page's security headers: redirects, 404s and the
    500 Starlette writes for an unexpected error too (this wraps the whole app)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def metrics(request: Request) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def metrics_app() -> ASGIApp:
    """The app of METRICS_PORT: GET /metrics, to whoever reaches the port."""
    return SecurityHeaders(app_of([Route("/metrics", metrics, methods=["GET"])]))


def metrics_for_bearers(token: str) -> BaseRoute:
    """GET /metrics for a request with `Authorization: Bearer <token>`; 401 for any other."""

    async def guarded(request: Request) -> Response:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            return Response("send the metrics token", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return await metrics(request)

    return Route("/metrics", guarded, methods=["GET"])


def to_the_page(page_url: str) -> BaseRoute:
    """GET /app: a redirect to the page's public address (WEBAPP_URL), its query kept; never to
    an address built from the request's Host header or scheme."""

    async def redirect(request: Request) -> Response:
        query = request.url.query
        return RedirectResponse(f"{page_url}?{query}" if query else page_url)

    return Route(PATH, redirect, methods=["GET", "HEAD"])


async def client_gone(request: Request, error: Exception) -> Response:
    """The request's body never came whole (the client hung up, or was too slow): nothing was
    done; logged as news, not as an error, and what is answered is never sent."""
    log.info(CLIENT_GONE, request.method)
    return Response(status_code=CLIENT_GONE_STATUS)


@dataclass(frozen=True, slots=True)
class WebParts:
    """What PORT serves beside /healthz and the webhook: the roadmap page's routes (`page`, and GET
    /app a redirect to `page_url`), /metrics for the bearers of `metrics_token`, and the health
    check (one of its own unless given)."""

    page: BaseRoute | None = None
    page_url: str | None = None
    metrics_token: str | None = None
    health: Health | None = None
    catalog_version: Callable[[], str] | None = None  # the version of the roadmaps served, for /healthz


def build_web_app(
    application: RoadmapApplication,
    storage: Storage,
    webhook_url: str | None,
    secret: str | None,
    parts: WebParts = WebParts(),
) -> ASGIApp:
    """The ASGI app: GET /healthz; with a webhook, POST updates to its path; and `parts`."""
    page, page_url, metrics_token = parts.page, parts.page_url, parts.metrics_token
    health = parts.health or Health(storage)

    async def telegram(request: Request) -> Response:
        """An update from Telegram, handled before we answer, so a crash makes Telegram send it again.
        Anything that is not an update gets 400 (413 when too big), never a 500 and never handling."""
        assert secret is not None
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            return Response("forbidden", status_code=403)
        try:
            update = update_from(await body_within(request, MAX_UPDATE_BYTES), application)
        except BodyTooBig:
            return Response("too big for an update", status_code=413)
        except NotAnUpdate as error:
            log.warning("webhook: refused a body that is not an update (%s)", error)
            return Response("not an update", status_code=400)
        await application.update_processor.process_update(update, application.process_update(update))
        return Response()

    async def healthz(request: Request) -> Response:
        """200 when the database answers within the health clock, 503 when it does not."""
        problem = await health.problem()
        if problem is not None:
            DATABASE_ERRORS.inc()
            log.warning(HEALTH_FAILED, problem)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        served = {} if parts.catalog_version is None else {"catalog": parts.catalog_version()}
        return JSONResponse({"status": "ok", "database": "ok", **served})

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    if metrics_token is not None:
        routes.append(metrics_for_bearers(metrics_token))
    if webhook_url is not None:
        routes.append(Route(webhook_path(webhook_url), telegram, methods=["POST"]))
    if page is not None:
        routes += [page] if page_url is None else [to_the_page(page_url), page]
    return SecurityHeaders(app_of(routes, exception_handlers={ClientDisconnect: client_gone}))
