"""/help, the command menu, and the answers to what the bot does not understand. Pure functions."""

from __future__ import annotations

from html import escape

from handlers.screens import Screen, quoted

# The commands, in the order /help and Telegram's menu show them.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Welcome and the roadmaps"),
    ("roadmaps", "All roadmaps"),
    ("next", "Your next step"),
    ("progress", "How far you are, streak and pace"),
    ("remind", "Weekly reminder: day, hour, pause"),
    ("timezone", "Your time zone, e.g. /timezone Europe/Berlin"),
    ("note", "A note on your current step"),
    ("card", "A picture of your progress to share"),
    ("export", "Progress and notes as Markdown and JSON files"),
    ("import", "Bring back an export: send its JSON file"),
    ("reset", "Start a roadmap over"),
    ("forget", "Delete everything about this chat"),
    ("language", "The language I speak here"),
    ("help", "How this bot works"),
)
# What the bot calls itself unless BOT_NAME says otherwise.
DEFAULT_BOT_NAME = "Roadmap bot"
# The menu button's label when it opens the roadmap page (WEBAPP_URL set).
PAGE_MENU_TEXT = "Roadmaps"
OUT_OF_DATE = "This button is out of date. Send /roadmaps to start again."
ONLY_IN_ITS_CHAT = "This button only works in the chat it was sent to."


def command_menu() -> list[tuple[str, str]]:
    """The commands and their descriptions in the language being spoken, for Telegram's menu."""
    return list(COMMANDS)


def bot_description(bot_name: str) -> str:
    """What Telegram shows in an empty chat with the bot (at most 512 characters)."""
    return (
        f"🗺 {bot_name} walks you through career roadmaps one step at a time: read what each step is "
        "and why it matters, mark it done, and get a weekly nudge toward the next one."
    )


def bot_short_description(bot_name: str) -> str:
    """What Telegram shows on the bot's profile and in shared links (at most 120 characters)."""
    return "Career roadmaps, one step at a time, with a weekly nudge."


def render_help(bot_name: str) -> Screen:
    """/help: what the bot does and every command it answers."""
    commands = "\n".join(f"/{name} · {escape(description)}" for name, description in COMMANDS)
    text = (
        f"🗺 <b>{escape(bot_name)}</b> walks you through career roadmaps step by step and keeps your "
        "progress in this chat (a group shares one).\n\n"
        f"{commands}\n\n"
        "Tap a step to read it, then ✅ Done · next ▶ (or Mark done, Working on it, Skip); "
        "🛠 More ▾ shows a practice task. Reply to a step card to keep a note on it.\n\n"
        "⏰ Once you mark a step, I nudge you weekly toward the next one, on the day and hour "
        "you started (UTC until you set /timezone)."
    )
    return Screen(text)


def render_hint() -> str:
    """The one-line answer to plain text."""
    return "I work with buttons and commands: try /roadmaps to pick a roadmap, or /help."


def render_unknown_command(command: str) -> str:
    """The one-line answer to a command the bot does not have."""
    return f"I don't know the command {quoted(command)}. Try /help to see what I can do."
