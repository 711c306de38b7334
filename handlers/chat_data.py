"""The chat's own data: /export, importing an export file, /reset of a roadmap, /forget of it all.
In groups only admins may replace, reset or forget, since the progress is everyone's there.

Every yes to a question names the question (when it was asked, and a fingerprint of what it was
asked about): a yes to an old question, or to one whose file or progress moved on since, changes
nothing and says so.
"""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from handlers.admins import may_change_shared_progress
from handlers.callback_data import AskReset, Cancel, ConfirmImport, ForgetChat, ResetRoadmap, decode
from handlers.chat_data_views import (
    cancelled,
    export_file_name,
    forgotten,
    json_caption,
    markdown_caption,
    nothing_to_reset,
    question_out_of_date,
    render_ask_forget,
    render_ask_reset,
    render_forgotten,
    render_nothing_changed,
    render_nothing_to_export,
    render_nothing_to_reset,
    render_pick_reset,
    render_question_out_of_date,
    render_reset,
    render_roadmap_gone,
    reset_done,
)
from handlers.context import BotContext, Services, chat_id_of
from handlers.export_format import MAX_IMPORT_BYTES, ImportPlan, ImportProblem, read_export
from handlers.export_views import export_json, export_markdown, no_longer_offered
from handlers.first_reminder_views import with_new_reminder
from handlers.import_views import (
    imported,
    not_imported,
    nothing_to_import,
    render_cannot_import,
    render_download_failed,
    render_file_too_big,
    render_how_to_import,
    render_import_gone,
    render_import_now_invalid,
    render_import_question,
    render_imported,
    render_no_known_roadmap,
    render_not_an_export_name,
)
from handlers.replies import CAPTION_AS_HTML, answer_tap, reply, show
from handlers.screens import Screen
from progress import Confirmed, digest_of, kept_roadmaps, started_roadmaps
from roadmaps import Roadmap

# The buttons this feature answers; every one is for a group's admins only.
BUTTONS = (AskReset, ResetRoadmap, ForgetChat, ConfirmImport, Cancel)
# How long a question can be answered; a clock a little ahead of ours is forgiven.
QUESTION_LIFETIME = dt.timedelta(minutes=15)
CLOCK_SKEW = dt.timedelta(minutes=1)


async def export(update: Update, context: BotContext) -> None:
    """/export: two files, a Markdown checklist to read and JSON that /import takes back."""
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    progresses = await services.storage.progress.progress_of_chat(chat.id, with_notes=True)
    if not kept_roadmaps(services.catalog, progresses) and not no_longer_offered(services.catalog, progresses):
        await reply(update, render_nothing_to_export())
        return
    now, started = services.clock(), await services.storage.chat_data.started_at(chat.id)
    markdown = export_markdown(services.catalog, progresses, started, now, services.bot_name)
    await chat.send_document(
        markdown, filename=export_file_name(now, "md"), caption=markdown_caption(), **CAPTION_AS_HTML
    )
    json_file = export_json(services.catalog, progresses, started, now)
    await chat.send_document(
        json_file, filename=export_file_name(now, "json"), caption=json_caption(), **CAPTION_AS_HTML
    )


async def import_command(update: Update, context: BotContext) -> None:
    """/import: how to import (the file itself is the request)."""
    chat = update.effective_chat
    await reply(update, render_how_to_import(in_a_group=chat is not None and chat.type != ChatType.PRIVATE))


async def receive_file(update: Update, context: BotContext) -> None:
    """A file sent to the bot: an export to import (asking first if it would replace progress);
    in a group, only an admin's, and only one addressed to the bot (a reply to it)."""
    message = update.effective_message
    if message is None or message.document is None or not addressed_to_us(update, context):
        return
    document, services, chat_id = message.document, context.services, chat_id_of(update)
    if not (document.file_name or "").lower().endswith(".json"):
        await reply(update, render_not_an_export_name())
        return
    if not await may_change_shared_progress(update, context):
        return
    if (document.file_size or 0) > MAX_IMPORT_BYTES:
        await reply(update, render_file_too_big(MAX_IMPORT_BYTES))
        return
    try:
        data = bytes(await (await document.get_file()).download_as_bytearray())
    except TelegramError as error:
        await reply(update, render_download_failed(str(error)))
        return
    try:
        plan = read_export(data, services.catalog, services.clock())
    except ImportProblem as problem:
        await reply(update, render_cannot_import(problem))
        return
    if not plan.roadmaps:
        await reply(update, render_no_known_roadmap())
        return
    started = {p.roadmap_id for p in await services.storage.progress.progress_of_chat(chat_id)}
    replaced = [
        roadmap for r in plan.roadmaps if r.roadmap_id in started and (roadmap := services.catalog.get(r.roadmap_id))
    ]
    if not replaced:
        await show(update, await apply_import(chat_id, services, plan))
        return
    await ask_before_importing(update, services, plan, replaced, data.decode("utf-8"))


def addressed_to_us(update: Update, context: BotContext) -> bool:
    """A private chat's messages are all for us; in a group, only a reply to one of ours is."""
    message, chat = update.effective_message, update.effective_chat
    if chat is None or message is None or chat.type == ChatType.PRIVATE:
        return chat is not None
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id


async def ask_before_importing(
    update: Update, services: Services, plan: ImportPlan, replaced: list[Roadmap], payload: str
) -> None:
    """Hold the file and ask; a question is shown for every held file, or nothing stays held."""
    chat_id, now = chat_id_of(update), services.clock()
    await services.storage.chat_data.hold_import(chat_id, payload, now)
    try:
        about = await services.storage.chat_data.question_about_import(chat_id, [r.roadmap_id for r in plan.roadmaps])
        question = render_import_question(plan, services.catalog, replaced, asked_at(now), about, digest_of(payload))
        await show(update, question)
    except BaseException:
        await services.storage.chat_data.drop_import(chat_id, digest_of(payload))
        raise


