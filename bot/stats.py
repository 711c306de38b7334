"""`roadmap-bot stats`: the operator's figures as text, JSON or CSV, and the chart as a PNG. The
counts come from storage, the figures from progress/stats.py; every count of fewer than five
chats shows as "<5", and so does every share of fewer than five."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

from bot.settings import Settings
from handlers import busiest_roadmap, chart_words, render_chart, render_stats, state_name
from progress.announcements import RecipientState, Tally
from progress.stats import (
    ChatState,
    StatsCounts,
    activation_rate,
    funnel,
    honest,
    iso_week,
    nudge_rates,
    page_share,
    retention,
)
from roadmaps import Catalog
from storage import Announcement, Storage, create_engine, upgrade
from storage.stats_sql import Period

WEEKS = "ISO 8601 weeks in UTC, Monday first"
SMALL = "<5"


def rounded(value: float | None, digits: int = 3) -> float | str:
    """A share or a rate as the output gives it: rounded, or "<5" when too few chats stand behind it."""
    return SMALL if value is None else round(value, digits)


def document(counts: StatsCounts, catalog: Catalog, period: Period, roadmap_id: str | None = None) -> dict[str, Any]:
    """Every figure of a period, as JSON takes it."""
    return {
        "weeks": WEEKS,
        "period": {"since": period.since.isoformat(), "until": period.until.isoformat()},
        "week": iso_week(counts.week),
        "states": {state.value: honest(counts.states.get(state, 0)) for state in ChatState},
        "weekly_active": honest(counts.weekly_active),
        "monthly_active": honest(counts.monthly_active),
        "activation": {
            "new_chats": honest(counts.new_chats),
            "activated": honest(counts.activated),
            "rate": rounded(activation_rate(counts)),
        },
        "roadmaps": {
            roadmap.id: roadmap_figures(counts, catalog, roadmap.id)
            for roadmap in catalog
            if roadmap_id in (None, roadmap.id)
        },
        "cohorts": [
            {"week": iso_week(c.week), "chats": honest(c.chats), "active": [rounded(r) for r in retention(c)]}
            for c in counts.cohorts
        ],
        "nudges": {
            "sent": {kind: honest(count) for kind, count in sorted(counts.nudges.sent.items())},
            "total": honest(counts.nudges.total),
            "tapped": honest(counts.nudges.tapped),
            "per_100_sent": {name: rounded(rate, 1) for name, rate in nudge_rates(counts.nudges).items()},
        },
        "marks": {
            "total": honest(counts.marks),
            "on_the_page": honest(counts.page_marks),
            "page_share": rounded(page_share(counts)),
        },
    }


def roadmap_figures(counts: StatsCounts, catalog: Catalog, roadmap_id: str) -> dict[str, Any]:
    """One roadmap's funnel: each step reached, done, skipped, its median days against its estimate."""
    roadmap = catalog.get(roadmap_id)
    assert roadmap is not None, "a roadmap of the catalog"
    steps = funnel([step.id for step in roadmap.steps], counts.funnels[roadmap.id])
    return {
        "title": roadmap.title,
        "steps": [
            {
                "step": figures.step_id,
                "number": number,
                "reached": honest(figures.reached),
                "done": honest(figures.done),
                "skipped": honest(figures.skipped),
                "median_days": SMALL
                if figures.done < 5 or figures.median_hours is None
                else round(figures.median_hours / 24, 1),
                "effort_hours": [step.effort_hours.low, step.effort_hours.high] if step.effort_hours else None,
            }
            for number, (step, figures) in enumerate(zip(roadmap.steps, steps, strict=True), 1)
        ],
    }


def announcement_figures(sent: list[tuple[Announcement, Tally]]) -> list[dict[str, Any]]:
    """Each announcement of the period, newest first: its audience, where it is, and its recipients by
    outcome (exact: an operator sees who an announcement reached, not who a person is)."""
    return [
        {
            "id": announcement.id,
            "created_at": announcement.created_at.isoformat(),
            "audience": str(announcement.audience),
            "status": announcement.status.value,
            "recipients": tally.total,
            **{state.value: tally[state] for state in RecipientState},
        }
        for announcement, tally in sent
    ]


def announcement_lines(sent: list[tuple[Announcement, Tally]]) -> str:
    """The announcements of the period as text lines, after the rest of the figures."""
    if not sent:
        return ""
    lines = ["", "Announcements:"]
    for item in announcement_figures(sent):
        outcomes = ", ".join(f"{state.value.replace('_', ' ')} {item[state.value]}" for state in RecipientState)
        lines.append(f"  #{item['id']} {item['created_at'][:16]} to {item['audience']}, {item['status']}: {outcomes}")
    return "\n".join(lines) + "\n"


def rows(found: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every figure of a document as (dotted name, value), in order."""
    for key, value in found.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from rows(value, f"{name}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for index, item in enumerate(value):
                yield from rows(item, f"{name}[{index}].")
        elif isinstance(value, list):
            yield name, " ".join(str(item) for item in value)
        else:
            yield name, value


def as_csv(found: dict[str, Any]) -> str:
    """The figures as CSV: one figure a row, `figure,value`."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(["figure", "value"])
    writer.writerows(rows(found))
    return output.getvalue()


def as_json(found: dict[str, Any]) -> str:
    """The figures as JSON."""
    return json.dumps(found, ensure_ascii=False, indent=2) + "\n"


def default_period(now: dt.datetime, since: dt.datetime | None, until: dt.datetime | None) -> Period:
    """The period asked for; by default the eight weeks up to now."""
    end = until or now
    return Period(since or end - dt.timedelta(weeks=8), end)


async def figures_of_period(settings: Settings, catalog: Catalog, args: argparse.Namespace) -> str:
    """The figures `roadmap-bot stats` prints, in the format asked for; the chart drawn if asked."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        storage = Storage(engine)
        period = default_period(dt.datetime.now(dt.UTC), args.since, args.until)
        counts = await storage.stats.count(catalog, period, settings.operator_chat_ids)
        sent = [(a, t) for a, t in await storage.announcements.recent(period.since) if a.created_at < period.until]
    finally:
        await engine.dispose()
    if args.chart is not None:
        roadmap = catalog.get(args.roadmap) if args.roadmap else busiest_roadmap(counts, catalog)
        names = {state: state_name(state) for state in ChatState}
        args.chart.write_bytes(render_chart(counts, roadmap, chart_words(roadmap), names))
    if args.format == "text":
        return html_to_text(render_stats(counts, catalog)) + "\n" + announcement_lines(sent)
    found = document(counts, catalog, period, args.roadmap) | {"announcements": announcement_figures(sent)}
    return as_json(found) if args.format == "json" else as_csv(found)


def html_to_text(html: str) -> str:
    """A view's HTML as a terminal shows it: tags gone, entities read."""
    return unescape(re.sub(r"<[^>]+>", "", html))
