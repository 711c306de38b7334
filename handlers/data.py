"""The chat's own data: /export, importing an export file, /reset of a roadmap, /forget of it all."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.error import TelegramError

from handlers.admins import may_change_shared_progress
from handlers.callbacks import AskReset, Cancel, ConfirmImport, ForgetChat, ResetRoadmap, ShowCatalog
from handlers.exchange import (
    MAX_IMPORT_BYTES,
    ImportPlan,
    ImportProblem,
    export_json,
    export_markdown,
    read_export,
)
from handlers.replies import reply, show
from handlers.services import Context, Services, services_of
from handlers.views import Screen, button, keyboard, started_roadmaps

NOTHING_CHANGED = "Nothing was changed."


async def export(update: Update, context: Context) -> None:
    """/export: two files, a Markdown checklist to read and JSON that /import takes back."""
    chat = update.effective_chat
    assert chat is not None
    services = services_of(context)
    progresses = await services.storage.progress_of_chat(chat.id, with_notes=True)
    if not started_roadmaps(services.catalog, progresses):
        await reply(update, "Nothing to export yet: open a roadmap first (/roadmaps).")
        return
    now, started = services.clock(), await services.storage.started_at(chat.id)
    day = f"{now:%Y-%m-%d}"
    await chat.send_document(
        export_markdown(services.catalog, progresses, started, now),
        filename=f"roadmap-progress-{day}.md",
        caption="📄 Your progress as a checklist.",
    )
    await chat.send_document(
        export_json(services.catalog, progresses, started, now),
        filename=f"roadmap-progress-{day}.json",
        caption="💾 The same as JSON: send this file back to me to import it, here or in another chat.",
    )


async def import_command(update: Update, context: Context) -> None:
    """/import: how to import (the file itself is the request)."""
    await reply(
        update,
        "To import your progress, send me the .json file that /export made, as a file. "
        "If it would replace progress you have now, I ask first.",
    )


async def receive_file(update: Update, context: Context) -> None:
    """A file sent to the bot: an export to import (asking first if it would replace progress);
    in a group, only an admin's."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.document is None:
        return
    document, services = message.document, services_of(context)
    if not (document.file_name or "").lower().endswith(".json"):
        await reply(update, "To import your progress, send me the .json file that /export made.")
        return
    if not await may_change_shared_progress(update, context):
        return
    if (document.file_size or 0) > MAX_IMPORT_BYTES:
        await reply(
            update, f"That file is too big to be an export (over {MAX_IMPORT_BYTES:,} bytes). {NOTHING_CHANGED}"
        )
        return
    try:
        data = bytes(await (await document.get_file()).download_as_bytearray())
    except TelegramError as error:
        await reply(update, f"I could not download that file ({escape(str(error))}). {NOTHING_CHANGED}")
        return
    try:
        plan = read_export(data, services.catalog)
    except ImportProblem as problem:
        await reply(update, f"I can't import that file: {escape(str(problem))}. {NOTHING_CHANGED}")
        return
    if not plan.roadmaps:
        await reply(update, f"That file has no roadmap I know. {NOTHING_CHANGED}")
        return
    started = {p.roadmap_id for p in await services.storage.progress_of_chat(chat.id)}
    replaced = [r for r in plan.roadmaps if r.roadmap_id in started]
    if not replaced:
        await show(update, await apply_import(chat.id, services, plan))
        return
    await services.storage.hold_import(chat.id, data.decode("utf-8"), services.clock())
    titles = ", ".join(escape(services.catalog.get(r.roadmap_id).title) for r in replaced)  # type: ignore[union-attr]
    text = (
        f"📥 This file has:\n{describe(plan, services)}\n\nImporting replaces what you have now on {titles}. Go ahead?"
    )
    rows = [[button("✅ Replace my progress", ConfirmImport()), button("✖️ Cancel", Cancel())]]
    await show(update, Screen(text, keyboard(rows)))


async def apply_import(chat_id: int, services: Services, plan: ImportPlan, *, confirmed: bool = False) -> Screen:
    """Put the plan's roadmaps back (`confirmed`: the held file, which goes with it); the screen
    says what came in."""
    await services.storage.replace_progress(chat_id, plan.roadmaps, services.clock(), settles_import=confirmed)
    return Screen(f"📥 Imported.\n{describe(plan, services)}", keyboard([[button("📚 All roadmaps", ShowCatalog())]]))


