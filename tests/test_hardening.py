"""Hardening, tried as an attacker and as a clumsy user would: stale questions, marks tapped twice,
ids Telegram could not give, hostile files, long commands, groups, a chat that moves, and a
database that goes away. Each through the real bot, asserting what the person sees and the rows."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator

import pytest

from bot.application import RoadmapBot, build_bot
from bot.web import SECRET_HEADER
from handlers.chat_data_views import question_out_of_date
from handlers.error_views import not_saved
from roadmaps import Catalog
from storage import DatabaseUnavailable, Storage, create_engine
from storage.tables import pending_imports, step_states
from tests.fakebotapi import MAX_TEXT, FakeBotAPI, FakeRequest
from tests.support import (
    SEED,
    SEED_ID,
    WEBHOOK_SECRET,
    CardChat,
    ChatSession,
    Clock,
    answers,
    every_row,
    export_files,
    find_button,
    handle,
    open_seed_step,
    pass_at,
    reminder_of,
    settings_for_tests,
    some_progress,
    webhook_client,
)

FIRST = "typed-language-and-git"


def export_of(*steps: tuple[str, str], roadmaps: list[dict[str, object]] | None = None) -> bytes:
    """An export file of the seed roadmap with these (step id, state) pairs, and more roadmaps if given."""
    seed = {
        "id": SEED_ID,
        "title": SEED,
        "started_at": "2026-11-01T00:00:00+00:00",
        "steps": [{"id": step, "state": state, "changed_at": "2026-11-02T00:00:00+00:00"} for step, state in steps],
    }
    document = {"format": "roadmap-bot/progress", "version": 1, "roadmaps": [seed, *(roadmaps or [])]}
    return json.dumps(document).encode()


async def send_file(chat: ChatSession, data: bytes, name: str = "progress.json") -> None:
    await chat.process(chat.api.document_update(chat.chat_id, name, data))


async def done_steps(storage: Storage, chat_id: int) -> set[str]:
    progress = await storage.progress.progress_of(chat_id, SEED_ID)
    return {step for step, mark in progress.marks.items() if mark.state.value == "done"}


# --- 1. an import question confirms only the file it asked about --------------------------------


async def test_a_yes_to_an_older_import_question_imports_nothing_and_the_newer_one_still_works(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await send_file(chat, export_of(("http-rest-apis", "done"), ("relational-databases-sql", "done")))
    question_a = chat.last.message_id
    assert "Go ahead?" in chat.last.text
    await send_file(chat, export_of(("observability", "done")))
    question_b = chat.last.message_id
    before = await every_row(storage)

    calls = await chat.tap("✅ Replace my progress", message_id=question_a)
    assert answers(calls) == [question_out_of_date()]
    assert "This question is out of date" in chat.api.messages[(chat.chat_id, question_a)].text
    assert await every_row(storage) == before, "nothing imported, file B still waiting"

    calls = await chat.tap("✅ Replace my progress", message_id=question_b)
    assert answers(calls) == ["📥 Imported"]
    assert await done_steps(storage, chat.chat_id) == {"observability"}


async def test_progress_made_after_an_import_question_makes_its_yes_out_of_date(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    card = chat.last.message_id
    await chat.tap("✅ Mark done")
    await send_file(chat, export_of(("observability", "done")))
    question = chat.last.message_id
    await chat.tap("Step 2 ▶", message_id=card)
    await chat.tap("✅ Mark done", message_id=card)  # progress the file would wipe out

    calls = await chat.tap("✅ Replace my progress", message_id=question)
    assert answers(calls) == [question_out_of_date()]
    assert await done_steps(storage, chat.chat_id) == {FIRST, "http-rest-apis"}


# --- 2. old confirmation buttons expire -----------------------------------------------------


async def test_a_reset_question_expires_after_15_minutes_and_with_any_change_of_the_roadmap(
    chat: ChatSession, storage: Storage, clock: Clock
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/reset")
    await chat.tap(f"↩️ {SEED}")
    clock.advance(minutes=16)
    before = await every_row(storage)
    calls = await chat.tap("↩️ Yes, reset it")
    assert answers(calls) == [question_out_of_date()]
    assert chat.last.button_texts == ["📚 All roadmaps"], "a way on"
    assert await every_row(storage) == before

    await chat.send("/reset")
    await chat.tap(f"↩️ {SEED}")
    question = chat.last.message_id
    await open_seed_step(chat, "2. HTTP & REST APIs")
    await chat.tap("✅ Mark done")  # the roadmap moved on after the question
    calls = await chat.tap("↩️ Yes, reset it", message_id=question)
    assert answers(calls) == [question_out_of_date()]
    assert await done_steps(storage, chat.chat_id) == {FIRST, "http-rest-apis"}

    await chat.send("/reset")
    await chat.tap(f"↩️ {SEED}")
    clock.advance(minutes=14)
    assert answers(await chat.tap("↩️ Yes, reset it")) == ["↩️ Reset"], "a fresh question still works"
    assert await done_steps(storage, chat.chat_id) == set()


async def test_a_forget_question_expires_and_an_old_one_forgets_nothing(
    chat: ChatSession, storage: Storage, clock: Clock
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/forget")
    clock.advance(days=21)
    before = await every_row(storage)
    assert answers(await chat.tap("🧹 Yes, forget it all")) == [question_out_of_date()]
    assert await every_row(storage) == before


# --- 3. marks are idempotent ----------------------------------------------------------------


async def test_tapping_an_old_mark_done_again_keeps_the_day_it_was_done(
    chat: ChatSession, storage: Storage, clock: Clock
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    mark_done = find_button(chat.last, "✅ Mark done")["callback_data"]
    await chat.tap("✅ Mark done")
    done_on = (await storage.progress.progress_of(chat.chat_id, SEED_ID)).marks[FIRST].changed_at
    clock.advance(days=10)
    rows = await every_row(storage)

    calls = await chat.press(mark_done)  # the old card's button, pressed again ten days later
    assert len(answers(calls)) == 1
    assert (await storage.progress.progress_of(chat.chat_id, SEED_ID)).marks[FIRST].changed_at == done_on
    assert (await every_row(storage))["step_states"] == rows["step_states"], "the row is as it was"
    assert "State: ✅ Done on 27 Nov 2026" in chat.last.text
    await chat.send("/progress")
    assert "🔥" not in chat.last.text, "no streak from a step done ten days ago"


# --- 4. ids outside Telegram's range are turned away; a bad row stops no nudge -------------------


async def test_an_update_from_an_impossible_chat_id_is_turned_away_and_nudges_go_on(
    app: RoadmapBot, chat: ChatSession, api: FakeBotAPI, storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    calls = len(api.calls)
    await handle(app, api.message_update(2**70, "/start"))
    await app.flush_presence()
    assert api.calls[calls:] == [], "no answer to a chat that cannot exist"
    assert "outside Telegram's range" in caplog.text
    assert await pass_at(app, dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC)) == "1 sent"  # the first suggestion


async def test_one_poisoned_chat_in_presence_is_dropped_and_the_others_are_written(
    app: RoadmapBot, chat: ChatSession, storage: Storage, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await pass_at(app, dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC))  # the first suggestion
    assert (await reminder_of(storage, chat.chat_id)).unanswered == 1
    app.services.presence.note(2**70, clock())  # past the door: as if something let it in
    app.services.presence.note(chat.chat_id, clock())
    await app.flush_presence()
    assert (await reminder_of(storage, chat.chat_id)).unanswered == 0, "the good chat was written"
    assert "dropped one of the chats heard from" in caplog.text
    assert app.services.presence.take() == {}, "the bad one is not tried again and again"


# --- 5. hostile import files --------------------------------------------------------------------

HEAD = b'{"format": "roadmap-bot/progress", "version": '
HOSTILE = {
    "deeply nested": b'{"format": "roadmap-bot/progress", "version": 1, "roadmaps": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}",
    "a 5,000-digit number": b'{"format": "roadmap-bot/progress", "version": ' + b"9" * 5000 + b"}",
    "a date out of range": export_of((FIRST, "done")).replace(
        b"2026-11-02T00:00:00+00:00", b"9999-12-31T23:59:59-23:59"
    ),
    "a date before the epoch": export_of((FIRST, "done")).replace(
        b"2026-11-02T00:00:00+00:00", b"0001-01-01T00:00:00+14:00"
    ),
    "a 5,000-character state": export_of((FIRST, "x" * 5000)),
    "a 5,000-character version": json.dumps({"format": "roadmap-bot/progress", "version": "v" * 5000}).encode(),
    "a 5,000-character id": export_of(("s" * 5000, "done")),
    "NaN": HEAD + b"NaN}",
    "not UTF-8": b'{"format": "\xff\xfe"}',
}


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
async def test_a_hostile_import_file_gets_a_short_clear_answer_and_changes_nothing(
    chat: ChatSession, storage: Storage, clock: Clock, content: bytes
) -> None:
    await some_progress(chat, clock)
    before = await every_row(storage)
    await send_file(chat, content)
    assert chat.last.text.startswith("I can't import that file: "), chat.last.text[:200]
    assert chat.last.text.endswith("Nothing was changed.") and len(chat.last.text) < 600
    assert await every_row(storage) == before, "nothing changed, nothing held"


async def test_a_file_naming_thousands_of_unknown_roadmaps_and_steps_is_summed_up_in_a_few_words(
    chat: ChatSession, storage: Storage
) -> None:
    unknown = [{"id": f"gone-{n}", "title": "T" * 5000, "steps": []} for n in range(99)]
    data = export_of((FIRST, "done"), *((f"gone-step-{n}", "done") for n in range(400)), roadmaps=unknown)
    await send_file(chat, data)
    assert chat.last.text.startswith("📥 Imported."), "applied, and said so"
    assert "and 96 more" in chat.last.text and "Left out: 400 steps these roadmaps no longer have." in chat.last.text
    assert len(chat.last.text) < 1000
    assert await done_steps(storage, chat.chat_id) == {FIRST}


@pytest.mark.logs_errors  # a question Telegram refuses is a bug of ours, and logged as one
async def test_a_question_that_cannot_be_shown_holds_no_file(
    chat: ChatSession, api: FakeBotAPI, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    api.fail("sendMessage", "Bad Request: message is too long", times=1)
    await send_file(chat, export_of(("observability", "done")))
    assert (await every_row(storage))["pending_imports"] == [], "no question shown, no file held"


# --- 6. nothing quoted back can overflow a reply ---------------------------------------------------


async def test_an_unknown_command_of_4090_characters_is_quoted_short(chat: ChatSession) -> None:
    calls = await chat.send("/" + "x" * 4089)
    [reply] = [c for c in calls if c.method == "sendMessage"]
    assert reply.ok and len(reply.params["text"]) < 200
    assert "I don't know the command /xxx" in chat.last.text and "…" in chat.last.text


@pytest.mark.parametrize("words", ["Europe/" + "X" * 4080, "Mars/Olympus_Mons" * 240])
async def test_an_unknown_time_zone_of_any_length_is_quoted_short(chat: ChatSession, words: str) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    calls = await chat.send(f"/timezone {words}")
    [reply] = [c for c in calls if c.method == "sendMessage"]
    assert reply.ok and len(reply.params["text"]) < MAX_TEXT // 10


# --- 9. a database that goes away --------------------------------------------------------------


@pytest.mark.logs_errors
async def test_an_unreachable_postgresql_is_a_database_error_the_person_reads_and_the_metric_counts(
    api: FakeBotAPI, catalog: Catalog, clock: Clock
) -> None:
    gone = Storage(create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/test"))
    app = build_bot(settings_for_tests(), catalog, gone, request=FakeRequest(api), clock=clock)
    await app.application.initialize()
    try:
        counted = _database_errors()
        with pytest.raises(DatabaseUnavailable, match="cannot be reached"):
            await gone.ping()
        await handle(app, api.message_update(4242, "/start"))
        assert api.last_message(4242).text == not_saved()
        assert _database_errors() == counted + 1
    finally:
        await app.application.shutdown()
        await gone.close()


def _database_errors() -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("roadmap_bot_database_errors_total") or 0.0


# --- 10. in groups, what is not addressed to the bot gets silence --------------------------------


async def test_in_a_group_files_and_replies_not_addressed_to_the_bot_get_silence(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage
) -> None:
    group = ChatSession(app, api, -5005, user_id=7)
    await group.send("/start")
    calls = len(api.calls)
    await group.process(api.document_update(-5005, "slides.pdf", b"%PDF-1.4", mime_type="application/pdf", user_id=7))
    await group.process(api.document_update(-5005, "progress.json", export_of((FIRST, "done")), user_id=7))
    await group.process(api.message_update(-5005, "nice one!", user_id=8))
    assert api.calls[calls:] == [], "silence"
    assert (await every_row(storage))["chat_roadmaps"] == [], "nothing imported"

    await group.send("/import")
    assert "as a reply to this message" in group.last.text


# --- 11. a group that becomes a supergroup keeps one progress, whatever comes first --------------


@pytest.mark.parametrize("migration_first", [True, False], ids=["migration first", "tap first"])
async def test_a_group_moving_to_a_supergroup_ends_with_one_merged_progress(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock, migration_first: bool
) -> None:
    group, supergroup = -7007, -1_000_000_007_007
    old, new = ChatSession(app, api, group, user_id=7), ChatSession(app, api, supergroup, user_id=7)
    await open_seed_step(old, "1. A typed language + git")
    await old.tap("✅ Mark done")
    clock.advance(minutes=1)
    if migration_first:
        await old.process(api.migration_update(group, supergroup))
    await open_seed_step(new, "2. HTTP & REST APIs")
    await new.tap("✅ Mark done")
    if not migration_first:
        await old.process(api.migration_update(group, supergroup))

    rows = await every_row(storage)
    assert [row[0] for row in rows["chats"]] == [supergroup]
    assert await done_steps(storage, supergroup) == {FIRST, "http-rest-apis"}
    assert [row[0] for row in rows["reminders"]] == [supergroup], "one reminder"
    assert await done_steps(storage, group) == set()


async def test_merging_keeps_the_latest_change_of_a_step_both_ids_have(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock
) -> None:
    group, supergroup = -8008, -1_000_000_008_008
    old, new = ChatSession(app, api, group, user_id=7), ChatSession(app, api, supergroup, user_id=7)
    await open_seed_step(old, "1. A typed language + git")
    await old.tap("✅ Mark done")
    clock.advance(minutes=5)
    await open_seed_step(new, "1. A typed language + git")
    await new.tap("⏭ Skip")
    await old.process(api.migration_update(group, supergroup))
    progress = await storage.progress.progress_of(supergroup, SEED_ID)
    assert progress.marks[FIRST].state.value == "skipped", "the later change wins"


# --- the rest: the last flush, /note's lines, text a database cannot keep ---------------------


async def test_a_final_presence_flush_that_fails_still_stops_cleanly(
    app: RoadmapBot,
    chat: ChatSession,
    storage: Storage,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await chat.send("/start")

    async def broken(*args: object) -> None:
        raise DatabaseUnavailable("the database cannot be reached")

    app.services.presence.note(chat.chat_id, dt.datetime.now(dt.UTC))
    monkeypatch.setattr(storage.chats, "note_presence", broken)
    application = app.application
    assert application.post_stop is not None
    await application.post_stop(application)  # what `run` calls after stopping: it must not raise
    assert "could not write the last presence while stopping" in caplog.text


async def test_note_keeps_the_lines_a_person_typed(chat: ChatSession, storage: Storage) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.tap("✅ Mark done")
    await chat.send("/note first line\nsecond line\n  indented")
    progress = await storage.progress.progress_of(chat.chat_id, SEED_ID)
    [note] = progress.notes.values()
    assert note.text == "first line\nsecond line\n  indented"


async def test_text_a_database_cannot_keep_is_cleaned_alike_on_every_database(
    chat: ChatSession, storage: Storage
) -> None:
    await open_seed_step(chat, "1. A typed language + git")
    await chat.send("a\x00b\x07c\r\nd\te", reply_to=chat.last)
    assert chat.last.text.startswith("📝 Saved your note")
    [note] = (await storage.progress.progress_of(chat.chat_id, SEED_ID)).notes.values()
    assert note.text == "abc\nd\te"
    await chat.send("\x00\x01", reply_to=chat.api.last_message(chat.chat_id))
    assert "To keep a note" in chat.last.text, "nothing left to keep: a clear answer"


async def test_export_then_a_hostile_copy_leaves_the_held_import_table_empty(
    chat: ChatSession, storage: Storage, clock: Clock
) -> None:
    await some_progress(chat, clock)
    _, data = await export_files(chat)
    await send_file(chat, data.replace(b'"version": 1', b'"version": 1, "x": ' + b"[" * 50 + b"]" * 50))
    async with storage.engine.connect() as connection:
        held = (await connection.execute(pending_imports.select())).all()
        marks = (await connection.execute(step_states.select())).all()
    assert held == [] and marks, "refused before anything was held"


@pytest.fixture(autouse=True)
def _warnings_are_fine(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


# --- 8. webhook bodies that are not updates ---------------------------------------------------------

NOT_UPDATES = {
    "a list": b"[]",
    "null": b"null",
    "a number": b"1",
    "a string": b'"x"',
    "a message that is a string": b'{"update_id": 1, "message": "x"}',
    "an update id that is a string": b'{"update_id": "1"}',
    "a date past the year 9999": json.dumps(
        {
            "update_id": 2,
            "message": {"message_id": 1, "date": 1e20, "chat": {"id": 5, "type": "private"}, "text": "/start"},
        }
    ).encode(),
    "deep nesting": b'{"update_id": 3, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "a 5,000-digit number": b'{"update_id": ' + b"9" * 5000 + b"}",
    "not JSON": b"{not json",
    "not UTF-8": b'{"update_id": 4, "x": "\xff"}',
}


@pytest.mark.parametrize("body", NOT_UPDATES.values(), ids=NOT_UPDATES.keys())
async def test_a_webhook_body_that_is_not_an_update_gets_400_and_is_not_handled(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, body: bytes
) -> None:
    rows, calls = await every_row(storage), len(api.calls)
    async with webhook_client(app) as client:
        response = await client.post("/hooks/telegram", content=body, headers={SECRET_HEADER: WEBHOOK_SECRET})
    assert response.status_code == 400
    assert api.calls[calls:] == [] and await every_row(storage) == rows


async def test_a_webhook_body_over_a_megabyte_gets_413_without_being_read_whole(
    app: RoadmapBot, api: FakeBotAPI
) -> None:
    huge = b'{"update_id": 1, "x": "' + b"y" * 2_000_000 + b'"}'
    async with webhook_client(app) as client:
        declared = await client.post("/hooks/telegram", content=huge, headers={SECRET_HEADER: WEBHOOK_SECRET})

        async def streamed() -> AsyncIterator[bytes]:  # no length given: counted as it comes
            for start in range(0, len(huge), 65536):
                yield huge[start : start + 65536]

        chunked = await client.post("/hooks/telegram", content=streamed(), headers={SECRET_HEADER: WEBHOOK_SECRET})
    assert (declared.status_code, chunked.status_code) == (413, 413)


async def test_health_is_503_when_postgresql_cannot_be_reached(app: RoadmapBot) -> None:
    gone = Storage(create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/test"))
    try:
        async with webhook_client(app, gone) as client:
            health = await client.get("/healthz")
    finally:
        await gone.close()
    assert health.status_code == 503


async def test_a_tap_without_data_a_games_button_is_answered_by_no_feature_but_politely(
    chat: ChatSession, api: FakeBotAPI
) -> None:
    await chat.send("/start")
    for update in (api.callback_update(chat.chat_id, ""), api.callback_update(chat.chat_id, "c")):
        query = update["callback_query"]
        query.pop("data")
        query["game_short_name"] = "roadmap_quiz"
        calls = await chat.process(update)
        assert answers(calls) == ["This button is out of date. Send /roadmaps to start again."]


@pytest.mark.parametrize(
    "body",
    [
        {
            "update_id": 1,
            "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": {"a": 1}},
        },
        {"update_id": 2, "message": {"message_id": 1, "date": 1, "chat": {"id": "5", "type": "private"}, "text": "/x"}},
        {
            "update_id": 3,
            "callback_query": {"id": 7, "from": {"id": 5, "is_bot": False, "first_name": "A"}, "chat_instance": "i"},
        },
        {"update_id": 4, "message": {"message_id": 1, "date": True, "chat": {"id": 5, "type": "private"}}},
        {
            "update_id": 5,
            "message": {
                "message_id": 1,
                "date": 1,
                "chat": {"id": 5, "type": "private"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": {"x": 1}}],
            },
        },
    ],
    ids=["text an object", "chat id a string", "query id a number", "date a boolean", "entity length an object"],
)
async def test_a_webhook_body_with_a_field_of_the_wrong_type_gets_400(
    app: RoadmapBot, api: FakeBotAPI, body: dict[str, object]
) -> None:
    calls = len(api.calls)
    async with webhook_client(app) as client:
        response = await client.post("/hooks/telegram", json=body, headers={SECRET_HEADER: WEBHOOK_SECRET})
    assert response.status_code == 400 and api.calls[calls:] == []


@pytest.fixture
def chat(app: RoadmapBot, api: FakeBotAPI) -> ChatSession:
    """The chat of these tests reads what an import says (a chat's first progress brings the first
    reminder's question after it)."""
    return CardChat(app, api, chat_id=1001)
