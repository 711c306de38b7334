"""Error paths that only show when something fails: a card that cannot be edited after a note, a
file Telegram will not hand over or that is too big to fetch, a webhook secret Telegram would
refuse, and the bot's two repeating jobs run as the job queue runs them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from telegram import Update
from telegram.error import BadRequest

from bot.application import RoadmapBot
from bot.runner import running
from handlers.context import BotContext
from handlers.error_views import sorry
from handlers.export_format import MAX_IMPORT_BYTES
from progress import ReminderStatus
from storage import Storage
from storage.tables import step_notes
from tests.fakebotapi import FakeBotAPI
from tests.process import roadmap_bot
from tests.support import (
    SEED_ID,
    WEBHOOK_URL,
    ChatSession,
    Clock,
    export_files,
    open_seed_step,
    reminder_of,
    rows_about,
    settings_for_tests,
    some_progress,
)

NOTE = "Read the Go tour & <generics> first"
NOTHING_CHANGED = "Nothing was changed."
NUDGE_START = "⏰ <b>Your next step</b>"


async def notes_of(storage: Storage, chat_id: int) -> list[tuple[str, str]]:
    """The chat's notes as stored: (step id, text)."""
    query = select(step_notes.c.step_id, step_notes.c.text).where(step_notes.c.chat_id == chat_id)
    async with storage.engine.connect() as connection:
        return [(row.step_id, row.text) for row in await connection.execute(query)]


# --- a note's card that cannot be edited (handlers/replies.py `edit`) --------------------------


