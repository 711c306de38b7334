"""Every benchmark still runs: each at a tiny size, through `python -m bench <name> --quick`,
and `python -m bench compare` runs them for a git revision and for the working tree.

Nothing here is timed: the figures are printed for people, and only their shape and the
counts that must hold at any speed (nothing lost, nothing twice) are checked.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import NAMES
from bench.compare import HEADLINES
from tests.process import environment

ROOT = Path(__file__).resolve().parent.parent
MUST_HOLD = {
    "taps": {"unanswered": "0"},
    "nudges": {"duplicates": "0"},
    "memory": {},
    "pacing": {"lost": "0", "duplicates": "0"},
    "startup": {},
    "fuzz": {"failures": "0"},
    "growth": {},
    "scaleout": {},
    "announce": {"duplicates": "0", "lost": "0"},
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
    if name in HEADLINES:  # what `bench compare` reads
        assert float(figures[HEADLINES[name].key]) > 0, last


COMPARED = re.compile(
    r"bench compare (?P<name>[a-z]+): ratio=(?P<ratio>\S+) ours=(?P<ours>\S+) ref=(?P<ref>\S+)"
    r" figure=[a-z_0-9]+ better=(higher|lower)"
)


def git(*args: str) -> subprocess.CompletedProcess[str]:
    """A git command in this checkout; the test is skipped outside one."""
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


def compare(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bench compare ...` in this checkout."""
    git("rev-parse", "HEAD")
    return subprocess.run(
        [sys.executable, "-m", "bench", "compare", *args],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=240,
    )


def checked_out_at(stdout: str) -> Path:
    """Where compare said it checked the revision out."""
    found = re.search(r"^ref: .*, checked out at (\S+)$", stdout, re.MULTILINE)
    assert found, stdout
    return Path(found[1])


def test_every_benchmark_but_fuzz_has_a_headline_figure_to_compare() -> None:
    assert set(HEADLINES) == set(NAMES) - {"fuzz"}


def test_compare_runs_both_sides_and_ends_each_benchmark_with_its_rounds_and_ratio() -> None:
    result = compare("HEAD", "nudges", "startup", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name in ("nudges", "startup"):
        [summary] = [line for line in lines if line.startswith(f"bench compare {name}:")]
        found = COMPARED.fullmatch(summary)
        assert found and found["name"] == name, summary
        ratio, ours, ref = float(found["ratio"]), float(found["ours"]), float(found["ref"])
        assert math.isfinite(ratio) and ratio > 0 and ours > 0 and ref > 0, summary
        assert lines[lines.index(summary) - 1].startswith("round 1: ref="), result.stdout
    tree = checked_out_at(result.stdout)
    assert not tree.exists() and str(tree) not in git("worktree", "list").stdout


def test_compare_runs_each_side_first_in_every_other_round() -> None:
    """A machine that drifts during the run favours neither side: ref goes first in odd rounds,
    ours in even ones, and each round's ratio still pairs the two runs of that round."""
    result = compare("HEAD", "startup", "--quick", "--rounds", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    order = re.findall(r"^round (\d)/3 (ref|ours) +startup: ", result.stdout, re.MULTILINE)
    assert order == [("1", "ref"), ("1", "ours"), ("2", "ours"), ("2", "ref"), ("3", "ref"), ("3", "ours")]
    assert len(re.findall(r"^round \d: ref=\S+ ours=\S+ ratio=", result.stdout, re.MULTILINE)) == 3


def test_compare_takes_another_figure_of_the_summary_line_when_asked() -> None:
    result = compare("HEAD", "startup", "--quick", "--figure", "import_s")
    assert result.returncode == 0, result.stdout + result.stderr
    [summary] = [line for line in result.stdout.splitlines() if line.startswith("bench compare startup:")]
    assert " figure=import_s " in summary and float(COMPARED.fullmatch(summary)["ours"]) > 0, summary  # type: ignore[index]
    assert re.search(r"^round 1/1 ours +startup: import_s=", result.stdout, re.MULTILINE), result.stdout


def test_a_revision_without_the_benchmark_is_reported_and_the_rest_goes_on() -> None:
    first = git("rev-list", "--max-parents=0", "HEAD").stdout.split()[-1]
    if git("cat-file", "-e", f"{first}:bench/nudges.py").returncode == 0:
        pytest.skip("a shallow clone: its first commit has benchmarks")
    result = compare(first, "nudges", "startup", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bench compare nudges: ref has no such benchmark" in result.stdout.splitlines()
    assert "bench compare startup: ref has no such benchmark" in result.stdout.splitlines()
    assert not checked_out_at(result.stdout).exists()
