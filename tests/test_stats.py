"""The operator's numbers, over a known history of eight weeks (ISO weeks 42 to 49 of 2026): every
figure of `roadmap-bot stats --format json` as the history makes it, the "<5" rule, operators left
out, the facts' retention and /forget, and /stats through the real Application."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.application import RoadmapBot, build_bot
from bot.stats import as_csv, document
from progress import Marking, NudgeOutcome, ReminderStatus, Source, StepState
from roadmaps import Catalog
from storage import Storage
from storage.stats_sql import Period
from tests.fakebotapi import FakeBotAPI, FakeRequest
from tests.support import ChatSession, Clock, answers, rows_about, settings_for_tests

SEED = "backend-engineer-ai-era"
W = [dt.datetime(2026, 10, 12, tzinfo=dt.UTC) + dt.timedelta(weeks=n) for n in range(8)]  # Mondays, weeks 1 to 8
UNTIL = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)  # Thursday of week 8
PERIOD = Period(UNTIL - dt.timedelta(weeks=8), UNTIL)
OPERATOR = 999
# Chats by the weeks (1 to 8) they came, each on the Tuesday at 10:00.
VISITS = {
    range(101, 107): range(1, 9),  # every week: current
    range(201, 206): [8],  # new in week 8
    range(301, 306): [1, 2, 3, 4, 5, 6, 8],  # away in week 7 only: reactivated
    range(401, 403): [1, 8],  # away seven weeks: resurrected
    range(501, 506): [1, 2, 3, 4, 5, 6, 7],  # not in week 8: at risk
    range(601, 604): [1],  # week 1 only: dormant
    range(OPERATOR, OPERATOR + 1): range(1, 9),
}


def tuesday(week: int, hour: int = 10) -> dt.datetime:
    return W[week - 1] + dt.timedelta(days=1, hours=hour)


def chats_of(group: range) -> Iterator[int]:
    yield from group


async def seed_history(storage: Storage, catalog: Catalog) -> None:
    """The eight weeks: visits, marks from the chat and the page, nudges, a snooze, a stop, a block."""
    for group, weeks in VISITS.items():
        for week in weeks:
            await storage.chats.note_presence({chat: tuesday(week) for chat in group})
    roadmap = catalog.get(SEED)
    assert roadmap is not None
    s = roadmap.steps
    for chat in [*range(101, 107), OPERATOR]:
        mark = storage.progress.set_step_state
        await mark(chat, SEED, s[0], StepState.WORKING, tuesday(1, 11))  # an hour after the first visit
        await mark(chat, SEED, s[0], StepState.DONE, tuesday(1, 11) + dt.timedelta(hours=48))
        await mark(chat, SEED, s[1], StepState.DONE, tuesday(2, 11))  # 120 hours after step 1 was done
        await mark(chat, SEED, s[2], StepState.SKIPPED, tuesday(3, 11))
    for chat in range(201, 206):  # within the hour of the first visit, on the page
        await storage.progress.set_step_state(
            chat, SEED, s[0], StepState.DONE, tuesday(8, 10) + dt.timedelta(minutes=30), by=Marking(Source.PAGE)
        )
    nudged = W[6] + dt.timedelta(hours=9)  # Monday of week 7, 09:00
    outcomes = [
        NudgeOutcome(c, nudged, ReminderStatus.ACTIVE, None, sent_at=nudged, at=nudged) for c in range(101, 107)
    ]
    # Chat 501 told its zone in week 1 (its row in `chats`, which every chat with a reminder has).
    await storage.reminders.set_zone(501, "UTC", tuesday(1))
    outcomes += [NudgeOutcome(501, nudged, ReminderStatus.IDLE, None, sent_at=nudged, at=nudged, kind="pausing")]
    outcomes += [NudgeOutcome(OPERATOR, nudged, ReminderStatus.ACTIVE, None, sent_at=nudged, at=nudged)]
    await storage.nudges.record_nudge_outcomes(outcomes)
    for chat, after in ((101, 0.5), (102, 0.5), (103, 0.5), (104, 11), (OPERATOR, 0.5)):
        await storage.progress.set_step_state(chat, SEED, s[3], StepState.WORKING, nudged + dt.timedelta(hours=after))
    later = nudged + dt.timedelta(hours=1)
    await storage.reminders.change_reminder(105, later, due_at=later + dt.timedelta(days=1))
    await storage.reminders.change_reminder(106, later, status=ReminderStatus.PAUSED)
    await storage.reminders.stop_reminders(502, ReminderStatus.BLOCKED, W[6] + dt.timedelta(days=2))


FEW = "<5"
STEPS = [
    {"step": "typed-language-and-git", "number": 1, "reached": 11, "done": 11, "skipped": 0, "median_days": 2.0},
    {"step": "http-rest-apis", "number": 2, "reached": 6, "done": 6, "skipped": 0, "median_days": 5.0},
    {"step": "relational-databases-sql", "number": 3, "reached": 6, "done": 0, "skipped": 6, "median_days": FEW},
    {"step": "auth-and-security", "number": 4, "reached": FEW, "done": 0, "skipped": 0, "median_days": FEW},
]


def expected_steps(catalog: Catalog) -> list[dict[str, object]]:
    roadmap = catalog.get(SEED)
    assert roadmap is not None
    steps = []
    for number, step in enumerate(roadmap.steps, 1):
        known = STEPS[number - 1] if number <= len(STEPS) else {}
        row = {"step": step.id, "number": number, "reached": 0, "done": 0, "skipped": 0, "median_days": FEW, **known}
        assert row["step"] == step.id, "the history marks the seed's first steps"
        row["effort_hours"] = [step.effort_hours.low, step.effort_hours.high] if step.effort_hours else None
        steps.append(row)
    return steps


@pytest.fixture
async def history(storage: Storage, catalog: Catalog) -> Storage:
    await seed_history(storage, catalog)
    return storage


async def test_every_figure_of_a_known_history(history: Storage, catalog: Catalog) -> None:
    counts = await history.stats.count(catalog, PERIOD, [OPERATOR])
    found = json.loads(json.dumps(document(counts, catalog, PERIOD)))
    assert found["weeks"] == "ISO 8601 weeks in UTC, Monday first"
    assert found["period"] == {"since": "2026-10-08T12:00:00+00:00", "until": "2026-12-03T12:00:00+00:00"}
    assert found["week"] == "2026-W49"
    assert found["states"] == {
        "new": 5,
        "current": 6,
        "reactivated": 5,
        "resurrected": FEW,
        "at_risk": 5,
        "dormant": FEW,
    }
    assert (found["weekly_active"], found["monthly_active"]) == (18, 23)
    assert found["activation"] == {"new_chats": 26, "activated": 11, "rate": 0.423}
    assert found["roadmaps"][SEED]["steps"] == expected_steps(catalog)
    others = [r for r in found["roadmaps"] if r != SEED]
    assert all(s["reached"] == 0 for r in others for s in found["roadmaps"][r]["steps"])
    assert found["cohorts"] == [
        {"week": "2026-W42", "chats": 21, "active": [1.0, 0.762, 0.762, 0.762, 0.762, 0.762, 0.524, 0.619]},
        {"week": "2026-W49", "chats": 5, "active": [1.0]},
    ]
    assert found["nudges"] == {
        "sent": {"pausing": FEW, "weekly": 6},
        "total": 7,
        "tapped": 0,
        "per_100_sent": {
            "changed_within_2h": 42.9,
            "changed_within_24h": 57.1,
            "snoozed": 14.3,
            "stopped": 14.3,
            "blocked": 14.3,
        },
    }
    assert found["marks"] == {"total": 33, "on_the_page": 5, "page_share": 0.152}
    assert counts.nudges_by_week == {W[6].date(): (7, 4)}
    csv_rows = as_csv(found).splitlines()
    assert csv_rows[0] == "figure,value" and "states.new,5" in csv_rows and "states.dormant,<5" in csv_rows


async def test_operators_are_left_out_and_counted_when_they_are_not(history: Storage, catalog: Catalog) -> None:
    without = await history.stats.count(catalog, PERIOD, [OPERATOR])
    with_them = await history.stats.count(catalog, PERIOD, [])
    assert with_them.weekly_active == without.weekly_active + 1
    assert with_them.nudges.total == without.nudges.total + 1
    assert with_them.marks == without.marks + 5


async def test_the_facts_go_after_their_retention_and_with_forget(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock, catalog: Catalog
) -> None:
    chat = ChatSession(app, api, 4040)
    await chat.send(f"/start {SEED}")
    await chat.tap("1. A typed language + git")
    card = chat.last.message_id
    await chat.tap("✅ Mark done")
    rows = await rows_about(storage, chat.chat_id)
    assert rows["facts"] == 1 and rows["chat_days"] == 1
    clock.advance(days=401)
    await app.housekeeping()  # FACTS_RETENTION_DAYS: 400 by default
    rows = await rows_about(storage, chat.chat_id)
    assert rows["facts"] == 0 and rows["chat_days"] == 0 and rows["step_states"] == 1, "the progress stays"
    await chat.tap("↩️ Undo", card)
    assert (await rows_about(storage, chat.chat_id))["facts"] == 1
    await chat.send("/forget")
    await chat.tap("🧹")
    rows = await rows_about(storage, chat.chat_id)
    assert rows["facts"] == 0 and rows["chat_days"] == 0


async def test_a_nudge_recorded_after_its_chat_was_forgotten_leaves_no_fact(
    app: RoadmapBot, api: FakeBotAPI, storage: Storage, clock: Clock
) -> None:
    kept, gone = ChatSession(app, api, 4041), ChatSession(app, api, 4042)
    for chat in (kept, gone):  # each has its reminder from its first mark
        await chat.send(f"/start {SEED}")
        await chat.tap("1. A typed language + git")
        await chat.tap("✅ Mark done")
        assert (await rows_about(storage, chat.chat_id))["reminders"] == 1
    claimed = clock.now
    await gone.send("/forget")  # between the claim of its nudge and the record of it
    await gone.tap("🧹")
    assert (await rows_about(storage, gone.chat_id))["facts"] == 0
    outcomes = [
        NudgeOutcome(chat.chat_id, claimed, ReminderStatus.ACTIVE, None, sent_at=claimed, at=claimed)
        for chat in (kept, gone)
    ]
    before = (await rows_about(storage, kept.chat_id))["facts"]
    await storage.nudges.record_nudge_outcomes(outcomes)
    assert (await rows_about(storage, kept.chat_id))["facts"] == before + 1, "the nudge sent is a fact"
    assert (await rows_about(storage, gone.chat_id))["facts"] == 0, "a forgotten chat leaves nothing behind"


@pytest.mark.parametrize("make_storage", ["sqlite"], indirect=True)
async def test_the_chart_of_the_history(
    history: Storage, catalog: Catalog, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    from handlers import busiest_roadmap, chart_words, render_chart, state_name
    from progress.stats import ChatState

    counts = await history.stats.count(catalog, PERIOD, [OPERATOR])
    roadmap = busiest_roadmap(counts, catalog)
    assert roadmap is not None and roadmap.id == SEED
    png = render_chart(counts, roadmap, chart_words(roadmap), {s: state_name(s) for s in ChatState})
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    keep_picture(png, tmp_path, refresh_docs=pytestconfig.getoption("update_screenshots"))


def keep_picture(png: bytes, folder: Path, *, refresh_docs: bool) -> None:
    """The chart in the test's folder; in docs/ too when a person asked (--update-screenshots)."""
    (folder / "stats-chart.png").write_bytes(png)
    if refresh_docs:
        (Path(__file__).resolve().parent.parent / "docs" / "stats-chart.png").write_bytes(png)


