"""Chats with realistic histories, made by the database itself: several roadmaps a chat, marks in
every state, notes, a reminder each (due over a week), the facts the operator's numbers read, the
days each chat was seen. For the plan tests (100,000 chats) and `bench growth` (up to 1,000,000).

Every row is a function of the chat's id, computed in one INSERT ... SELECT per table over a
series of ids (generate_series on PostgreSQL, a recursive series on SQLite): a million chats'
rows never pass through Python. Chats `first` to `last` are added, so a database grows by ranges.
On PostgreSQL the foreign keys' triggers are off while loading (session_replication_role), as a
bulk restore does; the rows satisfy them by construction. ANALYZE follows, as on a running server.

About ten progress rows (marks) a chat: 1,000,000 chats hold 10,000,000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from roadmaps import Catalog

# The week the reminders are due in: chat i is due at HISTORY_WEEK + (i * 7919 mod a week) seconds,
# so any size of database has as many chats due in an hour, spread alike.
HISTORY_WEEK = dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)
WEEK_SECONDS = 7 * 24 * 3600
_BASE = "2026-06-01 00:00:00"  # chats came over the 180 days after this
_STATES = "CASE (n.i + s.s) % 4 WHEN 3 THEN 'working' WHEN 2 THEN 'skipped' ELSE 'done' END"
_ROADMAPS = "CAST(:roadmaps AS integer)"
LANGUAGES = ("en", "ru", "es", "pt_BR", "fa")  # chat i speaks LANGUAGES[i % 5]
_LANGUAGES = "CASE n.i % 5 " + " ".join(f"WHEN {n} THEN '{code}'" for n, code in enumerate(LANGUAGES)) + " END"


@dataclass(frozen=True)
class Shape:
    """How much history a chat has: `marks` bounds the steps marked on each of its roadmaps (about
    half of it, plus one), `days` the days it was seen."""

    marks: int = 9
    days: int = 4

    def params(self) -> dict[str, int]:
        return {"marks": self.marks, "days": self.days}


FULL = Shape()  # about ten marks (progress rows) a chat, and ten facts
LIGHT = Shape(marks=3, days=2)  # about four marks a chat: the plan tests' tables, quick to build


@dataclass(frozen=True)
class _Sql:
    """What differs between the two databases: a series of ids, a time and a day from an offset."""

    dialect: str

    def ids(self) -> str:
        """The ids first..last as `n(i)`."""
        if self.dialect == "postgresql":
            return "generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS n(i)"
        return "history_ids AS n"

    def at(self, seconds: str) -> str:
        """The moment `seconds` after _BASE, as the column stores it."""
        if self.dialect == "postgresql":
            return f"(timestamptz '{_BASE}+00' + ({seconds}) * interval '1 second')"
        return f"(strftime('%Y-%m-%d %H:%M:%S', '{_BASE}', ({seconds}) || ' seconds') || '.000000')"

    def due(self) -> str:
        """Chat n.i's reminder's due time, in HISTORY_WEEK."""
        base = HISTORY_WEEK.strftime("%Y-%m-%d %H:%M:%S")
        seconds = f"(n.i * 7919) % {WEEK_SECONDS}"
        if self.dialect == "postgresql":
            return f"(timestamptz '{base}+00' + ({seconds}) * interval '1 second')"
        return f"(strftime('%Y-%m-%d %H:%M:%S', '{base}', ({seconds}) || ' seconds') || '.000000')"

    def day(self, days: str) -> str:
        """The day `days` after _BASE."""
        if self.dialect == "postgresql":
            return f"(date '{_BASE[:10]}' + CAST(({days}) AS integer))"
        return f"date('{_BASE[:10]}', ({days}) || ' days')"


def _statements(sql: _Sql) -> list[str]:
    """The INSERT ... SELECT of every table, for chats :first to :last (the `history_steps` table
    and the small series `ks(k)` and `ss(s)` are there)."""
    came = "(n.i * 37) % (180 * 86400)"  # seconds after _BASE the chat came
    # Chat i has 1 + i % 3 roadmaps (k = 0, 1, 2): roadmap (i + k) % roadmaps, started a day apart;
    # on each, steps 0 .. (i * 7 + k * 3) % :marks marked (about five with 9), a day apart.
    roadmap = f"r.roadmap_no = (n.i + k.k) % {_ROADMAPS} AND r.step_no = 0"
    on_roadmaps = f"FROM {sql.ids()} CROSS JOIN ks AS k JOIN history_steps AS r ON {roadmap} WHERE k.k < 1 + n.i % 3"
    marked = (
        f"FROM {sql.ids()} CROSS JOIN ks AS k CROSS JOIN ss AS s JOIN history_steps AS r"
        f" ON r.roadmap_no = (n.i + k.k) % {_ROADMAPS} AND r.step_no = s.s"
        " WHERE k.k < 1 + n.i % 3 AND s.s <= (n.i * 7 + k.k * 3) % CAST(:marks AS integer)"
    )
    mark_at = sql.at(f"{came} + k.k * 86400 + s.s * 86400 + (n.i % 24) * 3600")
    last = sql.at(f"{came} + k.k * 86400 + 9 * 86400")
    return [
        # Welcomes dealt with three days after each chat came, as the nudge pass does, but for one
        # chat in a thousand, still to be dealt with.
        "INSERT INTO chats (id, created_at, current_roadmap_id, current_step_id, language, language_chosen,"
        " welcomed_at)"
        f" SELECT n.i, {sql.at(came)}, r.roadmap_id, r.step_id, {_LANGUAGES}, n.i % 7 = 0,"
        f" CASE WHEN n.i % 1000 = 0 THEN NULL ELSE {sql.at(f'{came} + 3 * 86400')} END"
        f" FROM {sql.ids()} JOIN history_steps AS r ON r.roadmap_no = n.i % {_ROADMAPS} AND r.step_no = 1",
        "INSERT INTO chat_roadmaps (chat_id, roadmap_id, started_at, last_activity_at)"
        f" SELECT n.i, r.roadmap_id, {sql.at(f'{came} + k.k * 86400')}, {last} {on_roadmaps} ORDER BY 1, 2",
        "INSERT INTO step_states (chat_id, roadmap_id, step_id, state, changed_at)"
        f" SELECT n.i, r.roadmap_id, r.step_id, {_STATES}, {mark_at} {marked} ORDER BY 1, 2, 3",  # the key's order
        # A note on the first step of the first roadmap, one chat in five.
        "INSERT INTO step_notes (chat_id, roadmap_id, step_id, text, changed_at)"
        f" SELECT n.i, r.roadmap_id, r.step_id, 'read the chapter on indexes again', {sql.at(came)}"
        f" FROM {sql.ids()} JOIN history_steps AS r ON r.roadmap_no = n.i % {_ROADMAPS} AND r.step_no = 0"
        " WHERE n.i % 5 = 0",
        # Every chat has its reminder: active (a few paused), Fridays at 09:00, due within HISTORY_WEEK;
        # one in three was nudged before.
        "INSERT INTO reminders (chat_id, status, weekdays, hour, timezone, due_at, unanswered, last_sent_at,"
        " failures, stopped_at, claimed_at)"
        f" SELECT n.i, CASE WHEN n.i % 50 = 0 THEN 'paused' ELSE 'active' END, 16, 9, 'UTC',"
        f" CASE WHEN n.i % 50 = 0 THEN NULL ELSE {sql.due()} END, n.i % 2,"
        f" CASE WHEN n.i % 3 = 0 THEN {sql.at(f'{came} + 7 * 86400')} END, 0,"
        f" CASE WHEN n.i % 50 = 0 THEN {sql.at(f'{came} + 8 * 86400')} END, NULL FROM {sql.ids()}",
        # A fact per mark, and a nudge sent to one chat in three.
        "INSERT INTO facts (chat_id, at, kind, roadmap_id, step_id, old_state, new_state, source)"
        f" SELECT n.i, {mark_at}, 'step', r.roadmap_id, r.step_id, 'todo', {_STATES},"
        f" CASE WHEN n.i % 5 = 0 THEN 'page' ELSE 'chat' END {marked}",
        "INSERT INTO facts (chat_id, at, kind, source)"
        f" SELECT n.i, {sql.at(f'{came} + 7 * 86400')}, 'nudge', 'weekly' FROM {sql.ids()} WHERE n.i % 3 = 0",
        # Seen on :days days, three days apart.
        "INSERT INTO chat_days (chat_id, day, first_at)"
        f" SELECT n.i, {sql.day(f'({came}) / 86400 + d.s * 3')}, {sql.at(f'{came} + d.s * 3 * 86400')}"
        f" FROM {sql.ids()} CROSS JOIN ss AS d WHERE d.s < CAST(:days AS integer)",
    ]


def _steps(catalog: Catalog) -> list[dict[str, object]]:
    """The catalog's steps, numbered by roadmap and place."""
    return [
        {"roadmap_no": r, "step_no": s, "roadmap_id": roadmap.id, "step_id": step.id}
        for r, roadmap in enumerate(catalog.roadmaps)
        for s, step in enumerate(roadmap.steps)
    ]


