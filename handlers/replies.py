"""Putting a screen in front of the chat: edit in place for buttons, reply for commands."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, InvalidToken
from telegram.warnings import PTBUserWarning

from handlers.screens import Screen, SharedLinkPreview, api_value
from handlers.telegram_errors import Failure, classify

log = logging.getLogger(__name__)

# Edits (and the nudge's message) go through Bot.do_api_request, which sends the same call as
# Message.edit_text (Bot.send_message) but hands back Telegram's answer as it came: those parse it
# into a Message, a fifth of a tap's CPU and a third of a nudge pass's (docs/performance.md), and
# nothing reads it. python-telegram-bot warns that a method exists for the call; here that is
# known and meant.
warnings.filterwarnings(
    "ignore", r"Please use 'Bot\.(editMessage(Text|ReplyMarkup)|sendMessage|sendPhoto)'", PTBUserWarning
)

# Every message is HTML without link previews (a step's resources would unfold under its card);
# every caption is HTML. Each call says so itself: python-telegram-bot's Defaults would say it for
# all, but it walks every field of every call to merge them in, a twentieth of a tap's CPU
# (docs/performance.md).
NO_LINK_PREVIEW = SharedLinkPreview(is_disabled=True)
AS_HTML: Mapping[str, Any] = MappingProxyType({"parse_mode": ParseMode.HTML, "link_preview_options": NO_LINK_PREVIEW})
CAPTION_AS_HTML: Mapping[str, Any] = MappingProxyType({"parse_mode": ParseMode.HTML})
# AS_HTML as do_api_request's fields take it: the options as their JSON text.
_HTML_FIELDS: Mapping[str, Any] = MappingProxyType({**AS_HTML, "link_preview_options": api_value(NO_LINK_PREVIEW)})


async def show(update: Update, screen: Screen) -> None:
    """Edit the message a tapped button sits on, or send the screen as a new message; then send
    the message that comes after it, if it has one."""
    await _show(update, screen)
    if screen.then is not None and update.effective_chat is not None:
        await update.effective_chat.send_message(screen.then.text, reply_markup=screen.then.keyboard, **AS_HTML)


async def _show(update: Update, screen: Screen) -> None:
    """Edit the message a tapped button sits on, or send the screen as a new message."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message) and screen.edits_in_place:
        try:
            await _edit_text(query.message, screen)
            return
        except BadRequest as error:
            failure = classify(error)
            if failure is Failure.NOT_MODIFIED:
                return
            if failure is not Failure.CANNOT_EDIT:
                raise
            log.info("cannot edit message %s, sending a new one: %s", query.message.message_id, error.message)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(screen.text, reply_markup=screen.keyboard, **AS_HTML)


async def edit(message: Message, screen: Screen) -> None:
    """Change one of our messages in place; an unchanged or uneditable one is left as it is."""
    assert screen.edits_in_place, "a keyboard under the input field comes with a new message"
    try:
        await _edit_text(message, screen)
    except BadRequest as error:
        if classify(error) not in (Failure.NOT_MODIFIED, Failure.CANNOT_EDIT):
            raise


async def _edit_text(message: Message, screen: Screen) -> None:
    """Put the screen's text and buttons in place of the message's (no buttons: none left)."""
    await _edit(message, "editMessageText", **_text_fields(screen))


async def send_unread(bot: Bot, chat_id: int, screen: Screen) -> None:
    """Send the screen as a new message, Telegram's answer left unread (the nudge reads nothing of it)."""
    await _unread(bot, "sendMessage", {"chat_id": chat_id, **_text_fields(screen)})


async def _unread(bot: Bot, method: str, fields: dict[str, Any]) -> None:
    """One Bot API call through do_api_request, its answer left unread. do_api_request reads
    Telegram's 401/404 (a token Telegram refuses) as a method it does not know; these methods
    exist, so the token's own error is raised, as the named methods would."""
    try:
        await bot.do_api_request(method, fields)
    except EndPointNotFound as error:
        if isinstance(error.__cause__, InvalidToken):
            raise error.__cause__ from None
        raise


