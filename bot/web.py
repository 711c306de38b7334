"""The bot's web server: a small ASGI app (Starlette) that answers /healthz and /metrics, takes
Telegram's updates in webhook mode, and serves the roadmap page (webapp/) under /app/ when
WEBAPP_URL is set. PTB's own run_webhook serves only the webhook path; Starlette lets the health
check, the metrics and the page live on the same port behind the same load balancer."""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update

from bot.metrics import DATABASE_ERRORS
from bot.update_shape import shaped_like_an_update
from handlers import RoadmapApplication
from storage import DatabaseError, Storage

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Far above any update Telegram sends (a message is at most 4096 characters, a caption 1024).
MAX_UPDATE_BYTES = 1_000_000


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


def build_web_app(
    application: RoadmapApplication,
    storage: Storage,
    webhook_url: str | None,
    secret: str | None,
    *,
    page: BaseRoute | None = None,
) -> Starlette:
    """The ASGI app: GET /healthz and /metrics; with a webhook, POST updates to its path; with
    `page`, the roadmap page's routes."""

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
        """200 when the database answers, 503 when it does not."""
        try:
            await storage.ping()
        except DatabaseError as error:
            DATABASE_ERRORS.inc()
            log.warning("health check: database unreachable: %s", error)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    async def metrics(request: Request) -> Response:
        """Prometheus text format."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics, methods=["GET"])]
    if webhook_url is not None:
        routes.append(Route(webhook_path(webhook_url), telegram, methods=["POST"]))
    if page is not None:
        routes.append(page)
    return Starlette(routes=routes)
