"""Webhook mode: a small ASGI app (Starlette) that takes Telegram's updates and answers
/healthz and /metrics. PTB's own run_webhook serves only the webhook path; Starlette lets the
health check and metrics live on the same port behind the same load balancer."""

from __future__ import annotations

import hmac
import logging
from json import JSONDecodeError
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.metrics import DATABASE_ERRORS
from handlers import RoadmapApplication
from storage import DatabaseError, Storage

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(webhook_url: str) -> str:
    """The path Telegram posts to: the path of WEBHOOK_URL, `/telegram` if it has none."""
    return urlsplit(webhook_url).path.rstrip("/") or "/telegram"


def build_web_app(application: RoadmapApplication, storage: Storage, webhook_url: str, secret: str) -> Starlette:
    """The ASGI app: POST updates to the webhook path, GET /healthz and /metrics."""

    async def telegram(request: Request) -> Response:
        """An update from Telegram, handled before we answer, so a crash makes Telegram send it again."""
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            return Response("forbidden", status_code=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (JSONDecodeError, KeyError, TypeError, ValueError):
            return Response("not an update", status_code=400)
        await application.update_processor.process_update(update, application.process_update(update))
        return Response()

    async def healthz(request: Request) -> Response:
        """200 when the database answers, 503 when it does not."""
        try:
            await storage.ping()
        except (DatabaseError, OSError) as error:
            DATABASE_ERRORS.inc()
            log.warning("health check: database unreachable: %s", error)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    async def metrics(request: Request) -> Response:
        """Prometheus text format."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route(webhook_path(webhook_url), telegram, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )
