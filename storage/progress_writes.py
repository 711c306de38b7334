"""How the tap flow writes progress: its statements, built once (a tap is a few of them, so
building counts), each taking one row of parameters or many in one executemany."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, String, bindparam, delete, func, insert, text
from sqlalchemy.dialects.postgresql import ARRAY

from storage.database import Database
from storage.tables import UtcDateTime, chat_roadmaps, chats, facts, step_states

# The kind of fact a step's change is.
STEP_CHANGED = "step"
# What a mark was before a change, kept for Undo: SET reads the row as it was before the update.
WAS = {"before_state": step_states.c.state, "before_at": step_states.c.changed_at}


@dataclass(frozen=True, slots=True)
class ProgressWrites:
    """The tap flow's writes; parameters `c` (chat), `r` (roadmap), `s` (step), `at` and the rest."""

    make_current: Any  # the chat (made if new, created `at`) has step `s` of roadmap `r` in front of it
    keep_roadmap: Any  # the chat's row for a roadmap exists (notes hang on it), started or not
    change_roadmap: Any  # a step changed `at`: started (at `started`, if it was not) and the latest changed
    forget_mark: Any  # the mark of step `s` goes
    upsert_mark: Any  # step `s` is in `state` since `at`; one already in that state keeps its row and day
    record_fact: Any  # a fact of `kind` about chat `c` `at`, with its step (`r`, `s`, `old`, `new`) and `source`
    # On PostgreSQL, the five above in one statement (see IN_ONE); none elsewhere.
    in_one: Any = None

    @classmethod
    def of(cls, database: Database) -> ProgressWrites:
        """The statements in the database's flavour of INSERT ... ON CONFLICT."""
        chat, roadmap, step, at = bindparam("c"), bindparam("r"), bindparam("s"), bindparam("at")
        card = database.insert(chats).values(id=chat, created_at=at, current_roadmap_id=roadmap, current_step_id=step)
        kept = database.insert(chat_roadmaps).values(
            chat_id=chat, roadmap_id=roadmap, started_at=None, last_activity_at=at
        )
        changed = database.insert(chat_roadmaps).values(
            chat_id=chat, roadmap_id=roadmap, started_at=bindparam("started"), last_activity_at=at
        )
        mark = database.insert(step_states).values(
            chat_id=chat, roadmap_id=roadmap, step_id=step, state=bindparam("state"), changed_at=at
        )
        return cls(
            make_current=card.on_conflict_do_update(
                index_elements=[chats.c.id],
                set_={
                    "current_roadmap_id": card.excluded.current_roadmap_id,
                    "current_step_id": card.excluded.current_step_id,
                },
            ),
            keep_roadmap=kept.on_conflict_do_nothing(),
            change_roadmap=changed.on_conflict_do_update(
                index_elements=[chat_roadmaps.c.chat_id, chat_roadmaps.c.roadmap_id],
                set_={
                    "started_at": func.coalesce(chat_roadmaps.c.started_at, changed.excluded.started_at),
                    "last_activity_at": changed.excluded.last_activity_at,
                },
            ),
            forget_mark=delete(step_states).where(
                step_states.c.chat_id == chat, step_states.c.roadmap_id == roadmap, step_states.c.step_id == step
            ),
            record_fact=insert(facts).values(
                chat_id=chat,
                at=at,
                kind=bindparam("kind"),
                roadmap_id=roadmap,
                step_id=step,
                old_state=bindparam("old"),
                new_state=bindparam("new"),
                source=bindparam("source"),
            ),
            upsert_mark=mark.on_conflict_do_update(
                index_elements=[step_states.c.chat_id, step_states.c.roadmap_id, step_states.c.step_id],
                set_={"state": mark.excluded.state, "changed_at": mark.excluded.changed_at, **WAS},
                where=step_states.c.state != mark.excluded.state,
            ),
            in_one=IN_ONE if database.dialect == "postgresql" else None,
        )


# A column of values bound as one array, on PostgreSQL.
_ARRAYS = {
    "bigint": ARRAY(BigInteger()),
    "text": ARRAY(String()),
    "timestamptz": ARRAY(UtcDateTime()),
}


def _arrays(**columns: str) -> list[Any]:
    """Bound parameters, each a column of values (as an array of the SQL type named)."""
    return [bindparam(name, type_=_ARRAYS[kind]) for name, kind in columns.items()]


