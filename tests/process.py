"""Running the real `roadmap-bot` command, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.settings import Settings

ROADMAP_BOT = str(Path(sys.executable).with_name("roadmap-bot"))

# Settings an operator's shell might carry that must not leak into a test: every one there is.
_SETTINGS = tuple(name.upper() for name in Settings.model_fields)


def environment(**settings: str) -> dict[str, str]:
    """This process's environment without bot settings, plus the given ones."""
    env = {key: value for key, value in os.environ.items() if key not in _SETTINGS}
    env["PYTHONUNBUFFERED"] = "1"
    return {**env, **settings}


def roadmap_bot(*args: str, cwd: Path, timeout: float = 60, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run one `roadmap-bot` command to its end."""
    return subprocess.run(
        [ROADMAP_BOT, *args], cwd=cwd, env=environment(**settings), capture_output=True, text=True, timeout=timeout
    )
