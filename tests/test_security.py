"""Security, through the real Application: buttons cannot reach another chat, the webhook refuses
strangers, secrets stay out of the logs, /forget forgets everything, SQL binds what people
type, and in a group only its admins can reset, forget or import over the shared progress."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import re
from pathlib import Path
from typing import Any, get_args, get_type_hints

import httpx
import pytest
from sqlalchemy import Column, event, select
from sqlalchemy import inspect as inspect_schema
from sqlalchemy.exc import OperationalError
from telegram import Update
from telegram.ext import TypeHandler

from bot.application import RoadmapBot
from bot.limits import TelegramLimits
from bot.logs import REDACTED, configure_logging
from bot.web import SECRET_HEADER as HEADER
from handlers import actions, callback_data, operator_actions
from handlers.callback_data import Action, decode, encode
from handlers.chat_data_views import admins_only, check_failed
from progress.announcements import EVERYONE
from roadmaps import Catalog
from storage import Storage
from storage.tables import metadata
from tests.fakebotapi import TOKEN, FakeBotAPI
from tests.support import (
    SEED,
    SEED_ID,
    AppFactory,
    ChatSession,
    Clock,
    answers,
    export_files,
    find_button,
    open_seed_step,
    settings_for_tests,
    some_progress,
    webhook_client,
)
from tests.support import (
    WEBHOOK_SECRET as SECRET,
)
from tests.support import (
    WEBHOOK_URL as URL,
)

ROOT = Path(__file__).resolve().parent.parent

# --- which chat a row is about --------------------------------------------------------------

# Every table of the schema, and the column that says which chat a row is about. A new table
# must be added here, or the tests below fail: /forget has to know how to find its rows.
CHAT_COLUMN: dict[str, str] = {
    "chats": "id",
    "chat_roadmaps": "chat_id",
    "step_states": "chat_id",
    "step_notes": "chat_id",
    "check_ticks": "chat_id",
    "reminders": "chat_id",
    "pending_imports": "chat_id",
    "chat_days": "chat_id",
    "facts": "chat_id",
    "stats_digests": "chat_id",
    "announcements": "chat_id",  # the operator's chat that sent it
    "announcement_recipients": "chat_id",
}
# Tables in the database about no chat: Alembic's bookkeeping, and the operator's published catalogs
# (storage.tables.content_metadata, apart from the chats' tables).
NOT_OURS = {"alembic_version", "catalog_publications"}

Rows = dict[str, dict[int, list[tuple[Any, ...]]]]


def chat_column(table_name: str) -> Column[Any]:
    """The column of a table naming the chat of each row; fails for a table nobody classified."""
    assert table_name in CHAT_COLUMN, f"table {table_name!r} does not say which chat its rows belong to"
    return metadata.tables[table_name].c[CHAT_COLUMN[table_name]]


async def all_rows(storage: Storage) -> Rows:
    """Every row of every table, by table and then by the chat it is about."""
    rows: Rows = {}
    async with storage.engine.connect() as connection:
        for table in metadata.sorted_tables:
            column = chat_column(table.name)
            by_chat: dict[int, list[tuple[Any, ...]]] = {}
            for row in await connection.execute(select(table)):
                by_chat.setdefault(row._mapping[column.name], []).append(tuple(row))
            rows[table.name] = {chat: sorted(found, key=repr) for chat, found in by_chat.items()}
    return rows


def rows_of(rows: Rows, chat_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows about one chat, every table named (an empty list where it has none)."""
    return {table: by_chat.get(chat_id, []) for table, by_chat in rows.items()}


def rows_except(rows: Rows, chat_id: int) -> Rows:
    """The rows about every chat but one."""
    return {
        table: {chat: found for chat, found in by_chat.items() if chat != chat_id} for table, by_chat in rows.items()
    }


async def test_every_table_says_which_chat_its_rows_belong_to(storage: Storage) -> None:
    """Each table of the schema (in the code and in the migrated database) names its chat column."""
    async with storage.engine.connect() as connection:
        in_database = set(await connection.run_sync(lambda sync: inspect_schema(sync).get_table_names()))
    assert in_database - NOT_OURS == set(metadata.tables), "the migrations and storage.tables describe one schema"
    assert set(CHAT_COLUMN) == set(metadata.tables), "every table is classified, and only tables that exist"
    for name in metadata.tables:
        column = chat_column(name)
        assert column.type.python_type is int, f"{name}.{column.name} holds a chat id"


