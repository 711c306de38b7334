"""Prometheus metrics of the Mini App, in the default registry: the bot's /metrics shows them."""

from __future__ import annotations

from prometheus_client import Counter

REQUESTS = Counter(
    "roadmap_bot_webapp_requests_total",
    "Requests to the Mini App, by endpoint (page, catalog, roadmap, mark, other) and HTTP status.",
    ["endpoint", "status"],
)
AUTH_FAILURES = Counter(
    "roadmap_bot_webapp_auth_failures_total",
    "API requests refused for their initData, by reason (missing, malformed, no_hash, bad_hash, expired, no_user).",
    ["reason"],
)

# What is logged (at INFO) of a request whose body never came whole.
CLIENT_GONE_LINE = (
    "mini app: a %s request's body did not arrive whole (the client went away or was too slow); nothing was done"
)
