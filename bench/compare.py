"""compare: a git revision's benchmarks against the working tree's, in turns, in one run.

`python -m bench compare REF [NAME...] [--quick] [--rounds N] [--figure KEY]` checks REF out into a temporary
git worktree and runs `python -m bench NAME` there and here in turns, each side first in every
other round (ref, ours; ours, ref; ref, ours...), each side in its own tree with that tree first
on the import path, so each runs its own code. A busy machine slows the rounds next to each other
alike, and a machine that speeds up or slows down as the run goes on favours neither side; the
median of each side's rounds speaks. For each benchmark it prints every round, then

    bench compare <name>: ratio=<ours/ref> ours=<median> ref=<median> figure=<key> better=<higher|lower>

where ratio > 1 means the working tree does better, whatever the unit (for a figure where lower
is better, the ratio is ref/ours). Only the standard library here: the benchmarks' own imports
belong to the trees being compared.
"""

from __future__ import annotations

import argparse
import compileall
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

OURS = Path(__file__).resolve().parent.parent  # the working tree this module belongs to
STDERR_TAIL = 25  # lines of a failed run's stderr that are shown
STOP_WAIT = 15.0  # seconds a stopped benchmark gets to end its own child processes


@dataclass(frozen=True)
class Headline:
    """The figure of a benchmark's summary line that speaks for it, and which way is better."""

    key: str
    higher_is_better: bool
    meaning: str

    def ratio(self, ours: float, ref: float) -> float:
        """Ours against ref, > 1 when ours is better."""
        return ours / ref if self.higher_is_better else ref / ours


# One headline per benchmark: the key of its `bench <name>: key=value ...` line. fuzz has none:
# its input is generated anew each run, so two runs' times do not compare.
HEADLINES = {
    "taps": Headline("ratio", True, "taps/s through the whole bot over the framework's floor, SQLite"),
    "nudges": Headline("nudges_per_s", True, "due nudges claimed, rendered, sent and recorded a second"),
    "memory": Headline("big_mib", False, "peak RSS in MiB over the big database (1,000,000 chats)"),
    "pacing": Headline("ratio", True, "nudges a second over the 30 a second the stub takes, SQLite"),
    "startup": Headline("first_poll_s", False, "seconds from `roadmap-bot run` to its first getUpdates"),
    "announce": Headline("ratio", True, "announcements a second over the limit the stub takes, SQLite"),
    "stats": Headline("seconds", False, "seconds of roadmap-bot stats over 1,000,000 chats, SQLite"),
    "growth": Headline("tap_ratio", False, "a tap's CPU at the largest size over the smallest, SQLite"),
    "scaleout": Headline("efficiency", True, "taps per CPU-second, two instances against one"),
}
LONG = ("stats", "growth", "scaleout")  # long runs (tens of minutes): compared only when named


@dataclass(frozen=True)
class Side:
    """One tree under comparison."""

    label: str  # "ref" or "ours"
    tree: Path

    def environment(self) -> dict[str, str]:
        """This process's environment with the tree first on the import path.

        PYTHONPATH comes before site-packages, and setuptools' editable finder is appended to
        sys.meta_path after the path finder, so the tree's packages win over the installed
        project, also in the `roadmap-bot` processes a benchmark starts from a scratch directory.
        """
        inherited = os.environ.get("PYTHONPATH")
        path = str(self.tree) if not inherited else os.pathsep.join((str(self.tree), inherited))
        return {**os.environ, "PYTHONPATH": path}


@dataclass
class Comparison:
    """One benchmark's rounds, both sides."""

    name: str
    headline: Headline
    ref: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    problem: str = ""  # why it stopped, if it did
    failed: bool = False
    changed: list[str] = field(default_factory=list)  # the benchmark's own files that differ between the sides

    def report(self) -> list[str]:
        """The rounds, then the summary line."""
        lines = [f"== compare {self.name}: {self.headline.key}, {self.headline.meaning}; {self._better} is better"]
        if self.changed:
            lines.append(f"note: the benchmark itself differs between ref and ours ({', '.join(self.changed)})")
        for number, (ref, ours) in enumerate(zip(self.ref, self.ours, strict=False), start=1):
            ratio = self.headline.ratio(ours, ref)
            lines.append(f"round {number}: ref={_figure(ref)} ours={_figure(ours)} ratio={ratio:.3f}")
        if self.problem:
            lines.append(f"bench compare {self.name}: {self.problem}")
        else:
            ours, ref = statistics.median(self.ours), statistics.median(self.ref)
            lines.append(
                f"bench compare {self.name}: ratio={self.headline.ratio(ours, ref):.3f} "
                f"ours={_figure(ours)} ref={_figure(ref)} figure={self.headline.key} better={self._better}"
            )
        return lines

    @property
    def _better(self) -> str:
        return "higher" if self.headline.higher_is_better else "lower"


