"""The momentum of a batch of chats in one statement: the database counts each chat's done steps
by roadmap and week, and the counts are folded into a `Momentum` per chat by momentum's rules.

Per chat and roadmap, only its marks of steps done or skipped are read, and they come back as one
row a week: how many were done that week (the streak), done since the chat's last nudge (steps done
lately), done in the pace's window and the first one done (the pace), and how many of the
roadmap's current steps are done or skipped (the steps left). Only steps the catalog still has
count for the pace, as `pace_of` counts them; the streak and steps done lately count every mark,
as `weekly_streak` and `done_since` do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, Select, bindparam, cast, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from progress.model import StepState
from progress.momentum import PACE_WINDOW, Momentum, Pace, pace_from, streak_of
from roadmaps import Catalog
from storage.id_lists import one_of
from storage.tables import UtcDateTime, reminders, step_states

_LATELY = bindparam("lately", type_=UtcDateTime)  # steps done lately: after this, before a first nudge
_WINDOW = bindparam("window", type_=UtcDateTime)  # the pace's window opens here


def _week(dialect: str) -> ColumnElement[dt.date]:
    """The Monday (UTC) of the week a mark was set, as the database works it out."""
    if dialect == "postgresql":
        return cast(func.date_trunc("week", func.timezone("UTC", step_states.c.changed_at)), Date)
    # SQLite keeps UTC times as text: to the next Sunday (the same day on a Sunday), then back six days.
    return type_coerce(func.date(step_states.c.changed_at, "weekday 0", "-6 days"), Date)


def momentum_statement(catalog: Catalog, dialect: str) -> Select[Any]:
    """The statement for a catalog: which (roadmap, step id) pairs are current is part of it."""
    s = step_states.c
    done = s.state == StepState.DONE.value
    # The catalog's (roadmap, step id) pairs as "roadmap step" (ids are slugs: no space in them),
    # one list bound once with the statement: an IN list of pairs would be rendered anew at
    # every execution.
    steps = [
        f"{roadmap.id} {step_id}" for roadmap in catalog.roadmaps for step in roadmap.steps for step_id in step.ids
    ]
    current = one_of(s.roadmap_id + " " + s.step_id, "current", steps)
    since = func.coalesce(reminders.c.last_sent_at, _LATELY)
    week = _week(dialect)
    return (
        select(
            s.chat_id,
            s.roadmap_id,
            week.label("week"),
            func.count().filter(done).label("done"),
            func.count().filter(done, s.changed_at > since).label("lately"),
            func.count().filter(done, current, s.changed_at > _WINDOW).label("recent"),
            type_coerce(func.min(s.changed_at).filter(done, current), UtcDateTime).label("first_done"),
            func.count().filter(current).label("finished"),
        )
        .select_from(step_states.outerjoin(reminders, reminders.c.chat_id == s.chat_id))
        .where(one_of(s.chat_id, "chats"), or_(s.state == StepState.DONE.value, s.state == StepState.SKIPPED.value))
        .group_by(s.chat_id, s.roadmap_id, week)
    )


@dataclass
class _Tally:
    """One roadmap's figures for the pace, summed over its weeks."""

    recent: int = 0
    first_done: dt.datetime | None = None
    finished: int = 0


@dataclass
class _Chat:
    """One chat's figures, summed over its rows."""

    weeks: set[dt.date] = field(default_factory=set)
    lately: int = 0
    roadmaps: dict[str, _Tally] = field(default_factory=dict)


async def read_momentum(
    connection: AsyncConnection,
    statement: Select[Any],
    catalog: Catalog,
    chat_ids: Sequence[int],
    now: dt.datetime,
    lately: dt.datetime,
) -> dict[int, Momentum]:
    """Each chat's momentum now, in one trip (`statement`: the catalog's `momentum_statement`);
    steps done lately are those after its last nudge (after `lately`, before its first)."""
    params = {"chats": list(chat_ids), "lately": lately, "window": now - PACE_WINDOW}
    chats: dict[int, _Chat] = {}  # chats with a step done or skipped; the others get an empty Momentum
    rows = await connection.execute(statement, params)
    for chat_id, roadmap_id, week, done, done_lately, recent, first_done, finished in rows:
        chat = chats.get(chat_id) or chats.setdefault(chat_id, _Chat())
        if done:
            chat.weeks.add(week)
        chat.lately += done_lately
        tally = chat.roadmaps.setdefault(roadmap_id, _Tally())
        tally.recent += recent
        tally.finished += finished
        if first_done is not None and (tally.first_done is None or first_done < tally.first_done):
            tally.first_done = first_done
    nothing = Momentum()
    return {chat_id: _momentum(catalog, chat, now) if (chat := chats.get(chat_id)) else nothing for chat_id in chat_ids}


def _momentum(catalog: Catalog, chat: _Chat, now: dt.datetime) -> Momentum:
    """A chat's figures as its Momentum."""
    paces: dict[str, Pace] = {}
    for roadmap_id, tally in chat.roadmaps.items():
        roadmap = catalog.get(roadmap_id)
        if roadmap is not None:
            pace = pace_from(tally.recent, tally.first_done, len(roadmap.steps) - tally.finished, now)
            if pace is not None:
                paces[roadmap_id] = pace
    return Momentum(chat.lately, streak_of(chat.weeks, now), paces)
