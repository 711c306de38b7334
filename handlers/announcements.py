"""Announcements in the chat: /announce for the chats of OPERATOR_CHAT_IDS (the message, a preview
exactly as learners read it, the audience and its count, confirm, then the progress with Cancel),
and the learner's "🔕 No announcements" (turned back on from /remind). Anyone else's /announce is a
command the bot does not have."""

from __future__ import annotations

import datetime as dt

from telegram import Message, MessageEntity, Update
from telegram.error import BadRequest

from handlers import guide
from handlers.actions import (
    CancelAnnouncement,
    ChooseAudience,
    ConfirmAnnouncement,
    ResumeAnnouncements,
    StopAnnouncements,
)
from handlers.announcement_views import (
    MAX_CAPTION,
    already_over,
    announcements_resumed,
    announcements_stopped,
    audience_name,
    cancelled_toast,
    not_sendable,
    nothing_to_announce,
    render_announcement,
    render_how_to_announce,
    render_preview_check,
    render_progress,
    stop_button,
    too_long,
    unknown_roadmap,
    without,
)
from handlers.callback_data import decode, encode
from handlers.context import BotContext, Services, chat_id_of
from handlers.replies import answer, answer_tap, edit_buttons, reply, send_announcement, show
from handlers.screens import MAX_MESSAGE, Screen
from i18n.catalogs import LANGUAGES
from progress.announcements import (
    EVERYONE,
    AnnouncementStatus,
    Audience,
    AudienceKind,
    Tally,
    estimated_finish,
)
from roadmaps import Catalog
from storage import Announcement

# The buttons of the operator's screens (operators only) and of every announcement (anyone).
OPERATOR_BUTTONS = (ChooseAudience, ConfirmAnnouncement, CancelAnnouncement)
LEARNER_BUTTONS = (StopAnnouncements, ResumeAnnouncements)


def progress_screen(
    announcement: Announcement, tally: Tally, catalog: Catalog, now: dt.datetime, per_second: float
) -> Screen:
    """The operator's progress message of an announcement, in the language being spoken."""
    status = announcement.status
    finish = estimated_finish(tally, now, per_second) if status is AnnouncementStatus.SENDING else None
    return render_progress(announcement.id, status, audience_name(announcement.audience, catalog), tally, finish)


def content_of(message: Message, args: list[str]) -> tuple[str, str | None, str | None] | str:
    """What /announce would send: (HTML, picture, roadmap id), or why it cannot.

    A reply to a message announces that message (its text or caption as HTML, its largest
    picture), the command's one word naming a roadmap to open; otherwise the command's own text is
    the announcement."""
    source = message.reply_to_message
    if source is not None:
        roadmap_id = args[0] if args else None
        photo = source.photo[-1].file_id if source.photo else None
        text = html_of(source, caption=photo is not None)
        if not text and photo is None:
            return nothing_to_announce()
        return text, photo, roadmap_id
    return html_of(message).partition(" ")[2].strip(), None, None


def html_of(message: Message, *, caption: bool = False) -> str:
    """A message's text (or caption) as HTML: Telegram's formatting made into tags when it has any,
    else the text as typed, which is then HTML written by hand."""
    entities = message.caption_entities if caption else message.entities
    formatted = any(entity.type != MessageEntity.BOT_COMMAND for entity in entities)
    if formatted:
        return (message.caption_html if caption else message.text_html) or ""
    return (message.caption if caption else message.text) or ""


