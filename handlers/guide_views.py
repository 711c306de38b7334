"""/help, the command menu, and the answers to what the bot does not understand. Pure functions."""

from __future__ import annotations

from html import escape

from handlers.screens import Screen, quoted
from i18n.catalogs import N_, _

# The commands, in the order /help and Telegram's menu show them, each with its description
# (said through `_()`; Telegram allows 3 to 256 characters).
COMMANDS: tuple[tuple[str, str], ...] = (
    # Translators: the commands' descriptions in Telegram's menu and in /help; keep each one short.
    ("start", N_("Welcome and the roadmaps")),
    ("roadmaps", N_("All roadmaps")),
    ("next", N_("Your next step")),
    ("progress", N_("How far you are, streak and pace")),
    ("remind", N_("Weekly reminder: day, hour, pause")),
    # Translators: keep "/timezone Europe/Berlin" as it is (the command takes English zone names).
    ("timezone", N_("Your time zone, e.g. /timezone Europe/Berlin")),
    ("note", N_("A note on your current step")),
    ("card", N_("A picture of your progress to share")),
    ("export", N_("Progress and notes as Markdown and JSON files")),
    ("import", N_("Bring back an export: send its JSON file")),
    ("reset", N_("Start a roadmap over")),
    ("forget", N_("Delete everything about this chat")),
    ("language", N_("The language I speak here")),
    ("help", N_("How this bot works")),
)
# What the bot calls itself unless BOT_NAME says otherwise (a name, not translated).
DEFAULT_BOT_NAME = "Roadmap bot"
# The menu button's label when it opens the roadmap page (WEBAPP_URL set): the bot's one button
# for every chat says it in English (Telegram keeps no label per app language); a private chat
# that chose its language by /language gets a button of its own, in that language.
# Translators: the label of the chat's menu button that opens the roadmaps' page; keep it short.
PAGE_MENU_TEXT = N_("Roadmaps")


def out_of_date() -> str:
    """A tap on a button no feature answers (forged, or from an older version)."""
    # Translators: a toast; keep /roadmaps as it is.
    return _("This button is out of date. Send /roadmaps to start again.")


def only_in_its_chat() -> str:
    """A tap on a button of an inline message (no chat to answer in)."""
    return _("This button only works in the chat it was sent to.")


def command_menu() -> list[tuple[str, str]]:
    """The commands and their descriptions in the language being spoken, for Telegram's menu."""
    return [(name, _(description)) for name, description in COMMANDS]


def bot_description(bot_name: str) -> str:
    """What Telegram shows in an empty chat with the bot (at most 512 characters)."""
    # Translators: Telegram shows it in an empty chat with the bot (at most 512 characters);
    # %(bot_name)s is the bot's name.
    text = _(
        "🗺 %(bot_name)s walks you through career roadmaps one step at a time: read what each step is "
        "and why it matters, mark it done, and get a weekly nudge toward the next one."
    )
    return text % {"bot_name": bot_name}


def bot_short_description(bot_name: str) -> str:
    """What Telegram shows on the bot's profile and in shared links (at most 120 characters)."""
    # Translators: Telegram shows it on the bot's profile and in shared links (at most 120 characters).
    return _("Career roadmaps, one step at a time, with a weekly nudge.")


def render_help(bot_name: str) -> Screen:
    """/help: what the bot does and every command it answers."""
    commands = "\n".join(f"/{name} · {escape(description)}" for name, description in command_menu())
    # Translators: %(bot_name)s is the bot's name, %(commands)s the list of commands, one a line.
    # Keep the buttons' labels as the buttons say them, and /timezone as it is.
    text = _(
        "🗺 <b>%(bot_name)s</b> walks you through career roadmaps step by step and keeps your "
        "progress in this chat (a group shares one).\n\n"
        "%(commands)s\n\n"
        "Tap a step to read it, then ✅ Done · next ▶ (or Mark done, Working on it, Skip); "
        "🛠 More ▾ shows a practice task. Reply to a step card to keep a note on it.\n\n"
        "⏰ When you mark your first step, I ask when to nudge you each week toward the next one, "
        "in your own time zone; /remind changes the days and hour, /timezone the zone."
    )
    return Screen(text % {"bot_name": escape(bot_name), "commands": commands})


def render_hint() -> str:
    """The one-line answer to plain text."""
    # Translators: keep /roadmaps and /help as they are.
    return _("I work with buttons and commands: try /roadmaps to pick a roadmap, or /help.")


def render_unknown_command(command: str) -> str:
    """The one-line answer to a command the bot does not have."""
    # Translators: %(command)s is the command the person sent, such as /frobnicate; keep /help as it is.
    return _("I don't know the command %(command)s. Try /help to see what I can do.") % {"command": quoted(command)}
