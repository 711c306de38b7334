"""Every benchmark still runs: each at a tiny size, through `python -m bench <name> --quick`.

Nothing here is timed: the figures are printed for people, and only their shape and the
counts that must hold at any speed (nothing lost, nothing twice) are checked.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.process import environment

ROOT = Path(__file__).resolve().parent.parent
MUST_HOLD = {
    "taps": {"unanswered": "0"},
    "nudges": {"duplicates": "0"},
    "memory": {},
    "pacing": {"lost": "0", "duplicates": "0"},
    "startup": {},
    "fuzz": {"failures": "0"},
}


@pytest.mark.parametrize("name", sorted(MUST_HOLD))
def test_the_benchmark_runs_and_ends_with_its_summary_line(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", name, "--quick"],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"bench {name}:( [a-z_0-9]+=\S+)+", last), last
    figures = dict(pair.split("=", 1) for pair in last.split(": ", 1)[1].split())
    for key, value in MUST_HOLD[name].items():
        assert figures[key] == value, last
