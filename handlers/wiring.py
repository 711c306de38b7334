"""Which handler answers which update: the table of contents of the conversation."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.buttons import on_button
from handlers.commands import (
    list_roadmaps,
    plain_text,
    show_help,
    show_next_step,
    show_progress,
    start,
    unknown_command,
)
from handlers.errors import on_error

# New messages only: an edited "/start" is not a second request.
NEW_MESSAGES = filters.UpdateType.MESSAGE


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add every handler and the error handler to an application."""
    application.add_handlers(
        [
            CommandHandler("start", start, filters=NEW_MESSAGES),
            CommandHandler("roadmaps", list_roadmaps, filters=NEW_MESSAGES),
            CommandHandler("next", show_next_step, filters=NEW_MESSAGES),
            CommandHandler("progress", show_progress, filters=NEW_MESSAGES),
            CommandHandler("help", show_help, filters=NEW_MESSAGES),
            CallbackQueryHandler(on_button),
            MessageHandler(NEW_MESSAGES & filters.COMMAND, unknown_command),
            MessageHandler(NEW_MESSAGES & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, plain_text),
        ]
    )
    application.add_error_handler(on_error)