@pytest.mark.parametrize("reason", ["Bad Request: message to edit not found", "Bad Request: message can't be edited"])
async def test_a_note_on_a_card_that_cannot_be_edited_is_saved_and_said_so_without_an_apology(
    chat: ChatSession, api: FakeBotAPI, storage: Storage, reason: str
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last
    api.fail("editMessageText", reason)
    calls = await chat.send(NOTE, reply_to=card)
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert not edit.ok, "the card's edit was tried and refused"
    assert [c.params["text"] for c in calls if c.method == "sendMessage"] == [
        "📝 Saved your note on “A typed language + git”. It shows on the step card."
    ], "no apology for a card that is gone"
    assert NOTE not in api.messages[chat.chat_id, card.message_id].text
    assert await notes_of(storage, chat.chat_id) == [("typed-language-and-git", NOTE)]


@pytest.mark.logs_errors
async def test_any_other_refusal_of_a_note_cards_edit_is_an_error_and_the_person_hears_of_it(
    chat: ChatSession, api: FakeBotAPI, storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last
    api.fail("editMessageText", "Bad Request: can't parse entities: unsupported start tag at byte offset 7")
    calls = await chat.send(NOTE, reply_to=card)
    assert [c.params["text"] for c in calls if c.method == "sendMessage"] == [
        "📝 Saved your note on “A typed language + git”. It shows on the step card.",
        sorry(),
    ]
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.getMessage().startswith("BadRequest in note_from_reply while handling update")
    assert error.exc_info is not None
    assert isinstance(error.exc_info[1], BadRequest) and "parse entities" in error.exc_info[1].message
    assert await notes_of(storage, chat.chat_id) == [("typed-language-and-git", NOTE)], "the note itself was saved"


# --- an import whose file cannot be fetched (handlers/chat_data.py `receive_file`) ------------


async def progress_and_its_export(chat: ChatSession, clock: Clock) -> bytes:
    """Some progress and the JSON export of it: sent back, it would replace that progress, so the
    bot would hold it and ask first."""
    await some_progress(chat, clock)
    _, data = await export_files(chat)
    return data


@pytest.mark.parametrize("failure", ["getFile", "download"])
async def test_an_import_whose_file_cannot_be_downloaded_says_so_and_holds_nothing(
    chat: ChatSession, api: FakeBotAPI, clock: Clock, storage: Storage, failure: str
) -> None:
    data = await progress_and_its_export(chat, clock)
    before = await rows_about(storage, chat.chat_id)
    update = api.document_update(chat.chat_id, "progress.json", data)
    if failure == "getFile":
        api.fail("getFile", "Bad Request: wrong file_id or the file is temporarily unavailable")
    else:  # Telegram names the file, then its file server does not have it
        api.files.pop(f"documents/{update['message']['document']['file_id']}")
    calls = await chat.process(update)
    assert [c.method for c in calls if c.method == "getFile"] == ["getFile"]
    text = chat.last.text
    assert text.startswith("I could not download that file (") and text.endswith(f"). {NOTHING_CHANGED}"), text
    assert await storage.chat_data.held_import(chat.chat_id) is None, "nothing is held"
    assert await rows_about(storage, chat.chat_id) == before

    await chat.process(api.document_update(chat.chat_id, "progress.json", data))  # the same file, fetched
    assert chat.last.text.startswith("📥 This file has:"), "with the file in hand, the bot asks"
    assert await storage.chat_data.held_import(chat.chat_id) is not None


async def test_a_file_too_big_to_be_an_export_is_refused_before_any_download(
    chat: ChatSession, api: FakeBotAPI, clock: Clock, storage: Storage
) -> None:
    data = await progress_and_its_export(chat, clock)
    before = await rows_about(storage, chat.chat_id)
    update = api.document_update(chat.chat_id, "progress.json", data)
    update["message"]["document"]["file_size"] = MAX_IMPORT_BYTES + 1  # as Telegram reports it
    calls = await chat.process(update)
    assert chat.last.text == f"That file is too big to be an export (over 1,000,000 bytes). {NOTHING_CHANGED}"
    assert [c.method for c in calls] == ["sendMessage"], "no getFile, no download"
    assert api.calls_of("getFile") == []
    assert await storage.chat_data.held_import(chat.chat_id) is None
    assert await rows_about(storage, chat.chat_id) == before

    update = api.document_update(chat.chat_id, "progress.json", data)
    update["message"]["document"]["file_size"] = MAX_IMPORT_BYTES  # at the limit: fetched
    await chat.process(update)
    assert len(api.calls_of("getFile")) == 1 and chat.last.text.startswith("📥 This file has:")


# --- WEBHOOK_SECRET (bot/settings.py) -----------------------------------------------------------

BAD_SECRETS = ["s3cret with spaces", "s3cret;DROP", "s3crét-ünicode", "L0ng" * 64 + "x"]
SECRET_RULE = "WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -"


@pytest.mark.parametrize("secret", BAD_SECRETS, ids=["space", "semicolon", "non-ascii", "257 characters"])
def test_a_webhook_secret_telegram_would_refuse_is_a_settings_error(secret: str) -> None:
    with pytest.raises(ValidationError, match=SECRET_RULE):
        settings_for_tests(webhook_url=WEBHOOK_URL, webhook_secret=secret)


def test_the_longest_webhook_secret_telegram_takes_is_accepted() -> None:
    secret = "A-z_09" * 42 + "abcd"
    assert len(secret) == 256
    settings = settings_for_tests(webhook_url=WEBHOOK_URL, webhook_secret=secret)
    assert settings.webhook_secret is not None and settings.webhook_secret.get_secret_value() == secret
    with pytest.raises(ValidationError, match=SECRET_RULE):
        settings_for_tests(webhook_url=WEBHOOK_URL, webhook_secret="")


@pytest.mark.parametrize("secret", BAD_SECRETS[:2] + BAD_SECRETS[3:], ids=["space", "semicolon", "257 characters"])
def test_the_command_line_names_a_bad_webhook_secret_without_printing_it(tmp_path: Path, secret: str) -> None:
    database = tmp_path / "bot.sqlite3"
    result = roadmap_bot(
        "db",
        "upgrade",
        cwd=tmp_path,
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        WEBHOOK_URL=WEBHOOK_URL,
        WEBHOOK_SECRET=secret,
    )
    assert result.returncode == 2
    assert "roadmap-bot: invalid settings" in result.stderr and f"webhook_secret: Value error, {SECRET_RULE}" in (
        result.stderr
    )
    assert secret not in result.stdout + result.stderr, "the secret is never printed"
    assert "Traceback" not in result.stderr
    assert not database.exists(), "nothing ran"


# --- the repeating jobs (bot/application.py `schedule_jobs`) ------------------------------------


async def test_the_jobs_the_queue_runs_send_a_due_nudge_and_write_presence(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, clock: Clock, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    due = (await reminder_of(storage, chat.chat_id)).due_at
    assert due is not None
    application = app.application
    assert application.job_queue is not None
    jobs = {job.name: job for job in application.job_queue.jobs()}
    assert set(jobs) == {"presence", "nudges", "housekeeping", "announcements"}

    clock.now = due
    await application.start()  # a pass goes on only while the application runs
    application.job_queue.scheduler.pause()  # the jobs run by hand here, not on the real clock
    try:
        await jobs["nudges"].run(application)
        [nudge] = [c.params["text"] for c in api.calls_of("sendMessage", chat.chat_id) if c.ok][-1:]
        assert nudge.startswith(NUDGE_START) and "HTTP &amp; REST APIs" in nudge
        reminder = await reminder_of(storage, chat.chat_id)
        assert reminder.last_sent_at == due and reminder.unanswered == 1 and reminder.due_at is not None
        assert reminder.due_at > due

        # The chat writes; the bot notes it in memory, and the presence job writes it down.
        await application.process_update(Update.de_json(api.message_update(chat.chat_id, "/help"), application.bot))
        assert (await reminder_of(storage, chat.chat_id)).unanswered == 1, "not written on every update"
        await jobs["presence"].run(application)
        reminder = await reminder_of(storage, chat.chat_id)
        assert reminder.unanswered == 0 and reminder.status is ReminderStatus.ACTIVE
    finally:
        await application.stop()
    assert SEED_ID in {p.roadmap_id for p in await storage.progress.progress_of_chat(chat.chat_id)}


async def test_a_stopping_bot_lets_the_running_job_finish_and_starts_no_other(app: RoadmapBot) -> None:
    """A job that comes due while the bot stops (presence written beside a nudge pass that is
    finishing its batch) does not start: started, it would be cut off by the scheduler's end."""
    application = app.application
    assert application.job_queue is not None
    ran: list[str] = []
    long_running, other_started, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def long_job(context: BotContext) -> None:  # a nudge pass with a batch in hand
        ran.append("long started")
        long_running.set()
        await release.wait()
        ran.append("long finished")

    async def other_job(context: BotContext) -> None:
        ran.append("other started")
        other_started.set()
        await asyncio.sleep(1)
        ran.append("other finished")

    async def release_when_the_other_starts_or_soon() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(other_started.wait(), 0.5)
        release.set()

    async with running(application):
        application.job_queue.run_once(long_job, when=0)
        await long_running.wait()
        application.job_queue.run_once(other_job, when=0.05)  # due while the bot stops
        releasing = asyncio.create_task(release_when_the_other_starts_or_soon())
    await releasing
    assert ran == ["long started", "long finished"]