# The tap flow's writes as one statement on PostgreSQL: a batch's net change costs one round trip
# instead of a transaction of up to seven (BEGIN, five statements, COMMIT), and, being one
# statement, it needs no transaction: it is whole or not at all. Each kind of row is a column per
# field, bound as arrays (`unnest` pairs them into rows); an empty kind writes nothing.
# make_current, change_roadmap, forget_mark, upsert_mark and record_fact above say what each part
# does. PostgreSQL runs a statement's parts in an order of its own, unless a part reads the one
# before it: each waits here for the one before (`(SELECT count(*) FROM …) >= 0`, true once it is
# done), so the chat's row is locked first, as every change of a chat's data locks it first (a
# reset's or /forget's lock taken in another order is a deadlock). The parts see the database as
# it was when the statement began, so a mark removed and written anew in one batch is not for
# this statement (a DELETE and an INSERT of one row: PostgreSQL does one of them, unsaid which).
IN_ONE = text(
    """
WITH card AS (
    INSERT INTO chats (id, current_roadmap_id, current_step_id, created_at)
    SELECT * FROM unnest(CAST(:card_c AS BIGINT[]), CAST(:card_r AS TEXT[]), CAST(:card_s AS TEXT[]),
                         CAST(:card_at AS TIMESTAMPTZ[]))
    ON CONFLICT (id) DO UPDATE
    SET current_roadmap_id = excluded.current_roadmap_id, current_step_id = excluded.current_step_id
    RETURNING 1
), roadmap AS (
    INSERT INTO chat_roadmaps (chat_id, roadmap_id, started_at, last_activity_at)
    SELECT * FROM unnest(CAST(:roadmap_c AS BIGINT[]), CAST(:roadmap_r AS TEXT[]),
                         CAST(:roadmap_started AS TIMESTAMPTZ[]), CAST(:roadmap_at AS TIMESTAMPTZ[]))
    WHERE (SELECT count(*) FROM card) >= 0
    ON CONFLICT (chat_id, roadmap_id) DO UPDATE
    SET started_at = coalesce(chat_roadmaps.started_at, excluded.started_at),
        last_activity_at = excluded.last_activity_at
    RETURNING 1
), gone AS (
    DELETE FROM step_states
    USING unnest(CAST(:gone_c AS BIGINT[]), CAST(:gone_r AS TEXT[]), CAST(:gone_s AS TEXT[])) AS g (c, r, s)
    WHERE step_states.chat_id = g.c AND step_states.roadmap_id = g.r AND step_states.step_id = g.s
        AND (SELECT count(*) FROM roadmap) >= 0
    RETURNING 1
), mark AS (
    INSERT INTO step_states (chat_id, roadmap_id, step_id, state, changed_at)
    SELECT * FROM unnest(CAST(:mark_c AS BIGINT[]), CAST(:mark_r AS TEXT[]), CAST(:mark_s AS TEXT[]),
                         CAST(:mark_state AS TEXT[]), CAST(:mark_at AS TIMESTAMPTZ[]))
    WHERE (SELECT count(*) FROM gone) >= 0
    ON CONFLICT (chat_id, roadmap_id, step_id) DO UPDATE
    SET state = excluded.state, changed_at = excluded.changed_at,
        before_state = step_states.state, before_at = step_states.changed_at
    WHERE step_states.state != excluded.state
    RETURNING 1
)
INSERT INTO facts (chat_id, at, kind, roadmap_id, step_id, old_state, new_state, source)
SELECT * FROM unnest(CAST(:fact_c AS BIGINT[]), CAST(:fact_at AS TIMESTAMPTZ[]), CAST(:fact_kind AS TEXT[]),
                     CAST(:fact_r AS TEXT[]), CAST(:fact_s AS TEXT[]), CAST(:fact_old AS TEXT[]),
                     CAST(:fact_new AS TEXT[]), CAST(:fact_source AS TEXT[]))
WHERE (SELECT count(*) FROM mark) >= 0
"""
).bindparams(
    *_arrays(card_c="bigint", card_r="text", card_s="text", card_at="timestamptz"),
    *_arrays(roadmap_c="bigint", roadmap_r="text", roadmap_started="timestamptz", roadmap_at="timestamptz"),
    *_arrays(gone_c="bigint", gone_r="text", gone_s="text"),
    *_arrays(mark_c="bigint", mark_r="text", mark_s="text", mark_state="text", mark_at="timestamptz"),
    *_arrays(
        fact_c="bigint",
        fact_at="timestamptz",
        fact_kind="text",
        fact_r="text",
        fact_s="text",
        fact_old="text",
        fact_new="text",
        fact_source="text",
    ),
)
