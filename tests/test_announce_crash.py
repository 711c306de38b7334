"""An announcement through the real `roadmap-bot run` and the fake Bot API over HTTP: an operator's
/announce to 1,000 chats (50 blocked, a group that became a supergroup, one that turns announcements
off after it was queued), the process killed (SIGKILL) halfway and started again. Every chat gets it
at most once; all but the lease in flight at the kill exactly once; the blocked are marked; the
operator's message ends with the final figures. Then three instances on one PostgreSQL database
share 2,000 chats: no duplicate, none left out, the rate within the limit.

The figures are printed as `FIGURES ...` lines (`pytest -s` shows them)."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update

from bot.announcements import IN_FLIGHT, LATE, LEASE, STALE
from storage import Storage, upgrade
from storage.tables import chats, reminders
from tests.databases import ProcessDatabase
from tests.fakebotapi import BOT_ID, BotMessage, FakeBotAPI, FakeBotAPIServer
from tests.process import ROADMAP_BOT, environment
from tests.support import daytime_rows, find_button

OPERATOR = 5000
NEWS = "<b>New roadmap</b>: Platform engineering is out!"
GROUP, SUPERGROUP = -42, -10042
LONG = 90.0  # seconds any one wait may take on a slow, loaded machine before the test fails


class HoldingBotAPI(FakeBotAPI):
    """The fake Bot API, plus what a crash needs: announcements held from a count on, unanswered,
    until the calling process is dead (`hang_up`); requests of a dead process never arrive."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.generation = 0
        self.held_after: int | None = None
        self.held = 0
        self.delivered: list[tuple[float, int]] = []  # (when, chat) of every announcement delivered

    def hang_up(self) -> None:
        with self._changed:
            self.generation += 1
            self.held_after = None
            self._changed.notify_all()

    def hold_after(self, count: int) -> None:
        with self._changed:
            self.held_after = count

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if method == "getUpdates":
            return super().handle(method, params)
        with self._changed:
            chat_id = int(params.get("chat_id") or 0)
            news = method == "sendMessage" and params.get("text") == NEWS and chat_id != OPERATOR
            if news and self.held_after is not None and len(self.delivered) >= self.held_after:
                self.held += 1
                self._changed.notify_all()
                generation = self.generation
                self._changed.wait_for(lambda: self.generation != generation, LONG)
                return None  # the process died: Telegram never got it
            answer = super().handle(method, params)
            if news and answer is not None and answer[0] == 200:
                self.delivered.append((time.monotonic(), chat_id))
            return answer

    def counts(self) -> Counter[int]:
        with self._changed:
            return Counter(chat for _, chat in self.delivered)


def load_chats(database: ProcessDatabase, ids: list[int]) -> None:
    async def load(storage: Storage) -> None:
        await upgrade(storage.engine)
        now = dt.datetime.now(dt.UTC)
        async with storage.engine.begin() as connection:
            for first in range(0, len(ids), 1000):
                await connection.execute(
                    insert(chats), [{"id": i, "created_at": now} for i in ids[first : first + 1000]]
                )
                await connection.execute(insert(reminders), daytime_rows(ids[first : first + 1000], now))

    database.run(load)


def opt_out(database: ProcessDatabase, chat_id: int) -> None:
    async def write(storage: Storage) -> None:
        async with storage.engine.begin() as connection:
            await connection.execute(update(chats).where(chats.c.id == chat_id).values(announcements=False))

    database.run(write)


