"""What every answer of the page carries: the security headers (a strict Content-Security-Policy
and friends) and its count in the metrics, by endpoint and status; API answers are never cached."""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapp.metrics import REQUESTS

# The one script origin besides our own: Telegram's telegram-web-app.js, as Telegram documents it.
TELEGRAM_SCRIPT_ORIGIN = "https://telegram.org"
# Telegram's web clients show a Mini App in an iframe; the phone and desktop apps use a web view.
TELEGRAM_WEB_CLIENTS = ("https://web.telegram.org", "https://webk.telegram.org", "https://webz.telegram.org")
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'self' {TELEGRAM_SCRIPT_ORIGIN}",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        f"frame-ancestors {' '.join(TELEGRAM_WEB_CLIENTS)}",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


ENDPOINTS = (
    (re.compile(r"/api/roadmaps"), "catalog"),
    (re.compile(r"/api/roadmaps/[^/]+"), "roadmap"),
    (re.compile(r"/api/roadmaps/[^/]+/steps/[^/]+/state"), "mark"),
    (re.compile(r"/api/roadmaps/[^/]+/steps/[^/]+/count-here"), "count_here"),
    (re.compile(r"/api/.*"), "other"),
)


def endpoint_of(path: str) -> str:
    """The metrics label of a path: one of a few fixed words, whatever the path says."""
    return next((name for pattern, name in ENDPOINTS if pattern.fullmatch(path)), "page")


def route_path(scope: Scope) -> str:
    """The path inside the mount: `/api/roadmaps` for `/app/api/roadmaps`."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return (path[len(root) :] or "/") if root and path.startswith(root) else path


class PageHeaders:
    """Every response gets the security headers and is counted; API answers are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        status = 500  # unless a response starts

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                # The page's files are revalidated (their ETag), so a new version shows at once.
                headers["Cache-Control"] = "no-store" if path.startswith("/api/") else "no-cache"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            REQUESTS.labels(endpoint_of(path), str(status)).inc()
