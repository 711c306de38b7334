"""taps: button taps of many chats through the whole bot, against the framework's floor.

Both sides run python-telegram-bot's Application on the same in-process fake transport with as
many updates in flight as the bot takes on that database (bot.application.CONCURRENT_UPDATES),
in a process whose garbage collector is tuned as the bot's own (bot.collector). The floor's
handler only answers the query and edits the message (with a step card rendered once, so both
sides send messages of the same size); ours decodes the button, writes and reads the database,
renders the view and does the same two calls.

Then a lone user: the same taps one at a time (1 in flight), with storage's calls served in
batches (as always) and each alone, the path without batches; their ratio shows what batching
costs a tap when the bot is idle.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes

from bench.common import SEED, fresh_storage, median, percentile, postgres_reachable, scratch_dir, summary
from bot.application import build_bot, updates_at_once
from bot.collector import tune_collector
from handlers.step_views import render_step
from progress import Progress, StepState
from roadmaps import load_catalog
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeRequest
from tests.support import settings_for_tests

# What each chat taps, in order: open step 1, mark it done, undo, page 2 of the roadmap.
TAPS = (
    f"s:{SEED}:typed-language-and-git",
    f"d:{SEED}:typed-language-and-git",
    f"u:{SEED}:typed-language-and-git",
    f"r:{SEED}:1",
)


async def drive(
    app: Application,  # type: ignore[type-arg]
    api: FakeBotAPI,
    messages: dict[int, int],
    *,
    lone: bool = False,
) -> tuple[float, list[float]]:
    """Push every tap of every chat through the app's update processor, all at once (or one after
    another when `lone`); return (seconds, latencies)."""
    updates = [
        Update.de_json(api.callback_update(chat_id, data, message_id=message_id), app.bot)
        for data in TAPS
        for chat_id, message_id in messages.items()
    ]
    latencies: list[float] = []

    async def timed(update: Update) -> None:
        started = time.perf_counter()
        await app.process_update(update)
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    if lone:
        for update in updates:
            await app.update_processor.process_update(update, timed(update))
    else:
        await asyncio.gather(*(app.update_processor.process_update(u, timed(u)) for u in updates))
    return time.perf_counter() - started, latencies


async def ours(backend: str, chats: int, *, lone: bool = False, batched: bool = True) -> tuple[float, list[float], int]:
    """Taps through the real bot on a fresh database; `lone`: one at a time; `batched`: whether
    storage serves its calls in batches."""
    api = FakeBotAPI(check_html=False)
    roadmap = load_catalog().get(SEED)
    assert roadmap is not None
    async with fresh_storage(backend, scratch_dir()) as storage:
        storage.progress.batched(batched)
        app = build_bot(settings_for_tests(), load_catalog(), storage, request=FakeRequest(api)).application
        async with app:
            await app.start()  # its jobs too: presence is written every two seconds meanwhile
            # Each chat has started the seed roadmap (set up directly: new messages are paced
            # at Telegram's 30 a second, and setting up is not what is measured), just now, so
            # that its first nudge is a week away: the taps are measured, not a nudge pass.
            messages, last, now = {}, roadmap.steps[-1], dt.datetime.now(dt.UTC)
            for chat_id in range(1, chats + 1):
                await storage.progress.set_step_state(chat_id, SEED, last, StepState.WORKING, now)
                messages[chat_id] = api.seed_message(chat_id, "the roadmap").message_id
            seconds, latencies = await drive(app, api, messages, lone=lone)
            await app.stop()
    return seconds, latencies, len(api.open_queries)


async def floor(chats: int, in_flight: int) -> tuple[float, list[float], int]:
    """The same taps through a bare Application whose handler only answers and edits, `in_flight` at once."""
    roadmap = load_catalog().get(SEED)
    assert roadmap is not None
    # Two cards, alternated, so that every edit changes the message, as ours do.
    cards = [render_step(roadmap, step, Progress(SEED, {})) for step in roadmap.steps[:2]]
    api = FakeBotAPI(check_html=False)

    async def answer_and_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        card = cards[TAPS.index(query.data) % 2]
        await query.answer()
        await query.edit_message_text(card.text, reply_markup=card.keyboard)

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(FakeRequest(api))
        .get_updates_request(FakeRequest(api))
        .concurrent_updates(in_flight)
        .build()
    )
    app.add_handler(CallbackQueryHandler(answer_and_edit))
    async with app:
        messages = {chat_id: api.seed_message(chat_id, "the roadmap").message_id for chat_id in range(1, chats + 1)}
        seconds, latencies = await drive(app, api, messages)
    return seconds, latencies, len(api.open_queries)


def report(backend: str, chats: int, rounds: int, run: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    """Rounds of floor-then-ours; the median round speaks (a noisy neighbour hits both of a round)."""
    taps = chats * len(TAPS)
    results = [asyncio.run(run()) for _ in range(rounds)]
    ratios = [floor_s / ours_s for (floor_s, _, _), (ours_s, _, _) in results]
    middle = results[ratios.index(median(ratios))] if rounds % 2 else results[0]
    (floor_s, floor_lat, _), (ours_s, ours_lat, _) = middle
    figures = {
        "taps_per_s": taps / ours_s,
        "floor_taps_per_s": taps / floor_s,
        "ratio": median(ratios),
        "p50_ms": percentile(ours_lat, 0.50) * 1000,
        "p99_ms": percentile(ours_lat, 0.99) * 1000,
        "floor_p99_ms": percentile(floor_lat, 0.99) * 1000,
        "unanswered": sum(floor_open + ours_open for (_, _, floor_open), (_, _, ours_open) in results),
    }
    print(
        f"{backend}: {taps} taps of {chats} chats, {updates_at_once(backend)} in flight, {rounds} rounds "
        f"(ratios {', '.join(f'{r:.2f}' for r in ratios)}); median round: "
        f"ours {figures['taps_per_s']:.0f}/s, floor {figures['floor_taps_per_s']:.0f}/s, "
        f"ratio {figures['ratio']:.2f}; latency p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms "
        f"(floor p99 {figures['floor_p99_ms']:.1f} ms)"
    )
    return figures


def lone_ratio(backend: str, chats: int, rounds: int) -> float:
    """Rounds of taps one at a time, without batches then with; the median of their speed ratios."""
    ratios = []
    for round_ in range(rounds):  # each side first in every other round: neither always warms up
        sides = [False, True] if round_ % 2 == 0 else [True, False]
        seconds = {side: asyncio.run(ours(backend, chats, lone=True, batched=side))[0] for side in sides}
        ratios.append(seconds[False] / seconds[True])
    print(
        f"{backend}: a lone user, {chats * len(TAPS)} taps one at a time, {rounds} rounds: batched against "
        f"each call alone, ratios {', '.join(f'{r:.2f}' for r in ratios)}; median {median(ratios):.2f}"
    )
    return median(ratios)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench taps")
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the benchmark still works")
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    chats, rounds = (20, 1) if args.quick else (args.chats, args.rounds)
    lone_chats = 5 if args.quick else 250
    tune_collector()

    async def both(backend: str) -> tuple[tuple[float, list[float], int], tuple[float, list[float], int]]:
        return await floor(chats, updates_at_once(backend)), await ours(backend, chats)

    figures = report("sqlite", chats, rounds, lambda: both("sqlite"))
    line = {
        "ratio": figures["ratio"],
        "taps_per_s": figures["taps_per_s"],
        "floor_taps_per_s": figures["floor_taps_per_s"],
        "p50_ms": figures["p50_ms"],
        "p99_ms": figures["p99_ms"],
        "lone_ratio": lone_ratio("sqlite", lone_chats, rounds),
    }
    if postgres_reachable():
        pg = report("postgresql", chats, rounds, lambda: both("postgresql"))
        line |= {
            "pg_ratio": pg["ratio"],
            "pg_taps_per_s": pg["taps_per_s"],
            "pg_p50_ms": pg["p50_ms"],
            "pg_p99_ms": pg["p99_ms"],
            "pg_lone_ratio": lone_ratio("postgresql", lone_chats, rounds),
        }
    else:
        print("postgresql: not reachable, skipped")
    line["unanswered"] = figures["unanswered"]
    return summary("taps", **line)
