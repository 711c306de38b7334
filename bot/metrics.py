"""Prometheus metrics, served at /metrics in webhook mode."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, Info

UPDATES = Counter("roadmap_bot_updates_total", "Updates received, by type.", ["type"])
HANDLER_SECONDS = Histogram(
    "roadmap_bot_handler_seconds",
    "Time from receiving an update to having answered it, by handler.",
    ["handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
NUDGES = Counter("roadmap_bot_nudges_total", "Claimed nudges, by outcome (sent, blocked, to retry, ...).", ["outcome"])
NUDGES_DUE = Gauge("roadmap_bot_nudges_due", "Reminders due but not yet claimed, after the last nudge pass.")
ANNOUNCED = Counter(
    "roadmap_bot_announcements_total",
    "Announcement recipients with an outcome, by outcome (sent, blocked, failed, opted_out, left, unknown).",
    ["outcome"],
)
ANNOUNCEMENT_LATE_TURNS = Counter(
    "roadmap_bot_announcement_late_turns_total",
    "Turns in the sending budget the instances share that this one came to late, and took again.",
)
ANNOUNCEMENTS_WAITING = Gauge(
    "roadmap_bot_announcements_waiting", "Recipients of the announcement last sent from that are still to go."
)
DATABASE_ERRORS = Counter(
    "roadmap_bot_database_errors_total", "Database errors seen by handlers, passes and health checks."
)
CONNECTIONS_CLOSED = Counter(
    "roadmap_bot_http_connections_closed_total",
    "Connections the web server closed on its own, by reason: evicted (idle, to make room), refused "
    "(no room), head_timeout, body_timeout, stopping.",
    ["reason"],
)
OPEN_CONNECTIONS = Gauge(
    "roadmap_bot_http_connections",
    "Connections open now, by server (public, metrics) and state (idle: no request in progress; busy).",
    ["server", "state"],
)
ACCEPT_ERRORS = Counter(
    "roadmap_bot_http_accept_errors_total", "Connections the web server could not accept (out of file descriptors)."
)
CATALOG = Info("roadmap_bot_catalog", "The roadmaps served: the catalog's version (a hash of its files) and how many.")
