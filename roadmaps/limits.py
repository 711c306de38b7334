"""What a roadmap file may hold: the fields it knows and the limits of each, in one place."""

from __future__ import annotations

import re

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# A button's callback data carries a roadmap id, a step id, an action letter and two
# separators (or a page number), and Telegram caps it at 64 bytes; ids are ASCII slugs.
MAX_ID_PAIR_BYTES = 58
# A confirmation's button carries the roadmap id, when the question was asked and a fingerprint
# of what it was about (up to 18 more bytes), so a roadmap id alone is shorter still.
MAX_ROADMAP_ID_BYTES = 40

# Limits that keep every rendered card under Telegram's 4096 characters.
MAX_TITLE = 120
MAX_SUMMARY = 1000
MAX_RESOURCES = 5
MAX_URL = 300
MAX_STEPS = 200

# Limits that keep a step card readable on a phone (its first screen: title, summary, signals;
# why, done_when and practice behind More).
MAX_WHY = 220
MIN_DONE_WHEN = 2
MAX_DONE_WHEN = 4
MAX_DONE_WHEN_ITEM = 140
MAX_PRACTICE = 300
MAX_EFFORT_HOURS = 1000  # more than that is a typo, or a roadmap of its own
MAX_TOPIC = 40

# Below this many resources a step gets a warning: one dead link should leave another.
MIN_RESOURCES = 2

SIGNAL_NAMES = ("importance", "market_demand", "automation_risk")
ROADMAP_FIELDS = {"id", "title", "summary", "signals", "steps"}
STEP_FIELDS = {
    *("id", "title", "summary", "signals", "resources", "section", "formerly"),
    *("why", "done_when", "practice", "effort_hours", "topic"),
}
RESOURCE_FIELDS = {"title", "url"}
CHECK_FIELDS = {"id", "text", "formerly"}
MAX_CHECK_ID = 40
