"""`python -m bench <name> [--quick]`, `python -m bench all [--quick]`, or
`python -m bench compare REF [NAME...] [--quick] [--rounds N]` (see bench/compare.py)."""

from __future__ import annotations

import importlib
import logging
import sys
import time

NAMES = ("taps", "nudges", "memory", "pacing", "startup", "fuzz", "stats", "growth", "scaleout", "announce")
USAGE = (
    f"usage: python -m bench {{{','.join(NAMES)},all}} [--quick]\n"
    "       python -m bench compare REF [NAME...] [--quick] [--rounds N]"
)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "compare":
        from bench.compare import main as compare

        return compare(argv[1:])
    if not argv or argv[0] not in (*NAMES, "all"):
        print(USAGE, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    names = NAMES if argv[0] == "all" else (argv[0],)
    lines = []
    for name in names:
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        line = importlib.import_module(f"bench.{name}").main(argv[1:])
        print(f"({time.perf_counter() - started:.0f} s)")
        print(line, flush=True)
        lines.append(line)
    if len(names) > 1:
        print("\n".join(["== all", *lines]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
