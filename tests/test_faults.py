"""Telegram at its worst (tests/chaos.py): faults at random and in bursts during taps and during
a nudge pass of 1,000 due chats. Every change a person asked for is recorded, every nudge ends
sent once or dropped by the rules of bot/nudges.py, and everything is counted."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter

import pytest
from sqlalchemy import select

from bot.application import RoadmapBot, build_bot
from bot.limits import TelegramLimits
from bot.nudges import NudgeDispatcher
from progress import StepState
from progress.nudges import MAX_FAILURES, RETRY_DELAY
from roadmaps import Catalog
from storage import Storage
from storage.tables import reminders
from tests.chaos import (
    BLOCKED,
    CHAT_NOT_FOUND,
    EDIT_GONE,
    NO_RIGHTS,
    QUERY_OLD,
    TRANSIENT,
    Chaos,
    ChaosRequest,
    Entry,
)
from tests.fakebotapi import FakeBotAPI
from tests.support import DUE, ChatSession, Clock, load_due_reminders, settings_for_tests

SEED = "backend-engineer-ai-era"
TAPPING_CHATS = 20
DUE_CHATS = 1_000
ANSWER_ATTEMPTS = 4  # a tap's answer: the first call and three retries


async def chaotic_app(api: FakeBotAPI, storage: Storage, catalog: Catalog, chaos: Chaos, clock: Clock) -> RoadmapBot:
    """The bot over a transport with faults; Telegram's pacing lifted so the test takes seconds."""
    unpaced = TelegramLimits(messages_per_second=1e9, group_messages_per_minute=0)
    request = ChaosRequest(api, chaos)
    app = build_bot(settings_for_tests(), catalog, storage, request=request, clock=clock, limits=unpaced)
    await app.application.initialize()
    return app


