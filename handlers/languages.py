"""The chat's language: which one an update is answered in (before any handler runs), /language
and its buttons, and a group's first language (its adder's) when the bot joins.

A private chat follows its person's Telegram app (`language_code`: `pt-br` is Brazilian
Portuguese, an unsupported one English) until /language chooses one; a group speaks its own
(its admins choose it; at first the language of whoever added the bot). The language is stored
per chat, so a nudge, which comes with no update, speaks it too.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import BotCommand, BotCommandScopeChat, MenuButtonDefault, MenuButtonWebApp, Update, WebAppInfo
from telegram.constants import ChatType
from telegram.error import TelegramError

from handlers.actions import ChooseLanguage, FollowAppLanguage
from handlers.admins import sender_is_admin
from handlers.callback_data import decode
from handlers.context import BotContext, chat_id_of
from handlers.guide_views import PAGE_MENU_TEXT, command_menu
from handlers.language_views import render_admins_only, render_following_app, render_language_chosen, render_languages
from handlers.replies import answer, answer_tap, show
from i18n.catalogs import LANGUAGES, SOURCE, _, language, speak, speaking, supported
from storage import ChatLanguage, DatabaseError, Languages

log = logging.getLogger(__name__)

# The buttons this feature answers.
BUTTONS = (ChooseLanguage, FollowAppLanguage)


def language_for(update: Update, stored: ChatLanguage) -> str:
    """The language an update is answered in: the chat's chosen one; else, in a private chat, the
    person's app's; in a group, the group's, else the sender's."""
    user = update.effective_user
    from_app = supported(user.language_code if user else None)
    chat = update.effective_chat
    if stored.language and (stored.chosen or (chat is not None and chat.type != ChatType.PRIVATE)):
        return stored.language
    return from_app


async def speak_the_chats_language(update: Update, context: BotContext) -> None:
    """Before any handler: speak the chat's language for this update, and keep the app's language
    of a private chat (for its nudges) when it changed."""
    chat = update.effective_chat
    if chat is None:
        user = update.effective_user
        speak(supported(user.language_code if user else None))
        return
    languages = context.services.storage.languages
    try:
        stored = await languages.of(chat.id)
    except DatabaseError as error:  # the handler meets the database on its own, and says so
        log.warning("could not read the language of chat %s: %s", chat.id, type(error).__name__)
        stored = ChatLanguage()
    spoken = language_for(update, stored)
    speak(spoken)
    if not stored.chosen and stored.language != spoken:
        languages.seen(chat.id, spoken)


async def language_command(update: Update, context: BotContext) -> None:
    """/language: the languages, each named in itself."""
    chat = update.effective_chat
    assert chat is not None
    stored = await context.services.storage.languages.of(chat.id)
    await show(update, render_languages(language(), stored.chosen, chat.type == ChatType.PRIVATE))


async def on_language_button(update: Update, context: BotContext) -> None:
    """A language chosen (a group's admins only), or back to the app's: said in the new language."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    action, chat = decode(query.data), update.effective_chat
    if chat.type != ChatType.PRIVATE and not await admin(update, context):
        await answer(query, render_admins_only())
        return
    languages, chat_id = context.services.storage.languages, chat_id_of(update)
    private, now = chat.type == ChatType.PRIVATE, context.services.clock()
    if isinstance(action, ChooseLanguage) and action.index < len(LANGUAGES):
        chosen: str | None = LANGUAGES[action.index]
        await languages.choose(chat_id, LANGUAGES[action.index], now)
        speak(LANGUAGES[action.index])
        note = render_language_chosen()
    else:
        chosen = None
        speak(language_for(update, ChatLanguage()))
        await languages.follow_app(chat_id, language(), now)
        note = render_following_app()
    await chat_menu(context, chat_id, chosen)
    if private:
        await page_menu_button(context, chat_id, chosen)
    await answer_tap(update, render_languages(language(), chosen is not None, private), note)


async def admin(update: Update, context: BotContext) -> bool:
    """Whether the sender is one of the group's admins; False when Telegram cannot tell."""
    try:
        return await sender_is_admin(update, context.bot)
    except TelegramError as error:
        log.warning("could not check the admins of chat %s: %s", chat_id_of(update), error)
        return False


async def chat_menu(context: BotContext, chat_id: int, chosen: str | None) -> None:
    """The command menu of one chat in the language it chose (None: the app's language's menu again)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if chosen is None:
            await context.bot.delete_my_commands(scope=scope)
            return
        with speaking(chosen):
            commands = [BotCommand(name, description) for name, description in command_menu()]
        await context.bot.set_my_commands(commands, scope=scope)
    except TelegramError as error:
        log.warning("could not set the command menu of chat %s: %s", chat_id, error)


async def page_menu_button(context: BotContext, chat_id: int, chosen: str | None) -> None:
    """A private chat's menu button to the roadmap page (WEBAPP_URL set), labelled in the language
    it chose (None: the bot's button for every chat again, whose label is English)."""
    url = context.services.webapp_url
    if url is None:
        return
    try:
        if chosen is None:
            await context.bot.set_chat_menu_button(chat_id, MenuButtonDefault())
            return
        with speaking(chosen):
            label = _(PAGE_MENU_TEXT)
        await context.bot.set_chat_menu_button(chat_id, MenuButtonWebApp(label, WebAppInfo(url)))
    except TelegramError as error:
        log.warning("could not set the menu button of chat %s: %s", chat_id, error)


async def first_language_of_group(update: Update, languages: Languages, now: dt.datetime) -> None:
    """The bot joined a group: the group speaks its adder's language until its admins choose."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == ChatType.PRIVATE or (await languages.of(chat.id)).language:
        return
    adder = supported(user.language_code if user else None) if user else SOURCE
    await languages.choose(chat.id, adder, now)