class BenchmarkFailed(Exception):
    """A run that did not end with a usable summary line."""


def _headline(name: str, figure: str | None) -> Headline:
    """What a benchmark is compared by: its headline, or another figure of its summary line."""
    headline = HEADLINES[name]
    if figure is None:
        return headline
    return Headline(figure, headline.higher_is_better, f"{figure} of {name}'s summary line")


def _figure(value: float) -> str:
    return f"{value:.4g}"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench compare",
        description="Run benchmarks for a git revision and for the working tree in turns; ratio > 1 is better.",
    )
    parser.add_argument("ref", metavar="REF", help="a git revision: a commit, HEAD, a tag, a branch")
    parser.add_argument(
        "names", metavar="NAME", nargs="*", help=f"of {', '.join(HEADLINES)} (default: all but {', '.join(LONG)})"
    )
    parser.add_argument("--quick", action="store_true", help="the benchmarks' tiny runs (one round by default)")
    parser.add_argument("--rounds", type=int, help="runs of each side (default: 3, or 1 with --quick)")
    parser.add_argument(
        "--figure",
        metavar="KEY",
        help="another key of the summary line to compare, better the same way as the headline (taps: pg_ratio)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in HEADLINES]
    if unknown:
        parser.error(f"no figure to compare for {', '.join(unknown)} (choose from {', '.join(HEADLINES)})")
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    names = list(dict.fromkeys(args.names)) or [name for name in HEADLINES if name not in LONG]
    commit = _resolve(args.ref)
    if commit is None:
        print(f"bench compare: {args.ref!r} is not a commit of this repository", file=sys.stderr)
        return 2
    try:
        with _terminated_as_exit():
            return _compare(args.ref, commit, names, rounds, args.quick, args.figure)
    except KeyboardInterrupt:
        print("\nbench compare: interrupted; the ref worktree is removed", file=sys.stderr)
        return 130


def _compare(ref: str, commit: str, names: list[str], rounds: int, quick: bool, figure: str | None = None) -> int:
    """Check REF out, run the rounds, print the report; the exit status."""
    with checked_out(commit) as ref_tree:
        sides = (Side("ref", ref_tree), Side("ours", OURS))
        print(f"ref: {ref} = {_describe(commit)}, checked out at {ref_tree}")
        print(f"ours: the working tree {OURS} ({_describe('HEAD')}{_dirty()})")
        print(f"{rounds} round(s), ref first in odd ones{', --quick' if quick else ''}; {_load()}", flush=True)
        for side in sides:
            wrong = foreign_imports(side)
            if wrong:
                print(f"bench compare: {side.label} would not run its own code: {wrong}", file=sys.stderr)
                return 1
            compileall.compile_dir(side.tree, quiet=1, rx=re.compile(r"[/\\][.]"))  # no first-run penalty
        comparisons = [Comparison(name, _headline(name, figure)) for name in names]
        for comparison in comparisons:
            if not (ref_tree / "bench" / f"{comparison.name}.py").is_file():
                comparison.problem = "ref has no such benchmark"
                continue
            comparison.changed = changed_since(commit, [f"bench/{comparison.name}.py", "bench/common.py"])
            run_rounds(comparison, sides, rounds, quick)
    print(f"done; {_load()}\n", flush=True)
    for comparison in comparisons:
        print("\n".join(comparison.report()))
    return 1 if any(comparison.failed for comparison in comparisons) else 0


def run_rounds(comparison: Comparison, sides: Sequence[Side], rounds: int, quick: bool) -> None:
    """Ref then ours in odd rounds, ours then ref in even ones; a failure on either side ends this
    benchmark's rounds."""
    for number in range(1, rounds + 1):
        for side in sides if number % 2 else sides[::-1]:
            started = time.perf_counter()
            print(f"round {number}/{rounds} {side.label:4} {comparison.name}: ", end="", flush=True)
            try:
                figure = run_benchmark(side, comparison.name, comparison.headline.key, quick)
            except BenchmarkFailed as failure:
                print(f"FAILED\n{failure}", flush=True)
                comparison.problem, comparison.failed = f"failed on {side.label}", True
                return
            print(f"{comparison.headline.key}={_figure(figure)} ({time.perf_counter() - started:.0f} s)", flush=True)
            getattr(comparison, side.label).append(figure)


def run_benchmark(side: Side, name: str, key: str, quick: bool) -> float:
    """`python -m bench NAME` in the side's tree; the figure `key` of its summary line."""
    command = [sys.executable, "-m", "bench", name, *(["--quick"] if quick else [])]
    returncode, stdout, stderr = _run(command, cwd=side.tree, env=side.environment())
    if returncode != 0:
        shown = " ".join(["python", *command[1:]])
        raise BenchmarkFailed(f"`{shown}` in {side.tree} exited {returncode}:\n{_tail(stderr, stdout)}")
    summary = [line for line in stdout.splitlines() if line.startswith(f"bench {name}: ")]
    if not summary:
        raise BenchmarkFailed(f"no `bench {name}:` line in its output:\n{_tail(stderr, stdout)}")
    figures = dict(pair.split("=", 1) for pair in summary[-1].split(": ", 1)[1].split() if "=" in pair)
    try:
        figure = float(figures[key])
    except (KeyError, ValueError):
        raise BenchmarkFailed(f"no number for {key} in its summary line: {summary[-1]}") from None
    if not math.isfinite(figure) or figure <= 0:
        raise BenchmarkFailed(f"{key} is not a positive number in its summary line: {summary[-1]}")
    return figure


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run to the end in a process group of its own, which is ended whole if we are stopped.

    A benchmark starts processes of its own (`roadmap-bot run`); stopping only the benchmark
    would leave them polling a stub that is gone.
    """
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate()
    except BaseException:
        _end_group(process)
        raise
    return process.returncode, stdout, stderr


def _end_group(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the process's group, then SIGKILL to whatever of it is left."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=STOP_WAIT)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the group may outlive its leader
    process.communicate()


def _tail(stderr: str, stdout: str) -> str:
    lines = (stderr.strip() or stdout.strip()).splitlines()[-STDERR_TAIL:]
    return "\n".join(f"    {line}" for line in lines)


def foreign_imports(side: Side) -> dict[str, str]:
    """The tree's top-level packages that a process of this side would import from elsewhere.

    Asked from a neutral directory, as the `roadmap-bot` processes a benchmark starts are.
    """
    packages = sorted(p.parent.name for p in side.tree.glob("*/__init__.py"))
    probe = (
        "import importlib.util, sys\n"
        "for name in sys.argv[1:]:\n"
        "    spec = importlib.util.find_spec(name)\n"
        "    print(name, spec.origin if spec else None)\n"
    )
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-probe-") as neutral:
        result = subprocess.run(
            [sys.executable, "-c", probe, *packages],
            cwd=neutral,
            env=side.environment(),
            capture_output=True,
            text=True,
            check=True,
        )
    origins = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    return {name: origin for name, origin in origins.items() if not origin.startswith(f"{side.tree}{os.sep}")}


@contextmanager
def checked_out(commit: str) -> Iterator[Path]:
    """A detached git worktree of `commit` in a temporary directory, removed afterwards whatever happens."""
    holder = Path(tempfile.mkdtemp(prefix="roadmap-bench-ref-"))
    tree = holder / "tree"
    try:
        _git("worktree", "add", "--detach", "--quiet", str(tree), commit)
        yield tree
    finally:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C must not leave it half removed
        try:
            subprocess.run(["git", "-C", str(OURS), "worktree", "remove", "--force", str(tree)], capture_output=True)
            shutil.rmtree(holder, ignore_errors=True)
            subprocess.run(["git", "-C", str(OURS), "worktree", "prune"], capture_output=True)
        finally:
            signal.signal(signal.SIGINT, previous)


@contextmanager
def _terminated_as_exit() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl+C, so the worktree and the benchmark's processes are cleaned up."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _git(*args: str) -> str:
    result = subprocess.run(["git", "-C", str(OURS), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def _resolve(revision: str) -> str | None:
    result = subprocess.run(
        ["git", "-C", str(OURS), "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def changed_since(commit: str, paths: Sequence[str]) -> list[str]:
    """Those of `paths` that differ between `commit` and the working tree."""
    return [path for path in paths if _git("diff", "--name-only", commit, "--", path)]


def _load() -> str:
    """The machine's load, to read the figures by: on a busy machine rounds spread wider."""
    return f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs"


def _describe(revision: str) -> str:
    return _git("log", "-1", "--format=%h %ad %s", "--date=short", revision)


def _dirty() -> str:
    return ", with uncommitted changes" if _git("status", "--porcelain", "--untracked-files=no") else ""
