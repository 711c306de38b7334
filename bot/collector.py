"""The garbage collector tuned for a process that turns over many short-lived objects.

A tap builds thousands of small objects (the update, the message Telegram sends back, the
keyboard) and drops them a moment later. With CPython's default thresholds the young generation
is collected every 700 new objects, several times a tap, and a full collection, which walks every
object the process holds, every few dozen taps: with 64 taps in flight those pauses were the
slowest one percent of taps (p99 about 250 ms with the database stubbed out, 65 to 90 ms
without them; docs/performance.md). Collecting the young generation every 50,000 objects keeps
the pauses short and rare; reference counting still frees almost everything at once, so memory
barely moves.
"""

from __future__ import annotations

import gc

# New objects between collections of the young generation, and how many of those (then of the
# middle one) before the older one is collected.
THRESHOLDS = (50_000, 20, 100)


def tune_collector() -> None:
    """Collect less often; for the bot's own process (`roadmap-bot run`) and the benchmarks."""
    gc.set_threshold(*THRESHOLDS)
