"""What storage counts for /metrics: every step change (by roadmap, new state and where it came
from) and every tap on a nudge's buttons (by what it asked for). Labels are bounded: the catalog's
roadmaps, four states, three sources, four kinds of tap."""

from __future__ import annotations

from prometheus_client import Counter

STEPS_CHANGED = Counter(
    "roadmap_bot_steps_changed_total",
    "Step changes written, by roadmap, new state and where they came from (chat, page, import).",
    ["roadmap", "state", "source"],
)
NUDGE_TAPS = Counter(
    "roadmap_bot_nudge_taps_total",
    "Taps on a nudge's buttons, by what they asked for: mark (a conversion), open, later, stop.",
    ["action"],
)