async def announce_command(update: Update, context: BotContext) -> None:
    """/announce: for an operator's chat, a draft previewed as learners will read it and the screen to
    choose its audience and confirm; for anyone else, nothing new."""
    chat, message, services = update.effective_chat, update.effective_message, context.services
    if chat is None or message is None or chat.id not in services.operators:
        await guide.unknown_command(update, context)
        return
    content = content_of(message, list(context.args or []))
    if isinstance(content, str):
        await reply(update, content)
        return
    text, photo, roadmap_id = content
    if not text and photo is None:
        await show(update, render_how_to_announce())
        return
    limit = MAX_CAPTION if photo else MAX_MESSAGE
    if len(text) > limit:
        await reply(update, too_long(limit))
        return
    if roadmap_id is not None and services.content.get(roadmap_id) is None:
        await reply(update, unknown_roadmap(roadmap_id))
        return
    roadmap = services.catalog.get(roadmap_id) if roadmap_id else None
    try:  # the preview goes first: HTML Telegram cannot read is found here, not at every learner's
        await send_announcement(context.bot, chat.id, render_announcement(text, roadmap, context.bot.username), photo)
    except BadRequest as error:
        await reply(update, not_sendable(error.message))
        return
    draft = await services.storage.announcements.draft(
        text, EVERYONE, services.clock(), photo=photo, roadmap_id=roadmap_id, chat_id=chat.id
    )
    await show(update, await preview_check(draft.id, EVERYONE, services))


async def preview_check(announcement_id: int, audience: Audience, services: Services) -> Screen:
    """The screen under a preview: its audience now, and how many chats that is."""
    recipients = await services.storage.announcements.count_audience(audience, services.clock(), services.operators)
    return render_preview_check(announcement_id, audience, recipients, services.catalog)


async def on_operator_button(update: Update, context: BotContext) -> None:
    """An audience chosen, a confirmation, a cancel: on the operator's screen, edited in place."""
    query, chat, services = update.callback_query, update.effective_chat, context.services
    assert query is not None
    if chat is None or chat.id not in services.operators:
        await guide.on_stale_button(update, context)
        return
    action = decode(query.data)
    store, now = services.storage.announcements, services.clock()
    match action:
        case ChooseAudience():
            audience = audience_of(action)
            changed = await store.change_audience(action.announcement_id, audience) if audience else None
            if changed is None:
                await answer(query, already_over())
                return
            await answer_tap(update, await preview_check(changed.id, audience, services), None)  # type: ignore[arg-type]
        case ConfirmAnnouncement(announcement_id):
            queued = await store.queue(announcement_id, now, services.operators)
            if queued is None:
                await answer(query, already_over())
                return
            if isinstance(query.message, Message):
                await store.show_in(announcement_id, chat.id, query.message.message_id)
            await answer_tap(update, await progress_now(announcement_id, services), None)
        case CancelAnnouncement(announcement_id):
            if not await store.cancel(announcement_id, now):
                await answer(query, already_over())
                return
            await answer_tap(update, await progress_now(announcement_id, services), cancelled_toast())


def audience_of(action: ChooseAudience) -> Audience | None:
    """The audience a button chose; None for a language the bot no longer speaks."""
    kind = AudienceKind(action.kind)
    if kind is AudienceKind.ROADMAP:
        return Audience(kind, action.roadmap_id)
    if kind is AudienceKind.LANGUAGE:
        index = action.index or 0
        return Audience(kind, LANGUAGES[index]) if index < len(LANGUAGES) else None
    return Audience(kind)


async def progress_now(announcement_id: int, services: Services) -> Screen | None:
    """The progress screen of an announcement as it is now."""
    store = services.storage.announcements
    announcement = await store.of(announcement_id)
    if announcement is None:
        return None
    tally = await store.tally(announcement_id)
    return progress_screen(announcement, tally, services.catalog, services.clock(), services.messages_per_second)


async def on_learner_button(update: Update, context: BotContext) -> None:
    """ "🔕 No announcements" under an announcement, or "🔔 Announcements on" on /remind."""
    query, services, chat_id = update.callback_query, context.services, chat_id_of(update)
    assert query is not None
    match decode(query.data):
        case StopAnnouncements():
            await services.storage.announcements.choose(chat_id, False, services.clock())
            await edit_buttons(update, without(query.message, stop_button().callback_data))
            await answer(query, announcements_stopped())
        case ResumeAnnouncements():
            await services.storage.announcements.choose(chat_id, True, services.clock())
            await answer(query, announcements_resumed())
            if isinstance(query.message, Message) and query.message.reply_markup is not None:
                await edit_buttons(update, without(query.message, encode(ResumeAnnouncements())))
