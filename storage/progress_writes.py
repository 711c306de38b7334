"""How the tap flow writes progress: its statements, built once (a tap is a few of them, so
building counts), each taking one row of parameters or many in one executemany."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, insert

from storage.database import Database
from storage.tables import chat_roadmaps, chats, facts, step_states

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
        )
