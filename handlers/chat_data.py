"""The chat's own data: /export, importing an export file, /reset of a roadmap, /forget of it all.
In groups only admins may replace, reset or forget, since the progress is everyone's there."""

from __future__ import annotations

from telegram import Update
from telegram.error import TelegramError

from handlers.admins import may_change_shared_progress
from handlers.callback_data import AskReset, Cancel, ConfirmImport, ForgetChat, ResetRoadmap, decode
from handlers.chat_data_views import (
    CANCELLED,
    FORGOTTEN,
    IMPORTED,
    NOT_IMPORTED,
    NOTHING_TO_IMPORT,
    NOTHING_TO_RESET,
    RESET,
    export_file_name,
    json_caption,
    markdown_caption,
    render_ask_forget,
    render_ask_reset,
    render_cannot_import,
    render_download_failed,
    render_file_too_big,
    render_forgotten,
    render_how_to_import,
    render_import_gone,
    render_import_now_invalid,
    render_import_question,
    render_imported,
    render_no_known_roadmap,
    render_not_an_export_name,
    render_nothing_changed,
    render_nothing_to_export,
    render_nothing_to_reset,
    render_pick_reset,
    render_reset,
)
from handlers.context import BotContext, Services, chat_id_of
from handlers.export_format import (
    MAX_IMPORT_BYTES,
    ImportPlan,
    ImportProblem,
    export_json,
    export_markdown,
    read_export,
)
from handlers.replies import answer_tap, reply, show
from handlers.screens import Screen
from storage import started_roadmaps

# The buttons this feature answers; every one is for a group's admins only.
BUTTONS = (AskReset, ResetRoadmap, ForgetChat, ConfirmImport, Cancel)


async def export(update: Update, context: BotContext) -> None:
    """/export: two files, a Markdown checklist to read and JSON that /import takes back."""
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    progresses = await services.storage.progress.progress_of_chat(chat.id, with_notes=True)
    if not started_roadmaps(services.catalog, progresses):
        await reply(update, render_nothing_to_export())
        return
    now, started = services.clock(), await services.storage.progress.started_at(chat.id)
    markdown = export_markdown(services.catalog, progresses, started, now)
    await chat.send_document(markdown, filename=export_file_name(now, "md"), caption=markdown_caption())
    json_file = export_json(services.catalog, progresses, started, now)
    await chat.send_document(json_file, filename=export_file_name(now, "json"), caption=json_caption())


async def import_command(update: Update, context: BotContext) -> None:
    """/import: how to import (the file itself is the request)."""
    await reply(update, render_how_to_import())


async def receive_file(update: Update, context: BotContext) -> None:
    """A file sent to the bot: an export to import (asking first if it would replace progress);
    in a group, only an admin's."""
    message = update.effective_message
    if message is None or message.document is None:
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
        plan = read_export(data, services.catalog)
    except ImportProblem as problem:
        await reply(update, render_cannot_import(str(problem)))
        return
    if not plan.roadmaps:
        await reply(update, render_no_known_roadmap())
        return
    started = {p.roadmap_id for p in await services.storage.progress.progress_of_chat(chat_id)}
    replaced = [services.catalog.get(r.roadmap_id) for r in plan.roadmaps if r.roadmap_id in started]
    if not replaced:
        await show(update, await apply_import(chat_id, services, plan))
        return
    await services.storage.progress.hold_import(chat_id, data.decode("utf-8"), services.clock())
    await show(update, render_import_question(plan, services.catalog, [r for r in replaced if r is not None]))


async def apply_import(chat_id: int, services: Services, plan: ImportPlan, *, confirmed: bool = False) -> Screen:
    """Put the plan's roadmaps back (`confirmed`: the held file, which goes with it); the screen
    says what came in."""
    now = services.clock()
    await services.storage.progress.replace_progress(chat_id, plan.roadmaps, now, settles_import=confirmed)
    return render_imported(plan, services.catalog)


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
    await show(update, render_ask_forget())


async def on_chat_data_button(update: Update, context: BotContext) -> None:
    """The answers to /reset, /forget and an import's question (admins only, in groups)."""
    assert update.callback_query is not None
    if not await may_change_shared_progress(update, context):
        return
    action = decode(update.callback_query.data)
    services, chat_id = context.services, chat_id_of(update)
    match action:
        case AskReset(roadmap_id):
            screen, note = render_ask_reset(services.catalog.get(roadmap_id)), None
        case ResetRoadmap(roadmap_id):
            was_started = await services.storage.progress.reset_roadmap(chat_id, roadmap_id)
            screen = render_reset(services.catalog.get(roadmap_id), was_started=was_started)
            note = RESET if was_started else NOTHING_TO_RESET
        case ForgetChat():
            services.presence.forget(chat_id)
            await services.storage.progress.forget_chat(chat_id)
            screen, note = render_forgotten(), FORGOTTEN
        case ConfirmImport():
            screen, note = await confirm_import(chat_id, services)
        case Cancel():
            await services.storage.progress.drop_import(chat_id)
            screen, note = render_nothing_changed(), CANCELLED
        case _:
            raise AssertionError(f"not a chat data button: {action!r}")
    await answer_tap(update, screen, note)


async def confirm_import(chat_id: int, services: Services) -> tuple[Screen, str]:
    """The chat said yes to replacing its progress with the file it sent."""
    payload = await services.storage.progress.held_import(chat_id)
    if payload is None:
        return render_import_gone(), NOTHING_TO_IMPORT
    try:
        plan = read_export(payload.encode(), services.catalog)
    except ImportProblem as problem:  # the content changed since the file was checked
        await services.storage.progress.drop_import(chat_id)
        return render_import_now_invalid(str(problem)), NOT_IMPORTED
    return await apply_import(chat_id, services, plan, confirmed=True), IMPORTED
