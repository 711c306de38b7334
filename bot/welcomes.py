"""Welcomes: a chat that opened a step card and changed nothing hears from the bot once,
WELCOME_AFTER later, outside its quiet hours; one that started meanwhile has its weekly reminders
and hears nothing more. Part of every nudge pass, after the weekly nudges.

A welcome is taken (its chat marked as welcomed) before it is sent, as a weekly nudge is claimed:
at most once, whatever the instances or a crash between taking and sending.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from telegram.error import TelegramError

from bot.metrics import NUDGES
from handlers import Screen, render_welcome_nudge
from i18n.catalogs import SOURCE, speaking
from progress.nudges import WELCOME, WELCOME_AFTER, plan_welcome, welcome_awake
from progress.schedule import DEFAULT_TIMEZONE
from roadmaps import Catalog
from storage import Storage
from storage.nudge_store import Welcome

log = logging.getLogger(__name__)

BATCH = 100


async def welcome_pass(
    catalog: Catalog,
    storage: Storage,
    send: Callable[[int, Screen], Awaitable[None]],
    now: dt.datetime,
    counts: Counter[str],
    keep_going: Callable[[], bool] = lambda: True,
) -> None:
    """Every welcome due by `now` whose chat is awake, a batch at a time; those sent (or not, for
    Telegram's reasons) counted in `counts`."""
    nudges = storage.nudges
    while keep_going():
        pending = await nudges.welcomes_pending(now - WELCOME_AFTER, BATCH)
        awake = [chat_id for chat_id, timezone in pending if welcome_awake(now, timezone or DEFAULT_TIMEZONE)]
        if not awake:
            return  # nothing due, or only chats asleep now: a later pass
        taken = await nudges.claim_welcomes(awake, now)
        sent = await asyncio.gather(*(welcome(catalog, w, send, counts) for w in taken))
        await nudges.record_welcomes([w.chat_id for w, went in zip(taken, sent, strict=True) if went], now, WELCOME)
        if len(pending) < BATCH:
            return


async def welcome(
    catalog: Catalog, taken: Welcome, send: Callable[[int, Screen], Awaitable[None]], counts: Counter[str]
) -> bool:
    """Send one chat its welcome, in its language, unless it needs none; whether it went."""
    language = taken.language or SOURCE
    with speaking(language):
        translated = catalog.in_language(language)
        plan = None if taken.started else plan_welcome(translated, taken.roadmap_id, taken.step_id)
        screen = None if plan is None else render_welcome_nudge(plan)
    if screen is None:  # it started (its weekly reminders are on), or its roadmap is gone: nothing to say
        return False
    try:
        await send(taken.chat_id, screen)
    except TelegramError as error:  # a welcome is not tried again: it was only ever a gentle word
        log.info("welcome to chat %s not sent: %s", taken.chat_id, error)
        counts["welcome not sent"] += 1
        NUDGES.labels("welcome not sent").inc()
        return False
    counts["welcomed"] += 1
    NUDGES.labels("welcomed").inc()
    return True
