"""What the logs keep of an error: the update's id, its chat's id, its kind, the handler and the
exception; never a person's name, username or what they wrote, in either log format, at DEBUG.
And the operator's chat hears of errors, as privately, at most once a minute."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

import handlers.guide
from bot.application import RoadmapBot
from bot.logs import configure_logging
from roadmaps import Catalog
from storage import Storage
from storage.tables import metadata
from tests.fakebotapi import FakeBotAPI, FakeRequest
from tests.support import ChatSession, Clock, handle, open_seed_step, settings_for_tests

PERSON = {"first_name": "Zebediah", "last_name": "Quillfeather", "username": "zeb_private_handle"}
SAID = "PRIVATE-WORDS-31337"
FILE = "zebediah-private-file.json"
PRIVATE = [*PERSON.values(), SAID, FILE]


def as_the_person(update: dict[str, Any]) -> dict[str, Any]:
    """The update, sent by a person whose name, surname and username the logs must never show."""
    for kind in ("message", "callback_query", "my_chat_member"):
        if kind in update:
            update[kind]["from"] |= PERSON
            chat = update[kind].get("chat") or update[kind]["message"]["chat"]
            if chat["type"] == "private":
                chat |= PERSON
    return update


async def break_the_database(storage: Storage) -> None:
    """Every table gone: each handler that reads or writes meets a real database error."""
    async with storage.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            cascade = " CASCADE" if storage.engine.dialect.name == "postgresql" else ""
            await connection.execute(text(f"DROP TABLE {table.name}{cascade}"))


def every_kind_of_update(api: FakeBotAPI, chat_id: int, card: Any) -> list[dict[str, Any]]:
    """One update of each kind the bot handles, each carrying the person's words."""
    group = -4_000_000_001
    return [
        api.message_update(chat_id, f"/start {SAID}"),
        api.message_update(chat_id, f"/note {SAID}"),
        api.message_update(chat_id, f"/timezone {SAID}"),
        api.message_update(chat_id, f"/card {SAID}"),
        api.message_update(chat_id, f"/help {SAID}"),
        api.message_update(chat_id, f"/{SAID.lower().replace('-', '_')}"),
        api.message_update(chat_id, SAID),
        api.message_update(chat_id, SAID, reply_to=card),
        api.callback_update(chat_id, find_mark_done(card)),
        api.document_update(chat_id, FILE, json.dumps({"note": SAID}).encode()),
        api.my_chat_member_update(chat_id, "member", "kicked"),
        api.migration_update(group, group - 1),
    ]


def find_mark_done(card: Any) -> str:
    return next(b["callback_data"] for row in card.buttons for b in row if b["text"] == "✅ Mark done")


@pytest.mark.logs_errors
@pytest.mark.parametrize("form", ["text", "json"])
async def test_an_error_in_every_kind_of_handler_logs_no_name_username_or_words(
    form: str,
    app: RoadmapBot,
    chat: ChatSession,
    api: FakeBotAPI,
    storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last
    configure_logging("DEBUG", form, secrets=settings_for_tests().secrets())
    await break_the_database(storage)

    def broken(*args: object) -> object:
        raise RuntimeError("a bug")  # the handlers that need no database fail too

    for name in ("render_help", "render_hint", "render_unknown_command"):
        monkeypatch.setattr(handlers.guide, name, broken)
    for update in every_kind_of_update(api, chat.chat_id, card):
        await handle(app, as_the_person(update))
    log = capsys.readouterr().err

    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert len(errors) >= 10, "every handler met its error, and said so"
    handlers_named = {
        name for name in ("start", "note_command", "set_timezone", "on_roadmap_button", "note_from_reply")
    }
    assert all(any(f" in {name} " in line for line in errors) for name in handlers_named), "with the handler"
    assert any("(callback_query)" in line for line in errors) and "in chat 1001" in log, "kind and chat"
    assert "Traceback" in log or '"exception"' in log, "and the exception"
    found = [word for word in PRIVATE if word.lower() in log.lower()]
    assert found == [], f"these reached the log: {found}"


@pytest.mark.logs_errors
async def test_the_operators_chat_hears_of_errors_once_a_minute_without_who_or_what(
    api: FakeBotAPI, storage: Storage, catalog: Catalog, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.application import build_bot

    operator = -99
    bot = build_bot(settings_for_tests(error_chat_id=operator), catalog, storage, request=FakeRequest(api), clock=clock)
    await bot.application.initialize()

    def broken(*args: object) -> object:
        raise RuntimeError(f"a bug near {SAID}")

    monkeypatch.setattr(handlers.guide, "render_help", broken)
    try:
        for _ in range(3):
            await handle(bot, as_the_person(api.message_update(5, "/help")))
        clock.advance(minutes=2)
        await handle(bot, as_the_person(api.message_update(5, "/help")))
    finally:
        await bot.application.shutdown()
    alerts = [c.params["text"] for c in api.calls_of("sendMessage", operator)]
    assert len(alerts) == 2, "one a minute"
    assert alerts[0].startswith("⚠️ <b>RuntimeError</b> in show_help\nupdate ")
    assert "(message) in chat 5" in alerts[0] and "and 2 more since the last one" in alerts[1]
    assert not [word for word in PRIVATE if any(word in alert for alert in alerts)]


async def refuse_notes(storage: Storage) -> None:
    """The database refuses to store a note, at the very INSERT that carries its text."""
    async with storage.engine.begin() as connection:
        if storage.engine.dialect.name == "sqlite":
            await connection.execute(
                text("CREATE TRIGGER no_notes BEFORE INSERT ON step_notes BEGIN SELECT RAISE(ABORT, 'disk full'); END")
            )
            return
        await connection.execute(
            text(
                "CREATE FUNCTION no_notes() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ "
                "LANGUAGE plpgsql"
            )
        )
        await connection.execute(
            text("CREATE TRIGGER no_notes BEFORE INSERT ON step_notes FOR EACH ROW EXECUTE FUNCTION no_notes()")
        )


@pytest.mark.logs_errors
async def test_a_database_fault_while_keeping_a_note_does_not_write_the_note_to_the_log(
    chat: ChatSession, storage: Storage, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    configure_logging("DEBUG", "text", secrets=settings_for_tests().secrets())
    await refuse_notes(storage)
    await chat.send(f"my note: {SAID}", reply_to=chat.last)
    log = capsys.readouterr().err
    assert "disk full" in log and "INSERT INTO step_notes" in log, "the fault is logged, with its statement"
    assert SAID not in log, "but not the note"
