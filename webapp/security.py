"""The page's security headers: what it may load, who may frame it, what it keeps to itself."""

from __future__ import annotations

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
