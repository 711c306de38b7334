"""Which handler answers which update: the table of contents of the conversation."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.buttons import on_button
from handlers.chat_events import note_presence, on_migration, on_my_membership
from handlers.commands import (
    list_roadmaps,
    plain_text,
    remind,
    set_timezone,
    show_help,
    show_next_step,
    show_progress,
    start,
    unknown_command,
)
from handlers.errors import on_error

# New messages only: an edited "/start" is not a second request.
NEW_MESSAGES = filters.UpdateType.MESSAGE
# Runs before the handlers below, for every update.
BEFORE_ALL = -1


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add every handler and the error handler to an application."""
    application.add_handler(TypeHandler(Update, note_presence), group=BEFORE_ALL)
    application.add_handlers(
        [
            CommandHandler("start", start, filters=NEW_MESSAGES),
            CommandHandler("roadmaps", list_roadmaps, filters=NEW_MESSAGES),
            CommandHandler("next", show_next_step, filters=NEW_MESSAGES),
            CommandHandler("progress", show_progress, filters=NEW_MESSAGES),
            CommandHandler("remind", remind, filters=NEW_MESSAGES),
            CommandHandler("timezone", set_timezone, filters=NEW_MESSAGES),
            CommandHandler("help", show_help, filters=NEW_MESSAGES),
            CallbackQueryHandler(on_button),
            ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.StatusUpdate.MIGRATE, on_migration),
            MessageHandler(NEW_MESSAGES & filters.COMMAND, unknown_command),
            MessageHandler(NEW_MESSAGES & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, plain_text),
        ]
    )
    application.add_error_handler(on_error)