@contextmanager
def bot_process(
    server: FakeBotAPIServer, database: ProcessDatabase, log: Path, rate: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`roadmap-bot run` polling the fake, once it polls; killed at the end if still alive."""
    api = server.api
    polls = len(api.calls_of("getUpdates"))
    settings = {
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": database.url,
        "TELEGRAM_MESSAGES_PER_SECOND": rate,
        "OPERATOR_CHAT_IDS": str(OPERATOR),
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [ROADMAP_BOT, "run"],
            cwd=database.directory,
            env=environment(**settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        api.wait_for(lambda: len(api.calls_of("getUpdates")) > polls, LONG)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def announce(api: FakeBotAPI, recipients: int) -> BotMessage:
    """The operator's /announce, confirmed: the message that shows the progress."""
    api.push(api.message_update(OPERATOR, f"/announce {NEWS}"))

    def the_check() -> BotMessage | None:
        found = [m for (chat, _), m in api.messages.items() if chat == OPERATOR and "get it." in m.text]
        return found[-1] if found else None

    check = api.wait_for(the_check, LONG)
    assert f"{recipients:,} chats get it." in check.text, check.text
    data = find_button(check, "✅ Send to")["callback_data"]
    api.push(api.callback_update(OPERATOR, data, message_id=check.message_id))
    api.wait_for(lambda: "sending…" in check.text, LONG)
    return check


def final_text(message: BotMessage) -> str:
    return message.text if "done." in message.text else ""


@pytest.mark.parametrize("process_database", ["sqlite", "postgresql"], indirect=True)
def test_an_announcement_killed_halfway_reaches_every_chat_at_most_once_and_all_but_the_lease_in_flight_once(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    database = process_database
    chat_ids = [GROUP, *range(1, 1000)]
    load_chats(database, chat_ids)
    blocked = set(range(10, 510, 10))
    opted = 999
    api = HoldingBotAPI(blocked_chats=blocked, migrated_chats={GROUP: SUPERGROUP})
    with FakeBotAPIServer(api, token=f"{BOT_ID}:announce-{uuid.uuid4().hex}") as server:
        with bot_process(server, database, tmp_path / "killed.log", "300") as killed:
            progress = announce(api, len(chat_ids))
            opt_out(database, opted)  # after it was queued
            api.hold_after(450)
            api.wait_for(lambda: api.held > 0, LONG)
            killed.send_signal(signal.SIGKILL)
            assert killed.wait(timeout=30) == -signal.SIGKILL
            api.hang_up()
        before_restart = len(api.delivered)
        with bot_process(server, database, tmp_path / "again.log", "300") as again:
            api.wait_for(lambda: final_text(progress), LONG + STALE.total_seconds())
            again.send_signal(signal.SIGTERM)
            assert again.wait(timeout=30) == 0
    received = api.counts()
    duplicates = {chat: n for chat, n in received.items() if n > 1}
    assert not duplicates, f"chats that got it twice: {duplicates}"
    states = dict(database.rows("SELECT chat_id, state FROM announcement_recipients"))
    unknown = {chat for chat, state in states.items() if state == "unknown"}
    assert 0 < len(unknown) <= IN_FLIGHT, "the leases in flight at the kill, and only they, are unknown"
    reachable = (set(chat_ids) - blocked - {opted, GROUP}) | {SUPERGROUP}
    assert set(received) <= reachable, "none blocked, opted out or under its old id"
    assert reachable - unknown - {SUPERGROUP} <= set(received), "all but the lease in flight exactly once"
    assert {chat for chat, state in states.items() if state == "blocked"} == blocked - unknown
    assert states[opted] == "opted_out" and states[GROUP] == "sent"
    stopped = [("active",)] if 10 in unknown else [("blocked",)]  # a block the kill cut off stays unheard
    assert database.rows("SELECT status FROM reminders WHERE chat_id = 10") == stopped
    marked = len(blocked - unknown)
    sent = len(chat_ids) - marked - 1 - len(unknown)
    assert f"{len(chat_ids):,} of {len(chat_ids):,}" in progress.text
    figures = f"sent {sent:,} · blocked {marked} · failed 0 · opted out 1 · left 0 · unknown {len(unknown)}"
    assert figures in progress.text, progress.text
    print(
        f"\nFIGURES announcement kill ({database.dialect}): delivered before the kill {before_restart}, "
        f"held in flight {api.held}, unknown {len(unknown)} (of which delivered {len(unknown & set(received))}), "
        f"duplicates {len(duplicates)}, "
        f"delivered in all {sum(received.values())} of {len(chat_ids) - len(blocked) - 1} reachable"
    )


@pytest.mark.parametrize("process_database", ["postgresql"], indirect=True)
def test_three_instances_on_one_postgresql_share_an_announcement_without_duplicates_within_the_rate(
    tmp_path: Path, process_database: ProcessDatabase
) -> None:
    database = process_database
    chat_ids = list(range(1, 2001))
    load_chats(database, chat_ids)
    rate = 100.0
    api = HoldingBotAPI()
    with FakeBotAPIServer(api, token=f"{BOT_ID}:announce-{uuid.uuid4().hex}") as server, ExitStack() as stack:
        first = stack.enter_context(bot_process(server, database, tmp_path / "one.log", str(rate)))
        progress = announce(api, len(chat_ids))
        for name in ("two", "three"):
            stack.enter_context(bot_process(server, database, tmp_path / f"{name}.log", str(rate)))
        api.wait_for(lambda: final_text(progress), LONG * 2)
        assert first.poll() is None
    received = api.counts()
    duplicates = sum(n - 1 for n in received.values())
    left_out = set(chat_ids) - set(received)
    times = sorted(t for t, _ in api.delivered)
    # A lease's sends go out together at the start of its turn, so a second can hold one lease
    # beyond the rate; a turn reached late is taken again, so a late lease spills at most LATE of
    # its turn into the next.
    window = LEASE + int(LEASE * LATE)
    worst = max((sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times)), default=0)
    overall = len(times) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    print(
        f"\nFIGURES three instances: {len(times)} delivered, duplicates {duplicates}, left out {len(left_out)}, "
        f"overall {overall:.1f}/s against {rate:.0f}/s, busiest second {worst}"
    )
    assert duplicates == 0 and not left_out
    assert overall <= rate * 1.05, "the instances together keep to the limit"
    assert worst <= rate + window, "no second over the limit by more than a lease and a half"