# --- 1. buttons carry no chat ---------------------------------------------------------------

# Field names an action may have: ids of content and small numbers, never who or where.
# `asked` is a moment and `about` a fingerprint of the chat's own state: neither names a chat.
ACTION_FIELDS = {"roadmap_id", "step_id", "state", "page", "weekday", "hour", "hours", "index", "choice", "zone"}
ACTION_FIELDS |= {"asked", "about", "key"}  # key: a step's check (Check.key), not a chat
# An announcement's number and an audience's kind (operators' buttons): neither names a chat.
ACTION_FIELDS |= {"announcement_id", "kind"}
NAMES_A_CHAT = re.compile(r"chat|user|from|sender|member|owner|peer", re.IGNORECASE)


def test_no_action_a_button_decodes_to_can_name_a_chat() -> None:
    """Every action the codec returns is a dataclass of Action, and none has a field for a chat."""
    kinds = set(get_args(Action))
    defined = {
        kind
        for module in (actions, operator_actions)
        for _, kind in inspect.getmembers(module, inspect.isclass)
        if dataclasses.is_dataclass(kind) and kind.__module__ == module.__name__
    }
    assert kinds == defined, "every dataclass of the codec is an Action, and every Action is checked here"
    assert get_type_hints(decode)["return"] == Action | None, "decode returns only Actions"
    for kind in kinds:
        names = {f.name for f in dataclasses.fields(kind)}
        assert not {n for n in names if NAMES_A_CHAT.search(n)}, f"{kind.__name__} names a chat or a person"
        assert names <= ACTION_FIELDS, f"{kind.__name__} has new fields {names - ACTION_FIELDS}: check them, then add"


# Actions the codec still decodes (a button of an older version may carry them) that no screen
# shows any more; B could have such a button from before.
NO_SCREEN_SHOWS = [
    callback_data.ShowNextStep(SEED_ID),
    callback_data.ShowLegend(),
    callback_data.SendCard(SEED_ID),
    callback_data.Noop(),  # no screen shows one any more; messages sent before still carry it
]


# Actions only operators' chats are shown (OPERATOR_CHAT_IDS); pressed anywhere else, they change nothing.
OPERATORS_ONLY = [
    callback_data.ToggleDigest(),
    callback_data.ChooseAudience(1, "everyone"),
    callback_data.ConfirmAnnouncement(1),
    callback_data.CancelAnnouncement(1),
]


def callback_data_sent_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    """Every button's data the bot ever put in front of a chat, edits included, in order, once each."""
    seen: dict[str, None] = {}
    for call in api.calls:
        if call.params.get("chat_id") != chat_id or not isinstance(call.params.get("reply_markup"), dict):
            continue
        for row in call.params["reply_markup"].get("inline_keyboard", []):
            seen |= {button["callback_data"]: None for button in row if "callback_data" in button}
    return list(seen)


async def show_every_kind_of_button(chat: ChatSession, clock: Clock, app: RoadmapBot) -> None:
    """Walk a chat through every screen with buttons; leave a reset question and an import pending."""
    await some_progress(chat, clock)  # roadmaps, pages, steps, states, a note (Remove note)
    await chat.send("/start devops-platform-engineer")
    await chat.press("s:devops-platform-engineer:containers", chat.last.message_id)
    await chat.tap("✅ Mark done")
    await open_seed_step(chat, "8. Containers")  # done in DevOps: Count it here
    await chat.send("/remind")
    await chat.tap("🔕 Pause reminders")
    await chat.tap("▶️ Resume")
    await chat.tap("🌍 Time zone")
    await chat.send("/timezone IST")  # which of its zones: a zone by name
    clock.advance(days=8)
    await app.nudges.run_pass(clock())  # a nudge: Tomorrow, Stop reminders
    announcement = await app.services.storage.announcements.draft("News", EVERYONE, clock())
    await app.services.storage.announcements.queue(announcement.id, clock())
    await app.announcements.run_pass()  # an announcement: No announcements
    await chat.tap("🔕 No announcements")
    await chat.send("/remind")  # Announcements on
    await chat.send("/reset")
    await chat.tap(f"↩️ {SEED}")  # Yes, reset it
    await chat.send("/forget")
    _, data = await export_files(chat)
    await chat.process(chat.api.document_update(chat.chat_id, "progress.json", data))  # held: Replace
    await chat.send("/language")
    await chat.tap("Español")
    await chat.tap("📱")  # back to the app's language


