"""What the chat does besides talking to us: being there, blocking us, becoming a supergroup."""

from __future__ import annotations

from telegram import ChatMember, Update

from handlers.actions import PauseReminders, SetStepState, ShowSnoozeChoices, ShowStep, SnoozeReminder
from handlers.callback_data import decode
from handlers.context import BotContext
from handlers.languages import first_language_of_group
from handlers.reminders import is_a_nudge
from progress import ReminderStatus


async def note_presence(update: Update, context: BotContext) -> None:
    """Any update from a chat counts as an answer to its nudges, and brings stopped reminders back."""
    chat = update.effective_chat
    if chat is None or update.my_chat_member is not None:
        return  # membership changes have their own handler
    services = context.services
    services.presence.note(chat.id, services.clock())
    query = update.callback_query
    if query is not None and is_a_nudge(query.message) and (action := nudge_action(query.data)) is not None:
        services.presence.note_nudge_tap(chat.id, services.clock(), action)


def nudge_action(data: str | None) -> str | None:
    """What a tap on a nudge's button asked for: `mark` the step (a conversion), `open` it, put the
    nudge off (`later`) or `stop` reminders; None for anything else."""
    match decode(data):
        case SetStepState():
            return "mark"
        case ShowStep():
            return "open"
        case ShowSnoozeChoices() | SnoozeReminder():
            return "later"
        case PauseReminders():
            return "stop"
    return None


async def on_my_membership(update: Update, context: BotContext) -> None:
    """The bot was blocked, kicked or removed (reminders stop) or let back in (they resume)."""
    change, chat = update.my_chat_member, update.effective_chat
    if change is None or chat is None:
        return
    services = context.services
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        services.presence.forget(chat.id)
        await services.storage.reminders.stop_reminders(chat.id, ReminderStatus.BLOCKED, services.clock())
    else:
        await services.storage.chats.note_presence({chat.id: services.clock()})
        await first_language_of_group(update, services.storage.languages, services.clock())


async def on_migration(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its progress and reminder move to the new chat id."""
    message = update.effective_message
    if message is None:
        return
    chats = context.services.storage.chats
    if message.migrate_to_chat_id:
        await chats.move_chat(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await chats.move_chat(message.migrate_from_chat_id, message.chat.id)