def _text_fields(screen: Screen) -> dict[str, Any]:
    """A message's text and buttons as the Bot API takes them, HTML without link previews (AS_HTML)."""
    fields: dict[str, Any] = {"text": screen.text, **_HTML_FIELDS}
    if screen.keyboard is not None:
        fields["reply_markup"] = api_value(screen.keyboard)
    return fields


async def _edit(message: Message, method: str, **fields: Any) -> None:
    """One of Telegram's edit calls on the message, its answer left unread."""
    await _unread(message.get_bot(), method, {"chat_id": message.chat_id, "message_id": message.message_id, **fields})


async def edit_buttons(update: Update, markup: InlineKeyboardMarkup) -> None:
    """Change only the buttons of the message a tapped button sits on (its text stays as sent)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    try:
        await _edit(query.message, "editMessageReplyMarkup", reply_markup=markup)
    except BadRequest as error:
        if classify(error) not in (Failure.NOT_MODIFIED, Failure.CANNOT_EDIT):
            raise


async def reply(update: Update, text: str) -> None:
    """Answer a message with one line of text."""
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text, **AS_HTML)


async def answer_and_show(update: Update, query: CallbackQuery, note: str | None, screen: Screen) -> None:
    """Answer a tap and show its screen at once (the answer first, as Telegram's spinner waits on
    it). Both finish before this returns, and only then is a failure of either raised, the
    answer's first: an edit still retrying after the answer failed would otherwise land after the
    chat's next update and leave the card disagreeing with the database. The screen goes in a task
    of its own and the answer in this one: a task fewer than gathering both."""
    showing = asyncio.ensure_future(show(update, screen))
    try:
        await answer(query, note)
    except BaseException as error:
        if isinstance(error, asyncio.CancelledError):
            showing.cancel()
        await _settled(showing)
        raise
    await showing


async def _settled(task: asyncio.Task[None]) -> None:
    """Wait for a task to end, however it ends (its failure read, not raised); if this wait is
    cancelled, so is the task."""
    try:
        await asyncio.wait([task])
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not task.cancelled():
        task.exception()  # read, so that asyncio does not report it as never retrieved


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a callback query (stops the button's spinner; `alert`: the text as a pop-up to
    dismiss); a too-old query is not an error."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        if classify(error) is not Failure.QUERY_TOO_OLD:
            raise
        log.info("callback query %s could not be answered: %s", query.id, error.message)


async def answer_tap(update: Update, screen: Screen | None, note: str | None) -> None:
    """Finish a tap: show its screen in place (if it has one) and answer it with the note."""
    query = update.callback_query
    assert query is not None, "only taps are answered"
    if screen is None:
        await answer(query, note)
    else:
        await answer_and_show(update, query, note, screen)


async def send_announcement(bot: Bot, chat_id: int, screen: Screen, photo: str | None, *, paid: bool = False) -> None:
    """Send an announcement: its text, or its picture with the text as caption; `paid` lets Telegram
    take it over the free broadcast rate, for Stars (allow_paid_broadcast)."""
    fields = {"chat_id": chat_id, **_text_fields(screen)}
    if paid:
        fields["allow_paid_broadcast"] = True
    if photo is None:
        await _unread(bot, "sendMessage", fields)
        return
    fields["caption"] = fields.pop("text")
    fields.pop("link_preview_options", None)
    await _unread(bot, "sendPhoto", {**fields, "photo": photo})


async def edit_message(bot: Bot, chat_id: int, message_id: int, screen: Screen) -> None:
    """Change one of our messages, known by chat and id, in place; an unchanged or uneditable one is left as it is."""
    try:
        await _unread(bot, "editMessageText", {"chat_id": chat_id, "message_id": message_id, **_text_fields(screen)})
    except BadRequest as error:
        if classify(error) not in (Failure.NOT_MODIFIED, Failure.CANNOT_EDIT):
            raise
