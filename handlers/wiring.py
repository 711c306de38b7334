"""Which handler answers which update: the table of contents of the conversation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import announcements, chat_data, guide, languages, notes, reminders, roadmap, sharing, stats
from handlers.callback_data import accepts
from handlers.chat_events import note_presence, on_migration, on_my_membership
from handlers.context import BotContext, RoadmapApplication, pin_the_catalog
from handlers.errors import on_error
from handlers.observe import traced
from handlers.reminder_views import not_now_label
from i18n.catalogs import LANGUAGES, speaking

# New messages only: an edited "/start" is not a second request.
NEW_MESSAGES = filters.UpdateType.MESSAGE
# The group run before the handlers below, for every update.
BEFORE_ALL = -1

Callback = Callable[[Update, BotContext], Awaitable[Any]]


class ChatButtons(CallbackQueryHandler[BotContext, Any]):
    """One feature's buttons: taps in a chat whose data the codec decodes to one of its actions."""

    def __init__(self, callback: Callback, actions: tuple[type, ...]) -> None:
        super().__init__(traced(callback), pattern=accepts(*actions))

    def check_update(self, update: object) -> bool | object | None:
        """A tap with no chat (on an inline message) or no data (a game's button, which PTB lets
        every pattern match) is no feature's: the last handler answers it."""
        if not isinstance(update, Update) or update.effective_chat is None or update.callback_query is None:
            return False
        return bool(update.callback_query.data) and super().check_update(update)


def in_every_language(words: Callable[[], str]) -> list[str]:
    """What `words` says in each language the bot speaks (once each): a filter for a reply
    keyboard's button, whose label comes back as text in the chat's language."""
    said = []
    for language in LANGUAGES:
        with speaking(language):
            said.append(words())
    return list(dict.fromkeys(said))


def command(name: str, callback: Callback) -> CommandHandler[BotContext, Any]:
    """A /command in a new message."""
    return CommandHandler(name, traced(callback), filters=NEW_MESSAGES)


def message(kind: filters.BaseFilter, callback: Callback) -> MessageHandler[BotContext, Any]:
    """A new message of some kind."""
    return MessageHandler(NEW_MESSAGES & kind, traced(callback))


HANDLERS: tuple[BaseHandler[Any, BotContext, Any], ...] = (
    # Roadmaps and steps
    command("start", roadmap.start),
    command("roadmaps", roadmap.list_roadmaps),
    command("next", roadmap.show_next_step),
    command("progress", roadmap.show_progress),
    ChatButtons(roadmap.on_roadmap_button, roadmap.BUTTONS),
    # Reminders
    command("remind", reminders.remind),
    command("timezone", reminders.set_timezone),
    message(filters.LOCATION & filters.ChatType.PRIVATE, reminders.shared_location),
    message(filters.Text(in_every_language(not_now_label)) & filters.ChatType.PRIVATE, reminders.not_now),
    ChatButtons(reminders.on_reminder_button, reminders.BUTTONS),
    # Notes
    command("note", notes.note_command),
    message(filters.REPLY & filters.TEXT & ~filters.COMMAND, notes.note_from_reply),
    ChatButtons(notes.on_note_button, notes.BUTTONS),
    # Sharing
    command("card", sharing.progress_card),
    ChatButtons(sharing.on_share_button, sharing.BUTTONS),
    # The chat's data
    command("export", chat_data.export),
    command("import", chat_data.import_command),
    command("reset", chat_data.reset),
    command("forget", chat_data.forget),
    message(filters.Document.ALL, chat_data.receive_file),
    ChatButtons(chat_data.on_chat_data_button, chat_data.BUTTONS),
    # The operator's numbers (OPERATOR_CHAT_IDS only)
    command("stats", stats.stats_command),
    ChatButtons(stats.on_stats_button, stats.BUTTONS),
    # Announcements: the operator's /announce, and every learner's way to stop them
    command("announce", announcements.announce_command),
    ChatButtons(announcements.on_operator_button, announcements.OPERATOR_BUTTONS),
    ChatButtons(announcements.on_learner_button, announcements.LEARNER_BUTTONS),
    # The chat's language
    command("language", languages.language_command),
    ChatButtons(languages.on_language_button, languages.BUTTONS),
    # The chat itself: membership, a move to a supergroup
    ChatMemberHandler(traced(on_my_membership), ChatMemberHandler.MY_CHAT_MEMBER),
    MessageHandler(filters.StatusUpdate.MIGRATE, traced(on_migration)),
    # Help, and whatever nobody above understood
    command("help", guide.show_help),
    message(filters.COMMAND, guide.unknown_command),
    message(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, guide.plain_text),
    CallbackQueryHandler(traced(guide.on_stale_button)),
)


async def before_every_update(update: Update, context: BotContext) -> None:
    """For every update, before its handler: the catalog it works with, then the language it is
    answered in, then the chat's presence. One handler in one group, not a group each: the
    framework's turn through a group is paid on every update."""
    await pin_the_catalog(update, context)
    await languages.speak_the_chats_language(update, context)
    await note_presence(update, context)


def register(application: RoadmapApplication) -> None:
    """Add every handler and the error handler to an application."""
    application.add_handler(TypeHandler(Update, before_every_update), group=BEFORE_ALL)
    application.add_handlers(HANDLERS)
    application.add_error_handler(on_error)