def describe(plan: ImportPlan, services: Services) -> str:
    """What an export file holds, one roadmap to a line, and what of it is left out."""
    lines = []
    for saved in plan.roadmaps:
        roadmap = services.catalog.get(saved.roadmap_id)
        assert roadmap is not None
        done = sum(mark.state.value == "done" for mark in saved.marks.values())
        notes = f", {len(saved.notes)} note{'s' if len(saved.notes) != 1 else ''}" if saved.notes else ""
        lines.append(f"• <b>{escape(roadmap.title)}</b>: {done} of {len(roadmap.steps)} steps done{notes}")
    if plan.unknown_roadmaps:
        lines.append(f"Left out, as I no longer have them: {escape(', '.join(plan.unknown_roadmaps))}.")
    if plan.unknown_steps:
        lines.append(f"Left out: {plan.unknown_steps} step(s) these roadmaps no longer have.")
    return "\n".join(lines)


async def confirm_import(chat_id: int, services: Services) -> tuple[Screen, str]:
    """The chat said yes to replacing its progress with the file it sent."""
    payload = await services.storage.held_import(chat_id)
    if payload is None:
        return Screen("That import is no longer waiting. Send the file again to import it."), "Nothing to import"
    try:
        plan = read_export(payload.encode(), services.catalog)
    except ImportProblem as problem:  # the content changed since the file was checked
        await services.storage.drop_import(chat_id)
        return Screen(f"I can't import that file any more: {escape(str(problem))}. {NOTHING_CHANGED}"), "Not imported"
    return await apply_import(chat_id, services, plan, confirmed=True), "📥 Imported"


async def cancel(chat_id: int, services: Services) -> tuple[Screen, str]:
    """The chat said no: a waiting import is dropped and nothing changes."""
    await services.storage.drop_import(chat_id)
    return Screen(NOTHING_CHANGED), "Cancelled"


async def reset(update: Update, context: Context) -> None:
    """/reset: which roadmap to start over (it asks again before doing it)."""
    chat = update.effective_chat
    assert chat is not None
    if not await may_change_shared_progress(update, context):
        return
    services = services_of(context)
    started = started_roadmaps(services.catalog, await services.storage.progress_of_chat(chat.id))
    if not started:
        await reply(update, "You have not started a roadmap, so there is nothing to reset.")
        return
    rows = [[button(f"↩️ {roadmap.title}", AskReset(roadmap.id))] for roadmap, _ in started]
    rows.append([button("✖️ Cancel", Cancel())])
    await show(
        update, Screen("Which roadmap do you want to start over? Its steps and notes will be cleared.", keyboard(rows))
    )


def ask_reset(services: Services, roadmap_id: str) -> Screen:
    """Are you sure? for one roadmap."""
    roadmap = services.catalog.get(roadmap_id)
    if roadmap is None:
        return Screen("That roadmap is no longer available. " + NOTHING_CHANGED)
    text = (
        f"Start <b>{escape(roadmap.title)}</b> over? Every step goes back to not started and its notes "
        "are deleted. This cannot be undone (an /export first keeps a copy)."
    )
    rows = [[button("↩️ Yes, reset it", ResetRoadmap(roadmap.id)), button("✖️ Cancel", Cancel())]]
    return Screen(text, keyboard(rows))


async def reset_confirmed(chat_id: int, services: Services, roadmap_id: str) -> tuple[Screen, str]:
    """Reset one roadmap of this chat."""
    roadmap = services.catalog.get(roadmap_id)
    title = escape(roadmap.title) if roadmap else "That roadmap"
    if not await services.storage.reset_roadmap(chat_id, roadmap_id):
        return Screen(f"{title} has nothing to reset."), "Nothing to reset"
    text = f"↩️ {title} is reset: every step is back to not started, and its notes are gone."
    return Screen(text, keyboard([[button("📚 All roadmaps", ShowCatalog())]])), "↩️ Reset"


async def forget(update: Update, context: Context) -> None:
    """/forget: asks before deleting everything about this chat."""
    if not await may_change_shared_progress(update, context):
        return
    text = (
        "Forget everything about this chat? Your progress on every roadmap, your notes and your "
        "reminders are deleted, and I treat this chat as new. This cannot be undone "
        "(an /export first keeps a copy)."
    )
    await show(
        update, Screen(text, keyboard([[button("🧹 Yes, forget it all", ForgetChat()), button("✖️ Cancel", Cancel())]]))
    )


async def forget_confirmed(chat_id: int, services: Services) -> tuple[Screen, str]:
    """Delete every row about this chat."""
    services.presence.forget(chat_id)
    await services.storage.forget_chat(chat_id)
    text = "🧹 Done: I no longer have anything about this chat. Send /start to begin afresh."
    return Screen(text), "🧹 Forgotten"