@pytest.fixture
async def operator_app(api: FakeBotAPI, storage: Storage, clock: Clock, catalog: Catalog) -> AsyncIterator[RoadmapBot]:
    """The bot with one operator's chat (OPERATOR_CHAT_IDS)."""
    bot = build_bot(
        settings_for_tests(operator_chat_ids=[OPERATOR]), catalog, storage, request=FakeRequest(api), clock=clock
    )
    await bot.application.initialize()
    yield bot
    await bot.application.shutdown()


async def test_stats_answers_the_operators_chat_with_the_summary_and_the_chart(
    operator_app: RoadmapBot, api: FakeBotAPI, history: Storage, clock: Clock
) -> None:
    clock.now = UNTIL
    operator = ChatSession(operator_app, api, OPERATOR)
    calls = await operator.send("/stats")
    text = operator.sent()[-1].text
    assert "Week 2026-W49 (ISO weeks, UTC)" in text
    assert "Active: 18 this week · 23 in the last four weeks" in text
    assert "New 5 · Current 6 · Reactivated 5 · Resurrected <5 · At risk 5 · Dormant <5" in text
    assert "Activation: 42% of 26 new chats changed a step within a day" in text
    assert "1. reached 11 · done 11 · skipped 0" in text
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert photo.params["chat_id"] == OPERATOR
    assert operator.last.button_texts == ["🔔 Weekly digest, on Mondays"]

    calls = await operator.tap("🔔 Weekly digest")
    assert answers(calls) == ["🔔 The weekly digest comes on Mondays, 08:00 UTC"]
    assert operator.last.button_texts == ["🔕 Stop the weekly digest"]
    clock.now = dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC)  # the Monday after
    sent_before = len(api.calls_of("sendMessage", OPERATOR))
    await operator_app.housekeeping()
    await operator_app.housekeeping()  # claimed once: the second finds nothing due
    assert len(api.calls_of("sendMessage", OPERATOR)) == sent_before + 1
    assert len([c for c in api.calls if c.method == "sendPhoto"]) == 2


async def test_stats_is_an_unknown_command_for_anyone_else(operator_app: RoadmapBot, api: FakeBotAPI) -> None:
    learner = ChatSession(operator_app, api, 1001)
    calls = await learner.send("/stats")
    assert [c.method for c in calls if c.method.startswith("send")] == ["sendMessage"]
    assert learner.last.text == "I don't know the command /stats. Try /help to see what I can do."


def test_every_metric_the_dashboard_asks_for_is_one_metrics_serves() -> None:
    import re

    from prometheus_client import REGISTRY

    import bot.metrics
    import storage.metrics
    import webapp.metrics

    assert bot.metrics and storage.metrics and webapp.metrics  # registered on import
    dashboard = json.loads((Path(__file__).resolve().parent.parent / "docs" / "grafana-dashboard.json").read_text())
    assert [i["name"] for i in dashboard["__inputs"]] == ["DS_PROMETHEUS"]
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    served = {f.name + suffix for f in REGISTRY.collect() for suffix in suffixes.get(f.type, ("",))}
    asked = set()
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        for target in panel["targets"]:
            asked |= set(re.findall(r"roadmap_bot_[a-z_]+", target["expr"]))
    assert len(asked) >= 8 and asked <= served, sorted(asked - served)
