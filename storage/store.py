"""The queries the bot needs: each public method is one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from roadmaps import Step
from storage.progress import Mark, Progress, StepState
from storage.tables import chat_roadmaps, chats, step_states


class Storage:
    """Progress per chat over one AsyncEngine (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def close(self) -> None:
        """Release every pooled connection."""
        await self.engine.dispose()

    async def open_roadmap(self, chat_id: int, roadmap_id: str, now: dt.datetime) -> Progress:
        """Note that the chat uses this roadmap (starting it if new); return its progress."""
        async with self.engine.begin() as connection:
            await self._touch(connection, chat_id, roadmap_id, now)
            return await self._progress(connection, chat_id, roadmap_id)

    async def set_step_state(
        self, chat_id: int, roadmap_id: str, step: Step, state: StepState, now: dt.datetime
    ) -> Progress:
        """Set a step's state under its current id, dropping marks under its former ids."""
        async with self.engine.begin() as connection:
            # Writing first takes SQLite's write lock at once, so the busy timeout applies
            # instead of a read transaction failing to upgrade.
            await self._touch(connection, chat_id, roadmap_id, now)
            stale_ids = step.ids if state is StepState.TODO else step.formerly
            if stale_ids:
                await connection.execute(
                    delete(step_states).where(
                        step_states.c.chat_id == chat_id,
                        step_states.c.roadmap_id == roadmap_id,
                        step_states.c.step_id.in_(stale_ids),
                    )
                )
            if state is not StepState.TODO:
                row = {
                    "chat_id": chat_id,
                    "roadmap_id": roadmap_id,
                    "step_id": step.id,
                    "state": state.value,
                    "changed_at": now,
                }
                upsert = self._insert(step_states).values(row)
                await connection.execute(
                    upsert.on_conflict_do_update(
                        index_elements=[step_states.c.chat_id, step_states.c.roadmap_id, step_states.c.step_id],
                        set_={"state": upsert.excluded.state, "changed_at": upsert.excluded.changed_at},
                    )
                )
            return await self._progress(connection, chat_id, roadmap_id)

    async def progress_of(self, chat_id: int, roadmap_id: str) -> Progress:
        """The chat's progress on one roadmap, empty if it never started it."""
        async with self.engine.connect() as connection:
            return await self._progress(connection, chat_id, roadmap_id)

    async def progress_of_chat(self, chat_id: int) -> list[Progress]:
        """Every roadmap the chat started, the one used last first."""
        query = (
            select(
                chat_roadmaps.c.roadmap_id,
                step_states.c.step_id,
                step_states.c.state,
                step_states.c.changed_at,
            )
            .select_from(
                chat_roadmaps.outerjoin(
                    step_states,
                    (step_states.c.chat_id == chat_roadmaps.c.chat_id)
                    & (step_states.c.roadmap_id == chat_roadmaps.c.roadmap_id),
                )
            )
            .where(chat_roadmaps.c.chat_id == chat_id)
            .order_by(chat_roadmaps.c.last_activity_at.desc(), chat_roadmaps.c.roadmap_id)
        )
        marks_by_roadmap: dict[str, dict[str, Mark]] = {}
        async with self.engine.connect() as connection:
            for roadmap_id, step_id, state, changed_at in await connection.execute(query):
                marks = marks_by_roadmap.setdefault(roadmap_id, {})
                if step_id is not None:
                    marks[step_id] = Mark(StepState(state), changed_at)
        return [Progress(roadmap_id, marks) for roadmap_id, marks in marks_by_roadmap.items()]

    async def _touch(self, connection: AsyncConnection, chat_id: int, roadmap_id: str, now: dt.datetime) -> None:
        """Make sure the chat and its roadmap exist, and mark the roadmap as used now."""
        await connection.execute(self._insert(chats).values(id=chat_id, created_at=now).on_conflict_do_nothing())
        started = self._insert(chat_roadmaps).values(
            chat_id=chat_id, roadmap_id=roadmap_id, started_at=now, last_activity_at=now
        )
        await connection.execute(
            started.on_conflict_do_update(
                index_elements=[chat_roadmaps.c.chat_id, chat_roadmaps.c.roadmap_id],
                set_={"last_activity_at": started.excluded.last_activity_at},
            )
        )

    async def _progress(self, connection: AsyncConnection, chat_id: int, roadmap_id: str) -> Progress:
        """Read the marks of one roadmap of one chat."""
        rows = await connection.execute(
            select(step_states.c.step_id, step_states.c.state, step_states.c.changed_at).where(
                step_states.c.chat_id == chat_id, step_states.c.roadmap_id == roadmap_id
            )
        )
        marks = {step_id: Mark(StepState(state), changed_at) for step_id, state, changed_at in rows}
        return Progress(roadmap_id, marks)