async def test_any_button_of_another_chat_pressed_here_changes_only_this_chat(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    clock: Clock,
) -> None:
    """Every kind of button B was shown, pressed in A: B's rows never move, and A's do."""
    mine, theirs = ChatSession(app, api, 1001), ChatSession(app, api, 2002)
    await open_seed_step(mine, "2. HTTP & REST APIs")
    await mine.send("Mine", reply_to=mine.last)
    await show_every_kind_of_button(theirs, clock, app)
    pressed = callback_data_sent_to(api, theirs.chat_id) + [encode(action) for action in NO_SCREEN_SHOWS]
    pressed += [encode(action) for action in OPERATORS_ONLY]
    kinds = {type(decode(data)) for data in pressed}
    missing = sorted(kind.__name__ for kind in set(get_args(Action)) - kinds)
    assert not missing, f"the walk showed no button of kinds {missing}"

    sent_before, changed_mine = len(api.calls), set()
    for data in pressed:
        before = await all_rows(storage)
        calls = await mine.press(data)
        after = await all_rows(storage)
        assert len(answers(calls)) == 1, f"{data!r} was answered once"
        assert rows_except(after, mine.chat_id) == rows_except(before, mine.chat_id), f"{data!r} changed another chat"
        if rows_of(after, mine.chat_id) != rows_of(before, mine.chat_id):
            changed_mine.add(type(decode(data)))
    assert not [c for c in api.calls[sent_before:] if c.params.get("chat_id") == theirs.chat_id], "B heard nothing"
    assert callback_data.SetStepState in changed_mine, "the presses did act, on this chat"
    questions = {callback_data.ForgetChat, callback_data.ResetRoadmap, callback_data.ConfirmImport}
    assert not questions & changed_mine, "B's questions were about B's state: in A they are out of date"
    assert (await storage.progress.progress_of(theirs.chat_id, SEED_ID)).marks, "B's progress is still there"


# --- 2. the webhook refuses strangers ---------------------------------------------------------

WRONG_HEADERS = {
    "none": {},
    "empty": {HEADER: ""},
    "wrong": {HEADER: "nope"},
    "other case": {HEADER: SECRET.upper()},
    "a prefix of it": {HEADER: SECRET[:-1]},
    "it and more": {HEADER: SECRET + "x"},
    "the bot token": {HEADER: TOKEN},
}


def updates_that_would_write(api: FakeBotAPI, chat_id: int) -> list[dict[str, Any]]:
    """A deep link, a tap and an import file: each writes rows if handled."""
    export = {
        "format": "roadmap-bot/progress",
        "version": 1,
        "roadmaps": [{"id": SEED_ID, "started_at": "2026-11-01T00:00:00", "steps": [{"id": "observability"}]}],
    }
    return [
        api.message_update(chat_id, f"/start {SEED_ID}"),
        api.callback_update(chat_id, f"d:{SEED_ID}:typed-language-and-git", message_id=1),
        api.document_update(chat_id, "progress.json", json.dumps(export).encode()),
    ]


def probe(app: RoadmapBot) -> list[Update]:
    """Updates that reach the Application's handlers from now on (a handler that runs first)."""
    seen: list[Update] = []

    async def note(update: Update, context: object) -> None:
        seen.append(update)

    app.application.add_handler(TypeHandler(Update, note), group=-100)
    return seen


@pytest.mark.parametrize("headers", WRONG_HEADERS.values(), ids=WRONG_HEADERS.keys())
async def test_a_webhook_post_without_the_right_secret_does_nothing_at_all(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    headers: dict[str, str],
) -> None:
    """403, and no handler, no Bot API call, no row, no presence; the same updates with the secret do all that."""
    seen, updates = probe(app), updates_that_would_write(api, 5005)
    calls, rows = len(api.calls), await all_rows(storage)
    async with webhook_client(app) as client:
        statuses = [(await client.post("/hooks/telegram", json=u, headers=headers)).status_code for u in updates]
        assert statuses == [403, 403, 403]
        assert seen == [], "no handler ran"
        assert api.calls[calls:] == [], "no Bot API call was made"
        assert await all_rows(storage) == rows, "no row was written"
        assert app.services.presence.take() == {}, "the chat was not even noted as present"

        right = {HEADER: SECRET}
        statuses = [(await client.post("/hooks/telegram", json=u, headers=right)).status_code for u in updates]
    assert statuses == [200, 200, 200] and len(seen) == 3
    assert api.calls[calls:] and rows_of(await all_rows(storage), 5005)["chat_roadmaps"], "with the secret, all of it"


