"""`roadmap-bot try` driven through a pseudo-terminal: keys in, the screen read back."""

from __future__ import annotations

import datetime as dt
import os
import pty
import re
import select
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

from tests.process import ROADMAP_BOT, environment, roadmap_bot


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
        # The first reminder's question is the last message now: the card's buttons by its number.
        card = terminal.wait_for(r"─ #(\d+)\r?\n🗺 Backend Engineer \(AI era\) · Step 1 of 10")[1]
        terminal.wait_for("When should I nudge you")
        step_2 = terminal.button("Step 2 ▶")
        terminal.type(f"#{card} {step_2}")
        terminal.wait_for("Step 2 of 10")
        terminal.type(f"#{card} 99")
        terminal.wait_for(f"No button 99 on message #{card}.")
        terminal.type("#99 1")
        terminal.wait_for("No message #99.")
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


def mark_the_first_step_done(terminal: Terminal) -> None:
    """Open the seed roadmap, its first step, and mark it done."""
    terminal.wait_for("Welcome!")
    terminal.type(terminal.button("Backend Engineer (AI era) · 10 steps"))
    terminal.type(terminal.button("⬜ 1. A typed language + git"))
    terminal.type(terminal.button("✅ Mark done"))
    terminal.wait_for("➜ ✅ Marked done")


def step_states(path: Path) -> list[tuple[int, str, str]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT chat_id, step_id, state FROM step_states").fetchall()


def test_try_leaves_the_database_of_the_folder_s_env_file_untouched(tmp_path: Path) -> None:
    production = tmp_path / "production.sqlite3"
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite+aiosqlite:///{production}\n", encoding="utf-8")
    assert roadmap_bot("db", "upgrade", cwd=tmp_path).returncode == 0  # the .env's database, as `run` makes it
    before = production.read_bytes()

    terminal = Terminal(ROADMAP_BOT, "try", cwd=tmp_path, env=environment(TERM="dumb"))
    try:
        first = terminal.wait_for(r"^([^\r\n]*)\r?\n")[1]
        assert first.startswith("Database: a scratch one at ") and "--database URL" in first, first
        scratch = Path(first.removeprefix("Database: a scratch one at ").split(", deleted")[0])
        mark_the_first_step_done(terminal)
        assert step_states(scratch) == [(1, "typed-language-and-git", "done")]
    finally:
        assert terminal.close() == 0
    assert production.read_bytes() == before, "not a byte of the .env's database changed"
    assert step_states(production) == []
    assert not scratch.exists(), "the scratch database is gone at the end"
    assert sorted(path.name for path in tmp_path.iterdir()) == [".env", "production.sqlite3"]


def test_try_uses_the_database_it_is_told_and_a_dry_run_shows_the_nudge_it_would_send(tmp_path: Path) -> None:
    mine = tmp_path / "mine.sqlite3"
    url = f"sqlite+aiosqlite:///{mine}"
    terminal = Terminal(ROADMAP_BOT, "try", "--database", url, cwd=tmp_path, env=environment(TERM="dumb"))
    try:
        terminal.wait_for(f"Database: {re.escape(url)} \\(as --database says\\)")
        mark_the_first_step_done(terminal)
    finally:
        assert terminal.close() == 0
    assert step_states(mine) == [(1, "typed-language-and-git", "done")]

    before = mine.read_bytes()
    week_on = (
        dt.datetime.now(dt.UTC) + dt.timedelta(days=9)
    ).isoformat()  # past the first reminder, whatever its day and hour
    dry = roadmap_bot("nudge", "--dry-run", "--at", week_on, cwd=tmp_path, DATABASE_URL=url)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0] == "chat 1: Backend Engineer (AI era) → HTTP & REST APIs"
    message = "\n".join(lines[1:-1])
    assert "    ⏰ Your next step in Backend Engineer (AI era)\n    \n    HTTP & REST APIs\n" in message
    assert "10% · 1 of 10 steps done" in message and "<b>" not in message
    assert "    [✅ Mark done]  [📖 Open]" in message
    assert lines[-1].startswith("1 chat(s) due at ") and lines[-1].endswith("dry run, nothing sent")
    assert mine.read_bytes() == before, "a dry run changes nothing"


def test_try_shares_a_location_sends_a_file_and_replies_to_a_card(tmp_path: Path) -> None:
    """Each of these is in the help line, and each does what it does in a chat."""
    env = environment(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'try.sqlite3'}", TERM="dumb")
    terminal = Terminal(ROADMAP_BOT, "try", cwd=tmp_path, env=env)
    try:
        help_line = terminal.wait_for(r"Type a number.*ends\.")[0]
        assert "@52.52,13.40 shares a location" in help_line and "< path/to/file.json sends a file" in help_line
        assert "> text replies to the last message" in help_line
        terminal.wait_for(r"Pick a roadmap to begin:[\s\S]*\n> ")
        terminal.type("@55.75,37.62")  # Moscow, typed as coordinates
        terminal.wait_for(r"Your time zone is now Europe/Moscow\.")
        terminal.type(terminal.button("📚 All roadmaps"))
        terminal.type(terminal.button("Backend Engineer (AI era) · 10 steps"))
        terminal.type(terminal.button("⬜ 1. A typed language + git"))
        card = terminal.wait_for(r"#(\d+)\s+🗺 Backend Engineer \(AI era\) · Step 1 of 10")[1]
        terminal.type(terminal.button("✅ Mark done"))
        terminal.wait_for(r"Until you choose, every \w+ at 19:00 \(Europe/Moscow\)")
        terminal.type(f">#{card} Start with the Go tour")
        terminal.wait_for("📝 Saved your note")

        terminal.type("/export")
        exported = terminal.wait_for(r"saved to (\S+\.json)")[1]
        terminal.type("/reset")
        terminal.type(terminal.button("↩️ Backend Engineer (AI era)"))
        terminal.type(f"< {exported}")
        terminal.wait_for(r"📥 (Imported\.|This file has:)")  # received, downloaded and read
        terminal.type("< /nowhere/file.json")
        terminal.wait_for("No file at /nowhere/file.json.")
        terminal.type(">#999 hello")
        terminal.wait_for("No message #999.")
    finally:
        assert terminal.close() == 0


def test_the_location_keyboard_in_try_offers_typed_coordinates_and_does_not_crash(tmp_path: Path) -> None:
    env = environment(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'try.sqlite3'}", TERM="dumb")
    terminal = Terminal(ROADMAP_BOT, "try", cwd=tmp_path, env=env)
    try:
        terminal.wait_for("Welcome!")
        terminal.type(terminal.button("Backend Engineer (AI era) · 10 steps"))
        terminal.type(terminal.button("⬜ 1. A typed language + git"))
        terminal.type(terminal.button("✅ Mark done"))
        terminal.type(terminal.button("🌍 My time zone…"))
        terminal.type(terminal.button("📍 Use my location"))
        terminal.wait_for(r"⌨ 📍 Send my location \(type @latitude,longitude\)")
        terminal.type("@35.68, 139.69")  # Tokyo
        terminal.wait_for(r"Your time zone is now Asia/Tokyo\.")
        terminal.wait_for(r"every \w+ at 19:00 \(Asia/Tokyo\)")
    finally:
        assert terminal.close() == 0
