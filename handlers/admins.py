"""Who may reset, forget or replace a chat's progress: in a private chat its person, in a group
(or a channel) only the admins, since the progress belongs to everyone there.

One check, used by every such command and button; the handlers call it and stay thin.
"""

from __future__ import annotations

import logging

from telegram import Bot, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from handlers.chat_data_views import admins_only, check_failed
from handlers.context import BotContext
from handlers.replies import answer, reply

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


async def may_change_shared_progress(update: Update, context: BotContext) -> bool:
    """True when the sender may reset, forget or replace the chat's progress; otherwise the
    sender is told why in one line, and False."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    try:
        allowed = await sender_is_admin(update, context.bot)
    except TelegramError as error:
        log.warning("could not check the admins of chat %s: %s", chat.id, error)
        await _refuse(update, check_failed())
        return False
    if not allowed:
        await _refuse(update, admins_only())
    return allowed


async def sender_is_admin(update: Update, bot: Bot) -> bool:
    """Whether whoever sent the update is an owner or administrator of its chat (Telegram says).

    An anonymous admin posts as the group itself (sender_chat is the chat); a channel posting
    into the group is not an admin of it. Raises TelegramError when Telegram cannot tell.
    """
    chat, message = update.effective_chat, update.message
    assert chat is not None
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    member = await bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES


async def _refuse(update: Update, text: str) -> None:
    """Say no where the person is looking: on the tapped button, or in the chat."""
    if update.callback_query is not None:
        await answer(update.callback_query, text)
    else:
        await reply(update, text)