# --- 3. no secret in any log line -------------------------------------------------------------


async def post(client: httpx.AsyncClient, update: dict[str, Any]) -> None:
    """Deliver an update through the webhook, as Telegram does."""
    assert (await client.post("/hooks/telegram", json=update, headers={HEADER: SECRET})).status_code == 200


async def tap(client: httpx.AsyncClient, api: FakeBotAPI, chat_id: int, label: str) -> None:
    """Tap a button of the chat's latest message, through the webhook."""
    data = find_button(api.last_message(chat_id), label)["callback_data"]
    await post(client, api.callback_update(chat_id, data))


async def converse_with_errors(
    client: httpx.AsyncClient, api: FakeBotAPI, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation where Telegram and the database fail now and then."""
    chat, group = 6006, -1_001_600_000_000

    async def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE step_states", {}, Exception("disk I/O error"))

    await post(client, api.message_update(chat, "/start"))
    await tap(client, api, chat, SEED)
    await tap(client, api, chat, "1. A typed language + git")
    with monkeypatch.context() as patch:
        patch.setattr(storage.progress, "set_step_state", broken)
        await tap(client, api, chat, "✅ Mark done")
    api.fail("editMessageText", "Bad Request: can't parse entities: unsupported start tag")
    await tap(client, api, chat, "✅ Mark done")
    api.fail("sendMessage", "Forbidden: bot was blocked by the user", error_code=403)
    await post(client, api.message_update(chat, "/progress"))
    api.fail("getChatMember", "Bad Request: chat not found")
    await post(client, api.message_update(group, "/forget", user_id=77))
    assert (await client.post("/hooks/telegram", json=api.message_update(chat, "/help"))).status_code == 403


@pytest.mark.logs_errors
@pytest.mark.parametrize("form", ["text", "json"])
async def test_neither_the_token_nor_the_webhook_secret_reaches_a_log_line(
    form: str,
    make_app: AppFactory,
    catalog: Catalog,
    api: FakeBotAPI,
    storage: Storage,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    """DEBUG logging set up as `roadmap-bot run` does, a conversation with errors, a failed nudge."""
    settings = settings_for_tests(webhook_url=URL, webhook_secret=SECRET)
    configure_logging("DEBUG", form, secrets=settings.secrets())
    app = await make_app(catalog)  # python-telegram-bot logs its API URL, the token in it
    await app.application.bot.set_webhook(URL, secret_token=SECRET)  # as `run` does; its parameters are logged
    async with webhook_client(app) as client:
        await converse_with_errors(client, api, storage, monkeypatch)
    clock.advance(days=8)
    api.fail("sendMessage", "Internal Server Error", error_code=500)
    await app.nudges.run_pass(clock())
    log = capsys.readouterr().err

    lines = log.splitlines()
    if form == "json":
        records = [json.loads(line) for line in lines]  # one object per line
        assert {r["level"] for r in records} >= {"DEBUG", "INFO", "WARNING", "ERROR"}
        assert any("OperationalError" in r.get("exception", "") for r in records)
    else:
        assert "Traceback" in log and "OperationalError" in log
    assert "Forbidden: bot was blocked" in log and "parse entities" in log, "the errors were logged"
    assert f"/bot{REDACTED}" in log, "the token reached a record, and was scrubbed"
    assert any("setWebhook" in line and "contents not logged" in line for line in lines), "the call, not its secret"
    secret_half = TOKEN.split(":", 1)[1]
    assert TOKEN not in log and secret_half not in log, "the token"
    assert SECRET not in log, "the webhook secret"


# --- 4. /forget forgets every row ------------------------------------------------------------


async def test_forget_leaves_no_row_about_the_chat_in_any_table_and_others_untouched(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    clock: Clock,
) -> None:
    """Every table had rows about the chat; after /forget each has none, and the other chat's are as they were."""
    mine, theirs = ChatSession(app, api, 3003), ChatSession(app, api, 3004)
    for chat in (mine, theirs):
        await some_progress(chat, clock)
        await open_seed_step(chat, "2. HTTP")
        await chat.tap("🛠 More ▾")
        await chat.tap("☐ 1")  # a done-when check ticked
        await chat.send("/timezone Europe/Berlin")
        _, data = await export_files(chat)
        await chat.process(api.document_update(chat.chat_id, "progress.json", data))  # an import waits
    clock.advance(days=8)
    await app.nudges.run_pass(clock())
    for chat in (mine, theirs):  # as if each had been an operator's chat, with /stats' weekly digest
        await storage.digests.ask_digest(chat.chat_id, True, clock())
        await storage.announcements.draft("Soon", EVERYONE, clock(), chat_id=chat.chat_id)  # and an /announce draft
    sent = await storage.announcements.draft("News", EVERYONE, clock())  # both are recipients of one from the shell
    await storage.announcements.queue(sent.id, clock())
    before = await all_rows(storage)
    empty = sorted(table for table, found in rows_of(before, mine.chat_id).items() if not found)
    assert not empty, f"the chat has no rows in {empty}: the walk must fill every table"

    await mine.send("/forget")
    calls = await mine.tap("🧹 Yes, forget it all")
    after = await all_rows(storage)
    assert answers(calls) == ["🧹 Forgotten"]
    left = {table: found for table, found in rows_of(after, mine.chat_id).items() if found}
    assert left == {}, "rows about the forgotten chat"
    assert rows_except(after, mine.chat_id) == rows_except(before, mine.chat_id), "other chats keep every row"


# --- 5. SQL binds what people type -----------------------------------------------------------

HOSTILE_CHAT = 73_195_008_411
DEEP_LINK = "x'OR'1'='1--"
NOTE = "x'); DROP TABLE step_notes; --"
ODD_NOTE = 'Ω\u202egnp.exe 👩\u200d💻 e\u0301 \ufeff«»\u200b 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ᚠ 中文 \\\' "quoted"'
PLACEHOLDERS_NOTE = "%(c)s ? $1 :r %s {0} '' \\x00"
TIMEZONES = ("Europe/Berlin'; DROP TABLE reminders; --", '"Europe/Berlin"', "europe/berlin")
IMPORTED_NOTE = "'; DELETE FROM chats WHERE '1'='1"
FORGED = "d:x';--:y"


def hostile_export() -> bytes:
    """An export file whose note is SQL, for a roadmap the chat has started (so a question comes first)."""
    step = {"id": "typed-language-and-git", "state": "done", "changed_at": "2026-11-01T00:00:00"}
    step |= {"note": IMPORTED_NOTE, "note_changed_at": "2026-11-01T00:00:00"}
    roadmap = {"id": SEED_ID, "title": "x'--", "started_at": "2026-11-01T00:00:00", "steps": [step]}
    return json.dumps({"format": "roadmap-bot/progress", "version": 1, "roadmaps": [roadmap]}).encode()


async def hostile_conversation(chat: ChatSession) -> None:
    """A person typing SQL, placeholders and odd unicode everywhere the bot takes text."""
    await chat.send(f"/start {DEEP_LINK}")
    await chat.send(f"/start {SEED_ID}")
    await chat.tap("1. A typed language + git")
    await chat.tap("🟡 Working on it")
    await chat.send(f"/note {NOTE}")
    await chat.send(ODD_NOTE, reply_to=chat.last)
    await chat.send(f"/note {PLACEHOLDERS_NOTE}")
    for name in TIMEZONES:
        await chat.send(f"/timezone {name}")
    await chat.press(FORGED)
    await chat.process(chat.api.document_update(chat.chat_id, "x'--.json", hostile_export()))
    await chat.tap("✅ Replace my progress")
    await chat.send("/progress")
    await chat.send("/forget")
    await chat.tap("🧹 Yes, forget it all")


def bound_values(parameters: Any) -> list[Any]:
    """Every value among a statement's parameters (a tuple, a dict, or many of them)."""
    if isinstance(parameters, dict):
        return [v for value in parameters.values() for v in bound_values(value)]
    if isinstance(parameters, list | tuple):
        return [v for value in parameters for v in bound_values(value)]
    return [parameters]


async def test_every_statement_binds_what_people_typed(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
) -> None:
    """No statement's text holds a note, a deep link, a time zone, an import or the chat id: they are bound."""
    recorded: list[tuple[str, Any]] = []

    def record(conn: object, cursor: object, statement: str, parameters: Any, *rest: object) -> None:
        recorded.append((statement, parameters))

    event.listen(storage.engine.sync_engine, "before_cursor_execute", record)
    try:
        chat = ChatSession(app, api, HOSTILE_CHAT)
        await hostile_conversation(chat)
    finally:
        event.remove(storage.engine.sync_engine, "before_cursor_execute", record)
    statements = [statement for statement, _ in recorded]
    values = [value for _, parameters in recorded for value in bound_values(parameters)]
    typed = [DEEP_LINK, NOTE, ODD_NOTE, PLACEHOLDERS_NOTE, *TIMEZONES, IMPORTED_NOTE, FORGED, str(HOSTILE_CHAT)]
    for text in typed:
        assert not [s for s in statements if text in s], f"{text!r} is in the text of a statement"
    assert not [s for s in statements if "DROP" in s.upper() or "DELETE FROM chats WHERE '" in s]
    for stored in (NOTE, ODD_NOTE.strip(), PLACEHOLDERS_NOTE, "Europe/Berlin", IMPORTED_NOTE, HOSTILE_CHAT):
        assert stored in values, f"{stored!r} went to the database as a bound value"
    assert len(statements) > 30
    assert chat.last.text.startswith("🧹 Done"), "the tables the notes named are still there"


# Calls whose first argument is SQL text.
SQL_SINKS = {"text", "literal_column", "exec_driver_sql", "execute", "executemany", "executescript"}
# SQL assembled from code, reviewed: fixed statements with a module constant in them.
REVIEWED = {
    ("storage/engine.py", "f'PRAGMA busy_timeout = {int(busy_timeout_ms)}'"),
    ("storage/migrate.py", "f'SELECT pg_advisory_xact_lock({MIGRATION_LOCK})'"),
}


def stringy(node: ast.expr) -> bool:
    """A string literal, an f-string, or a string built from them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.JoinedStr) or assembled(node)


def assembled(node: ast.expr) -> bool:
    """Whether an expression builds a string at run time: an f-string with values, %, + or .format()."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return stringy(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return stringy(node.left) or stringy(node.right)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def sql_call(node: ast.Call) -> bool:
    """A call that takes SQL text first: text(), sqlalchemy.text(), literal_column(), .execute(), ..."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in SQL_SINKS
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "text":  # draw.text() and the like are not SQL
        return isinstance(func.value, ast.Name) and func.value.id in {"sqlalchemy", "sa"}
    return func.attr in SQL_SINKS


def sql_assembled_in(source: str) -> list[str]:
    """The SQL texts (as source) built at run time and passed to a SQL call, directly or through a variable."""
    tree = ast.parse(source)
    built = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and assembled(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args or not sql_call(node):
            continue
        sql = node.args[0]
        if assembled(sql) or (isinstance(sql, ast.Name) and sql.id in built):
            found.append(ast.unparse(sql))
    return found


def test_the_check_for_assembled_sql_finds_it() -> None:
    """The static check below flags each way of gluing SQL, and leaves bound statements alone."""
    bad = [
        "connection.execute(text(f'SELECT * FROM chats WHERE id = {chat_id}'))",
        "connection.exec_driver_sql('DELETE FROM chats WHERE id = %s' % chat_id)",
        "connection.execute(text('SELECT ' + column))",
        "op.execute('UPDATE reminders SET timezone = {}'.format(zone))",
        "sql = f'DROP TABLE {name}'\nconnection.exec_driver_sql(sql)",
        "select(literal_column(f'{note}'))",
        "sqlalchemy.text('SELECT ' + name + ' FROM chats')",
    ]
    good = [
        "connection.execute(text('SELECT 1 WHERE id = :id'), {'id': chat_id})",
        "connection.execute(select(chats).where(chats.c.id == chat_id))",
        "op.execute(\"DELETE FROM step_states WHERE state = 'working'\")",
        "draw.text(at(1, 2), f'{done} of {total} steps done')",
        "connection.execute(query.limit(limit + 1))",
    ]
    assert [len(sql_assembled_in(code)) for code in bad] == [1] * len(bad)
    assert [sql_assembled_in(code) for code in good] == [[]] * len(good)


def test_no_sql_in_storage_or_handlers_is_assembled_from_strings() -> None:
    """Every SQL text in storage/ and handlers/ (migrations too) is a literal; the reviewed exceptions still exist."""
    files = sorted([*(ROOT / "storage").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")])
    found = {
        (path.relative_to(ROOT).as_posix(), sql)
        for path in files
        for sql in sql_assembled_in(path.read_text(encoding="utf-8"))
    }
    assert found - REVIEWED == set(), "SQL glued from strings: bind the values instead"
    assert found == REVIEWED, "a reviewed exception is gone: take it off the list"
    assert len(files) > 20


# --- 6. a group's admins only reset, forget or import --------------------------------------

SUPERGROUP, BASIC_GROUP = -1_001_555_000_111, -4_555_111
ADMIN, OWNER, MEMBER = 11, 12, 22
CHANNEL = -1_009_999_000_000


@pytest.fixture(params=[SUPERGROUP, BASIC_GROUP], ids=["supergroup", "group"])
def group(request: pytest.FixtureRequest, api: FakeBotAPI) -> int:
    """A group with an administrator and an owner; everyone else is a plain member."""
    api.set_member(request.param, ADMIN, "administrator")
    api.set_member(request.param, OWNER, "creator")
    return int(request.param)


def in_group(app: RoadmapBot, api: FakeBotAPI, group: int, user_id: int) -> ChatSession:
    """One person of the group talking to the bot there."""
    return ChatSession(app, api, group, user_id=user_id)


async def group_progress(admin: ChatSession) -> bytes:
    """The admin opens a roadmap, marks a step done, notes it; returns the group's export file."""
    await open_seed_step(admin, "1. A typed language + git")
    await admin.tap("✅ Mark done")
    await admin.send("Start with the Go tour", reply_to=admin.last)
    _, data = await export_files(admin)
    return data


async def send_file(chat: ChatSession, data: bytes) -> list[Any]:
    """Send an export file to the group as this person, as a reply to the bot (in a group, a file
    that is not addressed to the bot is left alone)."""
    update = chat.api.document_update(chat.chat_id, "progress.json", data, user_id=chat.user_id, reply_to=chat.last)
    return await chat.process(update)


def assert_refused(chat: ChatSession, calls: list[Any], text: str | None = None) -> None:
    """The person got one line saying why (on the button, or in the chat), and nothing else happened;
    unless told otherwise, that only admins may."""
    text = admins_only() if text is None else text
    assert "\n" not in text and "admin" in text
    said = [c.params.get("text") for c in calls if c.method in ("answerCallbackQuery", "sendMessage")]
    assert said == [text], said
    assert not [c for c in calls if c.method.startswith("edit")], "the question stays as it was"


async def test_a_member_cannot_reset_forget_or_import_over_the_groups_progress(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    group: int,
) -> None:
    """Every command and button that replaces or deletes the group's progress says no to a member."""
    admin, member = in_group(app, api, group, ADMIN), in_group(app, api, group, MEMBER)
    data = await group_progress(admin)
    await send_file(admin, data)  # it would replace the roadmap the group started: a question
    replace = admin.last.message_id
    await admin.send("/forget")
    forget = admin.last.message_id
    await admin.send("/reset")
    which = admin.last.message_id
    before = await all_rows(storage)

    assert_refused(member, await member.send("/reset"))
    assert_refused(member, await member.send("/forget"))
    assert_refused(member, await member.tap(f"↩️ {SEED}", message_id=which))
    await admin.tap(f"↩️ {SEED}", message_id=which)
    assert_refused(member, await member.tap("↩️ Yes, reset it", message_id=which))
    assert_refused(member, await member.tap("✖️ Cancel", message_id=which))
    assert_refused(member, await member.tap("🧹 Yes, forget it all", message_id=forget))
    assert_refused(member, await member.tap("✅ Replace my progress", message_id=replace))
    downloads = len(api.calls_of("getFile"))
    assert_refused(member, await send_file(member, data))
    assert len(api.calls_of("getFile")) == downloads, "a member's file is not even downloaded"

    assert await all_rows(storage) == before, "nothing changed, the waiting import included"
    asked = [c for c in api.calls_of("getChatMember", group) if c.params["user_id"] == MEMBER]
    assert len(asked) == 8, "Telegram was asked each time"


async def test_an_admin_and_the_owner_can_reset_import_and_forget(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    group: int,
) -> None:
    """An administrator resets and imports over the progress, the owner forgets it all."""
    admin, owner = in_group(app, api, group, ADMIN), in_group(app, api, group, OWNER)
    data = await group_progress(admin)
    exported = await storage.progress.progress_of(group, SEED_ID)

    await admin.send("/reset")
    await admin.tap(f"↩️ {SEED}")
    assert answers(await admin.tap("↩️ Yes, reset it")) == ["↩️ Reset"]
    assert (await storage.progress.progress_of(group, SEED_ID)).marks == {}

    await open_seed_step(admin, "3. Relational databases & SQL")
    await admin.tap("✅ Mark done")
    await send_file(admin, data)
    assert answers(await admin.tap("✅ Replace my progress")) == ["📥 Imported"]
    assert (await storage.progress.progress_of(group, SEED_ID)).marks == exported.marks

    await owner.send("/forget")
    assert answers(await owner.tap("🧹 Yes, forget it all")) == ["🧹 Forgotten"]
    assert set(map(len, rows_of(await all_rows(storage), group).values())) == {0}
    assert {c.params["user_id"] for c in api.calls_of("getChatMember", group)} == {ADMIN, OWNER}


async def test_an_anonymous_admin_posting_as_the_group_counts_as_an_admin(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    group: int,
) -> None:
    """A message sent as the group itself passes without asking Telegram; one sent as a channel does not."""
    admin = in_group(app, api, group, ADMIN)
    await group_progress(admin)
    before = await all_rows(storage)

    calls = await admin.process(api.message_update(group, "/reset", sender_chat_id=CHANNEL))
    assert_refused(admin, calls)
    calls = await admin.process(api.message_update(group, "/forget", sender_chat_id=CHANNEL))
    assert_refused(admin, calls)
    assert await all_rows(storage) == before

    asked = len(api.calls_of("getChatMember"))
    await admin.process(api.message_update(group, "/reset", sender_chat_id=group))
    assert admin.last.button_texts == [f"↩️ {SEED}", "✖️ Cancel"]
    await admin.process(api.message_update(group, "/forget", sender_chat_id=group))
    assert "Forget everything about this chat?" in admin.last.text
    assert len(api.calls_of("getChatMember")) == asked, "the group itself spoke: no need to ask"
    assert answers(await admin.tap("🧹 Yes, forget it all")) == ["🧹 Forgotten"]  # the tap comes from the person
    assert set(map(len, rows_of(await all_rows(storage), group).values())) == {0}


# Tries of one Bot API call the bot makes before it gives up (the first, then the retries).
TRIES = 1 + inspect.signature(TelegramLimits).parameters["max_retries"].default


def telegram_cannot_tell(api: FakeBotAPI, failure: str) -> None:
    """Make the bot's next getChatMember fail, every retry included."""
    if failure == "bad request":
        api.fail("getChatMember", "Bad Request: chat not found")
    elif failure == "outage":
        api.fail("getChatMember", "Internal Server Error", error_code=500, times=TRIES)
    else:
        api.time_out("getChatMember", times=TRIES)


@pytest.mark.parametrize("failure", ["bad request", "outage", "timeout"])
async def test_when_telegram_cannot_say_who_is_admin_the_answer_is_polite_and_nothing_changes(
    app: RoadmapBot,
    api: FakeBotAPI,
    storage: Storage,
    group: int,
    failure: str,
) -> None:
    """A failed getChatMember: the command or tap is answered with a try-again line, and nothing is changed."""
    admin = in_group(app, api, group, ADMIN)
    await group_progress(admin)
    before = await all_rows(storage)

    telegram_cannot_tell(api, failure)
    assert_refused(admin, await admin.send("/forget"), check_failed())
    await admin.send("/forget")
    telegram_cannot_tell(api, failure)
    assert_refused(admin, await admin.tap("🧹 Yes, forget it all"), check_failed())
    assert await all_rows(storage) == before
    assert answers(await admin.tap("🧹 Yes, forget it all")) == ["🧹 Forgotten"], "and the next try works"


async def test_in_a_private_chat_reset_forget_and_import_work_as_before_without_asking_telegram(
    chat: ChatSession, api: FakeBotAPI, storage: Storage, clock: Clock
) -> None:
    """The person of a private chat is its only member: no getChatMember, nothing refused."""
    await some_progress(chat, clock)
    _, data = await export_files(chat)
    await chat.send("/reset")
    await chat.tap(f"↩️ {SEED}")
    assert answers(await chat.tap("↩️ Yes, reset it")) == ["↩️ Reset"]
    await chat.process(api.document_update(chat.chat_id, "progress.json", data))
    assert answers(await chat.tap("✅ Replace my progress")) == ["📥 Imported"]
    await chat.send("/forget")
    assert answers(await chat.tap("🧹 Yes, forget it all")) == ["🧹 Forgotten"]
    assert set(map(len, rows_of(await all_rows(storage), chat.chat_id).values())) == {0}
    assert api.calls_of("getChatMember") == []
