"""Notes on steps: a reply to a step card, /note <text> for the current step, and 🗑 Remove note."""

from __future__ import annotations

from telegram import Message, Update

from handlers.actions import UndoMark
from handlers.callback_data import RemoveNote, SetStepState, decode
from handlers.catalog_views import render_catalog
from handlers.context import BotContext, Services, chat_id_of, in_chat
from handlers.note_views import MAX_NOTE, render_note_needs_a_card, render_note_saved, render_note_too_long
from handlers.replies import answer_tap, edit, reply, show
from handlers.roadmap_views import render_roadmap, roadmap_gone
from handlers.step_cards import step_card
from handlers.step_views import CardOptions
from handlers.toast_views import note_removed, step_gone
from progress import Progress, storable_text
from roadmaps import Roadmap, Step

# The buttons this feature answers.
BUTTONS = (RemoveNote,)

# A card whose note just changed opens at More, where its note shows (its first screen fits a phone).
NOTE_SHOWN = CardOptions(more=True)


async def note_from_reply(update: Update, context: BotContext) -> None:
    """A reply to one of our step cards keeps its text as that step's note, and the card shows it."""
    message = update.effective_message
    if message is None or update.effective_chat is None or message.text is None:
        return
    card = message.reply_to_message
    if card is None or card.from_user is None or card.from_user.id != context.bot.id:
        return  # a reply to someone else: not for us
    services = context.services
    found = step_of_card(card, services)
    if found is None:
        await reply(update, render_note_needs_a_card())
        return
    roadmap, step = found
    progress = await keep_note(update, services, roadmap, step, message.text)
    if progress is not None:
        await edit(card, await step_card(in_chat(update, context), roadmap, step, progress, NOTE_SHOWN))


async def note_command(update: Update, context: BotContext) -> None:
    """/note <text>: a note on the current step (the card last opened or changed); the card comes
    back with it, and the answer names the step."""
    services, message = context.services, update.effective_message
    # The text after the command as typed, its lines kept (context.args would join words by spaces).
    parts = message.text.split(maxsplit=1) if message is not None and message.text else []
    text = parts[1].strip() if len(parts) == 2 else ""
    current = await current_step(chat_id_of(update), services)
    if not text or current is None:
        await reply(update, render_note_needs_a_card())
        return
    roadmap, step = current
    progress = await keep_note(update, services, roadmap, step, text)
    if progress is not None:
        await show(update, await step_card(in_chat(update, context), roadmap, step, progress, NOTE_SHOWN))


async def on_note_button(update: Update, context: BotContext) -> None:
    """🗑 Remove note on a step card: the card comes back without it."""
    assert update.callback_query is not None
    action = decode(update.callback_query.data)
    assert isinstance(action, RemoveNote)
    chat = in_chat(update, context)
    services, chat_id = chat.services, chat.chat_id
    roadmap = services.catalog.get(action.roadmap_id)
    step = roadmap.step(action.step_id) if roadmap else None
    if roadmap is None:
        progresses = await services.storage.progress.progress_of_chat(chat_id)
        await answer_tap(update, render_catalog(services.catalog, progresses), roadmap_gone())
    elif step is None:
        progress = await services.storage.progress.progress_of(chat_id, roadmap.id)
        await answer_tap(update, render_roadmap(roadmap, progress, links=chat.links), step_gone())
    else:
        progress = await services.storage.progress.set_note(chat_id, roadmap.id, step, None, services.clock())
        await answer_tap(update, await step_card(chat, roadmap, step, progress), note_removed())


async def keep_note(update: Update, services: Services, roadmap: Roadmap, step: Step, text: str) -> Progress | None:
    """Store a note if it is not too long; tell the chat either way. The roadmap's progress with
    the note when stored, else None."""
    text = storable_text(text).strip()
    if not text:
        await reply(update, render_note_needs_a_card())
        return None
    if len(text) > MAX_NOTE:
        await reply(update, render_note_too_long(len(text)))
        return None
    progress = await services.storage.progress.set_note(chat_id_of(update), roadmap.id, step, text, services.clock())
    await reply(update, render_note_saved(step))
    return progress


def step_of_card(card: Message, services: Services) -> tuple[Roadmap, Step] | None:
    """The roadmap and step a step card is about, read from its buttons (they name its step)."""
    markup = card.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            action = decode(button.callback_data if isinstance(button.callback_data, str) else None)
            if isinstance(action, SetStepState | UndoMark):
                roadmap = services.catalog.get(action.roadmap_id)
                step = roadmap.step(action.step_id) if roadmap else None
                return (roadmap, step) if roadmap and step else None
    return None


async def current_step(chat_id: int, services: Services) -> tuple[Roadmap, Step] | None:
    """The step of the card the chat last opened or changed."""
    return (await services.storage.progress.place_of(chat_id, services.catalog)).current
