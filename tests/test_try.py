"""`roadmap-bot try` driven through a pseudo-terminal: keys in, the screen read back."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

from tests.process import ROADMAP_BOT, environment


class Terminal:
    """A program on a pseudo-terminal: what it printed so far, and keys to type."""

    def __init__(self, *command: str, cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        self.screen = ""

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """Read until the screen (since the last prompt found) matches `pattern`."""
        deadline = time.monotonic() + timeout
        while (found := re.search(pattern, self.screen)) is None:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"never saw {pattern!r}; the screen ends:\n{self.screen[-2000:]}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                self.screen += os.read(self.master, 65536).decode(errors="replace")
        return found

    def type(self, line: str) -> None:
        """Type a line and clear what was read, so the next wait sees only the answer."""
        self.screen = ""
        os.write(self.master, line.encode() + b"\n")

    def button(self, label: str) -> str:
        """The number of the button with this label on the last message."""
        return self.wait_for(rf"\[(\d+)\] {re.escape(label)}")[1]

    def close(self) -> int:
        """Type /quit, see the goodbye, and return the exit status."""
        try:
            self.type("/quit")
            self.wait_for("Bye.")
            return self.process.wait(timeout=30)
        finally:
            os.close(self.master)


def test_try_reaches_a_step_card_and_marks_it_done(tmp_path: Path) -> None:
    env = environment(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'try.sqlite3'}", TERM="dumb")
    terminal = Terminal(ROADMAP_BOT, "try", cwd=tmp_path, env=env)
    try:
        terminal.wait_for("Welcome!")
        terminal.type(terminal.button("Backend Engineer (AI era) · 10 steps"))
        terminal.wait_for(r"0% · 0 of 10 steps done")
        terminal.type(terminal.button("⬜ 1. A typed language + git"))
        terminal.wait_for("Step 1 of 10")
        terminal.type(terminal.button("✅ Mark done"))
        terminal.wait_for("➜ ✅ Marked done")
        terminal.wait_for(r"State: ✅ Done on .*\n10% · 1 of 10 steps done")
        terminal.type("/progress")
        terminal.wait_for("10% · 1 of 10 steps done")
    finally:
        assert terminal.close() == 0


def test_try_shows_roadmaps_from_a_directory_and_refuses_broken_ones(tmp_path: Path) -> None:
    (tmp_path / "draft.yaml").write_text(
        "id: draft\ntitle: My draft roadmap\nsummary: Trying it out.\n"
        "signals: {importance: high, market_demand: low, automation_risk: low}\n"
        "steps:\n  - id: first\n    title: First things\n    summary: Start here.\n"
        "    signals: {importance: high, market_demand: low, automation_risk: low}\n",
        encoding="utf-8",
    )
    env = environment(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'try.sqlite3'}")
    terminal = Terminal(ROADMAP_BOT, "try", "--roadmaps", str(tmp_path), cwd=tmp_path, env=env)
    try:
        terminal.type(terminal.button("My draft roadmap · 1 step"))
        terminal.wait_for("First things")
    finally:
        assert terminal.close() == 0

    (tmp_path / "broken.yaml").write_text("id: broken\n", encoding="utf-8")
    result = subprocess.run(
        [ROADMAP_BOT, "try", "--roadmaps", str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1 and "broken.yaml: title: is missing" in result.stderr
