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
    progress_card,
    remind,
    set_timezone,
    show_help,
    show_next_step,
    show_progress,
    start,
    unknown_command,
)
from handlers.data import export, forget, import_command, receive_file, reset
from handlers.errors import on_error
from handlers.notes import note_command, note_from_reply
from handlers.observe import traced

# New messages only: an edited "/start" is not a second request.
NEW_MESSAGES = filters.UpdateType.MESSAGE
# Runs before the handlers below, for every update.
BEFORE_ALL = -1


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add every handler and the error handler to an application."""
    application.add_handler(TypeHandler(Update, note_presence), group=BEFORE_ALL)
    application.add_handlers(
        [
            CommandHandler("start", traced(start), filters=NEW_MESSAGES),
            CommandHandler("roadmaps", traced(list_roadmaps), filters=NEW_MESSAGES),
            CommandHandler("next", traced(show_next_step), filters=NEW_MESSAGES),
            CommandHandler("progress", traced(show_progress), filters=NEW_MESSAGES),
            CommandHandler("remind", traced(remind), filters=NEW_MESSAGES),
            CommandHandler("timezone", traced(set_timezone), filters=NEW_MESSAGES),
            CommandHandler("note", traced(note_command), filters=NEW_MESSAGES),
            CommandHandler("card", traced(progress_card), filters=NEW_MESSAGES),
            CommandHandler("export", traced(export), filters=NEW_MESSAGES),
            CommandHandler("import", traced(import_command), filters=NEW_MESSAGES),
            CommandHandler("reset", traced(reset), filters=NEW_MESSAGES),
            CommandHandler("forget", traced(forget), filters=NEW_MESSAGES),
            CommandHandler("help", traced(show_help), filters=NEW_MESSAGES),
            CallbackQueryHandler(traced(on_button)),
            ChatMemberHandler(traced(on_my_membership), ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.StatusUpdate.MIGRATE, traced(on_migration)),
            MessageHandler(NEW_MESSAGES & filters.COMMAND, traced(unknown_command)),
            MessageHandler(NEW_MESSAGES & filters.REPLY & filters.TEXT, traced(note_from_reply)),
            MessageHandler(NEW_MESSAGES & filters.Document.ALL, traced(receive_file)),
            MessageHandler(NEW_MESSAGES & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, traced(plain_text)),
        ]
    )
    application.add_error_handler(on_error)