_HELPERS = [
    "CREATE TEMP TABLE history_steps (roadmap_no INTEGER, step_no INTEGER, roadmap_id VARCHAR(64),"
    " step_id VARCHAR(64), PRIMARY KEY (roadmap_no, step_no))",
    "CREATE TEMP TABLE ks (k INTEGER PRIMARY KEY)",
    "CREATE TEMP TABLE ss (s INTEGER PRIMARY KEY)",
]
_TABLES = ("chats", "chat_roadmaps", "step_states", "step_notes", "reminders", "facts", "chat_days")
# The secondary indexes of the tables loaded (not the keys): dropped while loading and made again
# after, as a restore does (sorting once beats inserting a million keys in random places).
_IN_TABLES = ", ".join(f"'{table}'" for table in _TABLES)
_SQLITE_INDEXES = (
    f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({_IN_TABLES})"
)
_POSTGRESQL_INDEXES = (
    "SELECT i.indexname, i.indexdef FROM pg_indexes AS i JOIN pg_class AS c ON c.relname = i.indexname"
    " JOIN pg_index AS x ON x.indexrelid = c.oid"
    f" WHERE i.schemaname = current_schema() AND i.tablename IN ({_IN_TABLES}) AND NOT x.indisunique"
    " AND c.relnamespace = current_schema()::regnamespace"
)