@pytest.mark.parametrize("seed", [1, 2])
async def test_taps_under_faults_are_all_recorded_answered_while_telegram_answers_and_a_tap_fixes_the_view(
    api: FakeBotAPI, storage: Storage, catalog: Catalog, clock: Clock, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    chaos = Chaos(seed=seed, rate=0.25, on=False)
    app = await chaotic_app(api, storage, catalog, chaos, clock)
    roadmap = catalog.get(SEED)
    assert roadmap is not None
    sessions = [ChatSession(app, api, chat_id) for chat_id in range(1, TAPPING_CHATS + 1)]
    views = {}
    for session in sessions:
        await session.send(f"/start {SEED}")
        views[session.chat_id] = session.last.message_id

    chaos.on = True
    states = [StepState.WORKING, StepState.DONE, StepState.SKIPPED, StepState.DONE]
    letters = {StepState.WORKING: "w", StepState.DONE: "d", StepState.SKIPPED: "k"}

    async def walk(session: ChatSession) -> None:
        for i, step in enumerate(roadmap.steps):
            state = states[(i + session.chat_id) % len(states)]
            await session.press(f"{letters[state]}:{SEED}:{step.id}", views[session.chat_id])

    await asyncio.gather(*(walk(s) for s in sessions))
    chaos.on = False
    faults = chaos.counts()
    assert sum(faults.values()) > 50 and len(faults) >= 8, faults  # the chaos really happened

    # Every change was recorded, whatever Telegram did with the answers.
    for session in sessions:
        progress = await storage.progress.progress_of(session.chat_id, SEED)
        for i, step in enumerate(roadmap.steps):
            assert progress.state_of(step) is states[(i + session.chat_id) % len(states)]

    # Every tap was answered, unless Telegram refused every attempt the bot made.
    answered = _answer_attempts(chaos.ledger)
    for query_id in api.open_queries:
        attempts = answered.get(query_id, [])
        assert attempts and not any(e.acted for e in attempts)
        assert len(attempts) >= ANSWER_ATTEMPTS or attempts[-1].fault in (QUERY_OLD, BLOCKED, CHAT_NOT_FOUND, NO_RIGHTS)
    unanswered = len(api.open_queries)
    api.open_queries.clear()  # Telegram stops the spinner of those itself after a while

    # One more tap on each chat's card, with Telegram well again, shows the truth.
    for session in sessions:
        await session.press(f"r:{SEED}", views[session.chat_id])
        done = sum(states[(i + session.chat_id) % len(states)] is StepState.DONE for i in range(len(roadmap.steps)))
        assert (
            f"{done} of {len(roadmap.steps)} steps done" in api.messages[session.chat_id, views[session.chat_id]].text
        )

    # Telegram's failures are warnings; nothing was logged as the bot's own error.
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    taps = TAPPING_CHATS * len(roadmap.steps)
    print(
        f"{taps} taps, faults {dict(faults)}, unanswered {unanswered}, new messages for lost cards: "
        f"{faults[EDIT_GONE.name]}"
    )
    await app.application.shutdown()


def _answer_attempts(ledger: list[Entry]) -> dict[str, list[Entry]]:
    attempts: dict[str, list[Entry]] = {}
    for entry in ledger:
        if entry.method == "answerCallbackQuery":
            attempts.setdefault(str(entry.params["callback_query_id"]), []).append(entry)
    return attempts


@pytest.mark.logs_errors
async def test_a_nudge_pass_of_1000_due_chats_under_faults_sends_each_once_or_drops_it_by_the_rules(
    api: FakeBotAPI, storage: Storage, catalog: Catalog, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    await load_due_reminders(storage, DUE_CHATS)
    chaos = Chaos(seed=3, rate=0.2, bursts=0.05, faults=(*TRANSIENT, BLOCKED, CHAT_NOT_FOUND, NO_RIGHTS))
    app = await chaotic_app(api, storage, catalog, chaos, clock)
    dispatcher = NudgeDispatcher(app.application.bot, catalog, storage)
    reported: Counter[str] = Counter()
    now, passes = DUE, 0
    while now <= DUE + RETRY_DELAY * (MAX_FAILURES + 1):
        reported += (await dispatcher.run_pass(now)).counts
        now, passes = now + RETRY_DELAY, passes + 1
    chaos.on = False

    sends: dict[int, list[Entry]] = {}
    for entry in chaos.ledger:
        if entry.method == "sendMessage":
            sends.setdefault(int(entry.params["chat_id"]), []).append(entry)
    async with storage.engine.connect() as connection:
        rows = {r.chat_id: r for r in await connection.execute(select(reminders))}
    assert len(sends) == DUE_CHATS  # every due chat was tried

    ended: Counter[str] = Counter()
    duplicates = 0
    for chat_id, attempts in sends.items():
        delivered = sum(e.acted for e in attempts)
        lost_answers = sum(e.acted and e.fault is not None for e in attempts)
        last, row = attempts[-1], rows[chat_id]
        if last.fault is None:
            ended["sent"] += 1
            assert delivered == 1 + lost_answers  # once, but for the documented timeout case
            duplicates += lost_answers
            assert row.status == "active" and row.last_sent_at is not None
        else:
            assert delivered == lost_answers  # dropped: Telegram never took it, or the answer was lost
            if last.fault is BLOCKED:
                ended["blocked"] += 1
                assert row.status == "blocked"
            elif last.fault is CHAT_NOT_FOUND:
                ended["gone"] += 1
                assert row.status == "gone"
            elif last.fault is NO_RIGHTS:
                ended["refused"] += 1
                assert row.status == "active" and row.due_at > DUE + dt.timedelta(days=6)
            else:
                assert last.fault in TRANSIENT and len(attempts) >= MAX_FAILURES
                ended["given up"] += 1
        if row.status == "active":  # nothing is due again before next week's slot
            assert row.due_at > DUE + dt.timedelta(days=6)
    for outcome in ("sent", "blocked", "gone", "refused", "given up"):
        assert reported[outcome] == ended[outcome], (outcome, reported, ended)
    assert ended["sent"] > 0.7 * DUE_CHATS
    errors = {r.getMessage().split(":")[0] for r in caplog.records if r.levelno >= logging.ERROR}
    assert errors <= {f"nudge to chat {chat_id} refused" for chat_id in rows}, errors
    print(
        f"{DUE_CHATS} due chats over {passes} passes: {dict(ended)}; duplicates {duplicates} "
        f"(each a timeout after Telegram took the message); faults {dict(chaos.counts())}"
    )
    await app.application.shutdown()