async def apply_import(chat_id: int, services: Services, plan: ImportPlan) -> Screen:
    """Put the plan's roadmaps back (no question was needed); the screen says what came in."""
    replaced = await services.storage.chat_data.replace_progress(chat_id, plan.roadmaps, services.clock())
    return with_new_reminder(render_imported(plan, services.catalog), replaced.new_reminder)


async def reset(update: Update, context: BotContext) -> None:
    """/reset: which roadmap to start over (it asks again before doing it)."""
    if not await may_change_shared_progress(update, context):
        return
    services = context.services
    started = started_roadmaps(services.catalog, await services.storage.progress.progress_of_chat(chat_id_of(update)))
    if not started:
        await reply(update, render_nothing_to_reset())
        return
    await show(update, render_pick_reset([roadmap for roadmap, _ in started]))


async def forget(update: Update, context: BotContext) -> None:
    """/forget: asks before deleting everything about this chat."""
    if not await may_change_shared_progress(update, context):
        return
    services = context.services
    about = await services.storage.chat_data.question_about_chat(chat_id_of(update))
    await show(update, render_ask_forget(asked_at(services.clock()), about))


async def on_chat_data_button(update: Update, context: BotContext) -> None:
    """The answers to /reset, /forget and an import's question (admins only, in groups)."""
    assert update.callback_query is not None
    if not await may_change_shared_progress(update, context):
        return
    action = decode(update.callback_query.data)
    services, chat_id = context.services, chat_id_of(update)
    match action:
        case AskReset(roadmap_id):
            screen, note = await ask_reset(chat_id, services, roadmap_id), None
        case ResetRoadmap() | ForgetChat() | ConfirmImport() if expired(action.asked, services.clock()):
            screen, note = render_question_out_of_date(), question_out_of_date()
        case ResetRoadmap(roadmap_id, _, about):
            screen, note = await reset_confirmed(chat_id, services, roadmap_id, about)
        case ForgetChat(_, about):
            screen, note = await forget_confirmed(chat_id, services, about)
        case ConfirmImport(_, about):
            screen, note = await import_confirmed(chat_id, services, about)
        case Cancel(file):
            if file is not None:
                await services.storage.chat_data.drop_import(chat_id, file)
            screen, note = render_nothing_changed(), cancelled()
        case _:
            raise AssertionError(f"not a chat data button: {action!r}")
    await answer_tap(update, screen, note)


def asked_at(now: dt.datetime) -> int:
    """When a question is asked, as its buttons carry it: whole seconds since the epoch."""
    return int(now.timestamp())


def expired(asked: int, now: dt.datetime) -> bool:
    """Whether a question asked then is too old to answer now (or claims to come from the future)."""
    age = now - dt.datetime.fromtimestamp(asked, dt.UTC)
    return not -CLOCK_SKEW <= age <= QUESTION_LIFETIME


async def ask_reset(chat_id: int, services: Services, roadmap_id: str) -> Screen:
    """Are you sure? for one roadmap, naming the roadmap as it is now."""
    roadmap = services.catalog.get(roadmap_id)
    if roadmap is None:
        return render_roadmap_gone()
    about = await services.storage.chat_data.question_about_roadmap(chat_id, roadmap_id)
    return render_ask_reset(roadmap, asked_at(services.clock()), about)


async def reset_confirmed(chat_id: int, services: Services, roadmap_id: str, about: str) -> tuple[Screen, str]:
    """Yes, reset it: only if the roadmap is still as the question saw it."""
    outcome = await services.storage.chat_data.reset_roadmap(chat_id, roadmap_id, services.clock(), about)
    if outcome is Confirmed.OUT_OF_DATE:
        return render_question_out_of_date(), question_out_of_date()
    done = outcome is Confirmed.DONE
    toast = reset_done() if done else nothing_to_reset()
    return render_reset(services.catalog.get(roadmap_id), was_started=done), toast


async def forget_confirmed(chat_id: int, services: Services, about: str) -> tuple[Screen, str]:
    """Yes, forget it all: only if the chat's data is still as the question saw it."""
    if await services.storage.chat_data.forget_chat(chat_id, about) is Confirmed.OUT_OF_DATE:
        return render_question_out_of_date(), question_out_of_date()
    services.presence.forget(chat_id)
    services.storage.languages.forget(chat_id)
    return render_forgotten(), forgotten()


async def import_confirmed(chat_id: int, services: Services, about: str) -> tuple[Screen, str]:
    """Yes, replace my progress: only with the file the question was about, over the progress it saw."""
    payload = await services.storage.chat_data.held_import(chat_id)
    if payload is None:
        return render_import_gone(), nothing_to_import()
    try:
        plan = read_export(payload.encode(), services.catalog, services.clock())
    except ImportProblem as problem:  # the content changed since the file was checked
        await services.storage.chat_data.drop_import(chat_id, digest_of(payload))
        return render_import_now_invalid(problem), not_imported()
    replaced = await services.storage.chat_data.replace_progress(
        chat_id, plan.roadmaps, services.clock(), confirming=about
    )
    if replaced.outcome is Confirmed.OUT_OF_DATE:
        return render_question_out_of_date(), question_out_of_date()
    if replaced.outcome is Confirmed.NOTHING:
        return render_import_gone(), nothing_to_import()
    return with_new_reminder(render_imported(plan, services.catalog), replaced.new_reminder), imported()