def load_sqlite(path: str, catalog: Catalog, first: int, last: int, shape: Shape = FULL) -> None:
    """Add chats `first` to `last` to the SQLite file at `path`, in one transaction, then ANALYZE."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        with connection:
            for statement in _HELPERS:
                connection.execute(statement)
            connection.execute("CREATE TEMP TABLE history_ids (i INTEGER PRIMARY KEY)")
            connection.execute(
                "INSERT INTO history_ids WITH RECURSIVE n(i) AS (SELECT :first UNION ALL SELECT i + 1 FROM n"
                " WHERE i < :last) SELECT i FROM n",
                {"first": first, "last": last},
            )
            _fill_helpers(connection.executemany, catalog)
            indexes = connection.execute(_SQLITE_INDEXES).fetchall()
            for name, _ in indexes:
                connection.execute(f'DROP INDEX "{name}"')
            params = {"first": first, "last": last, "roadmaps": len(catalog.roadmaps)} | shape.params()
            for statement in _statements(_Sql("sqlite")):
                connection.execute(statement, params)
            for _, made in indexes:
                connection.execute(made)
        connection.execute("ANALYZE")
    finally:
        connection.close()


def _fill_helpers(executemany: object, catalog: Catalog) -> None:
    """The catalog's steps and the small series, in the temporary tables (named parameters)."""
    executemany(  # type: ignore[operator]
        "INSERT INTO history_steps VALUES (:roadmap_no, :step_no, :roadmap_id, :step_id)", _steps(catalog)
    )
    executemany("INSERT INTO ks VALUES (:k)", [{"k": k} for k in range(3)])  # type: ignore[operator]
    executemany("INSERT INTO ss VALUES (:s)", [{"s": s} for s in range(10)])  # type: ignore[operator]


async def load_postgresql(url: str, catalog: Catalog, first: int, last: int, shape: Shape = FULL) -> None:
    """Add chats `first` to `last` to the PostgreSQL database (its search path in `url`), in one
    transaction with the foreign keys' triggers off, then ANALYZE."""
    from sqlalchemy import text

    from storage import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in _HELPERS:
                await connection.execute(text(statement + " ON COMMIT DROP"))
            await connection.execute(
                text("INSERT INTO history_steps VALUES (:roadmap_no, :step_no, :roadmap_id, :step_id)"),
                _steps(catalog),
            )
            await connection.execute(text("INSERT INTO ks SELECT generate_series(0, 2)"))
            await connection.execute(text("INSERT INTO ss SELECT generate_series(0, 9)"))
            for helper in ("history_steps", "ks", "ss"):
                await connection.execute(text(f"ANALYZE {helper}"))
            indexes = (await connection.execute(text(_POSTGRESQL_INDEXES))).all()
            for name, _ in indexes:
                await connection.execute(text(f'DROP INDEX "{name}"'))
            params = {"first": first, "last": last, "roadmaps": len(catalog.roadmaps)} | shape.params()
            for statement in _statements(_Sql("postgresql")):
                await connection.execute(text(statement), params)
            for _, made in indexes:
                await connection.execute(text(made))
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in _TABLES:
                await connection.execute(text(f"ANALYZE {table}"))
    finally:
        await engine.dispose()
