"""Each roadmap's funnel, counted in the database: chats by the furthest step they changed (a step's
place in the catalog's roadmap, former ids counted as the step they became), chats that did or
skipped each step, and the whole hours each step took to do, as counts by hours."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from progress import StepState
from progress.stats import StepCounts
from roadmaps import Catalog
from storage.progress_writes import STEP_CHANGED
from storage.stats_sql import Scope, hours_between
from storage.tables import facts


def place_of_step(catalog: Catalog) -> ColumnElement[Any]:
    """A step fact's place (from 1) in its roadmap, by its roadmap and step id (former ids too)."""
    f = facts.c
    whens = [
        (and_(f.roadmap_id == roadmap.id, f.step_id == step_id), number)
        for roadmap in catalog
        for number, step in enumerate(roadmap.steps, 1)
        for step_id in step.ids
    ]
    return case(*whens, else_=None) if whens else func.nullif(0, 0)


def current_id(catalog: Catalog, roadmap_id: str, step_id: str) -> str:
    """The id a step has now (a former id counts as the step it became)."""
    roadmap = catalog.get(roadmap_id)
    step = roadmap.step(step_id) if roadmap else None
    return step.id if step else step_id


async def funnel_counts(connection: AsyncConnection, reads: Scope, catalog: Catalog) -> dict[str, StepCounts]:
    """Each roadmap's step counts over the period."""
    f = facts.c
    steps = and_(f.kind == STEP_CHANGED, reads.during(f.at), reads.kept(f.chat_id))
    per_chat = (
        select(f.roadmap_id, func.max(place_of_step(catalog)).label("furthest"))
        .where(steps)
        .group_by(f.chat_id, f.roadmap_id)
        .subquery()
    )
    furthest = select(per_chat.c.roadmap_id, per_chat.c.furthest, func.count()).group_by(
        per_chat.c.roadmap_id, per_chat.c.furthest
    )
    counts: dict[str, dict[str, Any]] = {
        r.id: {"furthest": {}, "done": {}, "skipped": {}, "hours": {}} for r in catalog
    }
    for roadmap_id, place, chats in await connection.execute(furthest):
        if roadmap_id in counts and place is not None:
            counts[roadmap_id]["furthest"][int(place)] = int(chats)
    ends = (
        select(f.roadmap_id, f.step_id, f.new_state)
        .where(steps, f.new_state.in_([StepState.DONE.value, StepState.SKIPPED.value]))
        .group_by(f.chat_id, f.roadmap_id, f.step_id, f.new_state)
        .subquery()
    )
    e = ends.c
    ended = select(e.roadmap_id, e.step_id, e.new_state, func.count()).group_by(e.roadmap_id, e.step_id, e.new_state)
    for roadmap_id, step_id, state, chats in await connection.execute(ended):
        if roadmap_id in counts:
            bucket = counts[roadmap_id]["done" if state == StepState.DONE.value else "skipped"]
            key = current_id(catalog, roadmap_id, step_id)
            bucket[key] = bucket.get(key, 0) + int(chats)
    for roadmap_id, step_id, hours, chats in await connection.execute(hours_statement(reads)):
        if roadmap_id in counts and hours is not None and hours >= 0:
            spent = counts[roadmap_id]["hours"].setdefault(current_id(catalog, roadmap_id, step_id), {})
            spent[int(hours)] = spent.get(int(hours), 0) + int(chats)
    return {roadmap_id: StepCounts(**found) for roadmap_id, found in counts.items()}


def hours_statement(reads: Scope) -> Any:
    """Whole hours from starting a step (its first 🟡, or else the chat's step done before it in the
    roadmap) to doing it, counted by step and hours."""
    f = facts.c
    per_step = (
        select(
            f.chat_id,
            f.roadmap_id,
            f.step_id,
            func.min(case((f.new_state == StepState.WORKING.value, f.at))).label("began"),
            func.min(case((f.new_state == StepState.DONE.value, f.at))).label("done_at"),
        )
        .where(f.kind == STEP_CHANGED, reads.during(f.at), reads.kept(f.chat_id))
        .group_by(f.chat_id, f.roadmap_id, f.step_id)
        .subquery()
    )
    s = per_step.c
    before = func.lag(s.done_at).over(partition_by=(s.chat_id, s.roadmap_id), order_by=s.done_at)
    ordered = select(s.roadmap_id, s.step_id, s.done_at, func.coalesce(s.began, before).label("start")).where(
        s.done_at.is_not(None)
    )
    o = ordered.subquery().c
    hours = hours_between(o.start, o.done_at, reads.dialect).label("hours")
    return (
        select(o.roadmap_id, o.step_id, hours, func.count())
        .where(o.start.is_not(None))
        .group_by(o.roadmap_id, o.step_id, hours)
    )
