"""Notes on steps: a reply to a step card, or /note <text> for the current step."""

from __future__ import annotations

from telegram import Message, Update

from handlers.callbacks import SetStepState, decode
from handlers.replies import edit, reply, show
from handlers.services import Context, Services, services_of
from handlers.views import (
    MAX_NOTE,
    render_note_needs_a_card,
    render_note_saved,
    render_note_too_long,
    render_step,
    started_roadmaps,
)
from roadmaps import Roadmap, Step
from storage import Progress


async def note_from_reply(update: Update, context: Context) -> None:
    """A reply to one of our step cards keeps its text as that step's note, and the card shows it."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.text is None:
        return
    card = message.reply_to_message
    if card is None or card.from_user is None or card.from_user.id != context.bot.id:
        return  # a reply to someone else: not for us
    services = services_of(context)
    found = step_of_card(card, services)
    if found is None:
        await reply(update, render_note_needs_a_card())
        return
    roadmap, step = found
    progress = await keep_note(update, services, roadmap, step, message.text)
    if progress is not None:
        await edit(card, render_step(roadmap, step, progress))


async def note_command(update: Update, context: Context) -> None:
    """/note <text>: a note on the current step (the one /next shows); the card comes back with it."""
    chat = update.effective_chat
    assert chat is not None
    services = services_of(context)
    text = " ".join(context.args or []).strip()
    current = await current_step(chat.id, services)
    if not text or current is None:
        await reply(update, render_note_needs_a_card())
        return
    roadmap, step = current
    progress = await keep_note(update, services, roadmap, step, text)
    if progress is not None:
        await show(update, render_step(roadmap, step, progress))


async def keep_note(update: Update, services: Services, roadmap: Roadmap, step: Step, text: str) -> Progress | None:
    """Store a note if it is not too long; tell the chat either way. The roadmap's progress with
    the note when stored, else None."""
    chat = update.effective_chat
    assert chat is not None
    text = text.strip()
    if len(text) > MAX_NOTE:
        await reply(update, render_note_too_long(len(text)))
        return None
    progress = await services.storage.set_note(chat.id, roadmap.id, step, text, services.clock())
    await reply(update, render_note_saved(step))
    return progress


def step_of_card(card: Message, services: Services) -> tuple[Roadmap, Step] | None:
    """The roadmap and step a step card is about, read from its buttons (they name its step)."""
    markup = card.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            action = decode(button.callback_data if isinstance(button.callback_data, str) else None)
            if isinstance(action, SetStepState):
                roadmap = services.catalog.get(action.roadmap_id)
                step = roadmap.step(action.step_id) if roadmap else None
                return (roadmap, step) if roadmap and step else None
    return None


async def current_step(chat_id: int, services: Services) -> tuple[Roadmap, Step] | None:
    """The next step of the roadmap used last, as /next shows it."""
    started = started_roadmaps(services.catalog, await services.storage.progress_of_chat(chat_id))
    if not started:
        return None
    roadmap, progress = started[0]
    step = progress.next_step(roadmap)
    return (roadmap, step) if step else None
