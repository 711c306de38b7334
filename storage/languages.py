"""The language each chat is spoken to in, as stored (`chats.language`, `chats.language_chosen`),
read through a small cache: an update asks it before its handler runs, and most updates come from
chats asked about a moment ago. The chats not in the cache that updates ask about together are
read together, in one statement (storage.batching), so sixty-four new chats cost one read, not
sixty-four.

On PostgreSQL every change of a chat's language (chosen, followed from the app, or forgotten)
is announced in its own transaction (NOTIFY on CHANNEL_HERE, the schema's, the chat ids as the
payload), and a running bot listens (`listen`): each instance drops a changed chat from its cache
at once, so a person whose next update reaches another instance is answered in the language they
just chose.
Without a listener (SQLite, one process; or while the listening connection is down, when the
cache is emptied) a cached language is trusted for AGE."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, String, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.batching import Batcher
from storage.database import Database
from storage.id_lists import one_of
from storage.row_locks import in_id_order, lock_chats
from storage.tables import chats

log = logging.getLogger(__name__)

AGE = 60.0  # seconds a cached language is trusted
MOST = 100_000  # chats cached at once; the oldest go first
CHANNEL = "roadmap_languages"  # PostgreSQL's NOTIFY channel of changed chats' ids, one per schema
RELISTEN = 5.0  # seconds before listening again after the connection was lost
# Seconds between checks that the listening connection still answers (a link that went silent
# closes nothing, so asyncpg would not tell), and the seconds its answer may take.
ALIVE_EVERY = 20.0
ALIVE_WITHIN = 5.0
# Chat ids a NOTIFY carries: its payload must stay under 8,000 bytes (20 digits and a sign or comma each).
IDS_A_NOTICE = 8000 // 21


@dataclass(frozen=True, slots=True)
class ChatLanguage:
    """What is stored of a chat's language: the language (None: nothing yet) and whether it was chosen."""

    language: str | None = None
    chosen: bool = False


UNKNOWN = ChatLanguage()


class Languages:
    """Chats' languages over the shared Database, cached; the ones their people's apps use are
    written in bulk (with presence), the ones they choose at once."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._cached: dict[int, tuple[float, ChatLanguage]] = {}
        self._seen: dict[int, str] = {}
        self._read = Batcher(self._read_batch, key=lambda chat_id: chat_id)
        self.listening = asyncio.Event()  # set while changes from other instances are heard
        self.listener_pid: int | None = None  # the listening connection's PostgreSQL backend
        # Set, and replaced by a new one, whenever the cache drops chats for a change heard or
        # empties when listening starts or stops: for whoever waits on such a change.
        self.news = asyncio.Event()

    async def of(self, chat_id: int) -> ChatLanguage:
        """A chat's stored language, from the cache while it is fresh."""
        cached = self._cached.get(chat_id)
        if cached is not None and time.monotonic() - cached[0] < AGE:
            return cached[1]
        news = self.news
        found = await self._read(chat_id)
        if self.news is news:  # else a change heard meanwhile may be newer than the read: not kept
            self._keep(chat_id, found)
        return found

    async def _read_batch(self, chat_ids: Sequence[int]) -> list[ChatLanguage]:
        """The stored languages of the chats that updates asked about together, in their order."""
        found = await self.of_chats(chat_ids)
        return [found.get(chat_id, UNKNOWN) for chat_id in chat_ids]

    async def of_chats(self, chat_ids: Iterable[int]) -> dict[int, ChatLanguage]:
        """Several chats' stored languages in one read (a nudge batch's); chats without a row are left out."""
        async with self.database.reading() as connection:
            rows = await connection.execute(_OF_CHATS, {"chats": list(chat_ids)})
            return {chat_id: ChatLanguage(language, bool(chosen)) for chat_id, language, chosen in rows}

    async def choose(self, chat_id: int, language: str, now: dt.datetime) -> None:
        """The chat chose a language (a group's admins, or the bot joining a group): kept, and said from now on."""
        await self._store(chat_id, language, chosen=True, now=now)

    async def _store(self, chat_id: int, language: str, *, chosen: bool, now: dt.datetime) -> None:
        """Keep a chat's language now (its row made if it has none)."""
        values = {"id": chat_id, "created_at": now, "language": language, "language_chosen": chosen}
        insert = self.database.insert(chats).values(values)
        upsert = insert.on_conflict_do_update(
            index_elements=[chats.c.id], set_={"language": language, "language_chosen": chosen}
        )
        async with self.database.writing() as connection:
            await connection.execute(upsert)
            await announce_changes(connection, [chat_id])
        self._seen.pop(chat_id, None)
        self._settled(chat_id, ChatLanguage(language, chosen=chosen))

    async def follow_app(self, chat_id: int, language: str, now: dt.datetime) -> None:
        """A private chat goes back to its app's language (`language`, what the app says now)."""
        await self._store(chat_id, language, chosen=False, now=now)

    def seen(self, chat_id: int, language: str) -> None:
        """A chat's person's app speaks `language`: kept at the next write, unless the chat chose one."""
        self._seen[chat_id] = language

    async def write_seen(self) -> None:
        """Write down the languages seen since the last write, one statement a language; a chat with
        no row yet is seen again on its next update. Nothing to write: no trip to the database."""
        seen, self._seen = self._seen, {}
        if not seen:
            return
        changed: dict[int, str] = {}
        try:
            async with self.database.writing() as connection:
                # The rows to change first, in id order (a statement a language would lock them in
                # its own), and only those: a chat whose row came to need a change since is seen
                # again on its next update.
                asked = {"chats": list(seen), "languages": list(seen.values())}
                locked = await lock_chats(connection, _LOCK_CHANGING, asked)
                by_language: dict[str, list[int]] = {}
                for chat_id, language in seen.items():
                    if locked is None or chat_id in locked:
                        by_language.setdefault(language, []).append(chat_id)
                for language, chat_ids in sorted(by_language.items()):
                    params = {"chats": chat_ids, "language": language}
                    for (chat_id,) in await connection.execute(_WRITE_SEEN, params):
                        changed[chat_id] = language
                await announce_changes(connection, list(changed))
        except BaseException:
            for chat_id, language in seen.items():
                self._seen.setdefault(chat_id, language)
            raise
        for chat_id, language in changed.items():  # committed
            self._settled(chat_id, ChatLanguage(language))

    def forget(self, chat_id: int) -> None:
        """Drop what is known of a chat (it was forgotten)."""
        self._cached.pop(chat_id, None)
        self._seen.pop(chat_id, None)

    async def listen(self) -> None:
        """On PostgreSQL, until cancelled: hear every instance's changes (this one's too) and drop
        those chats from the cache. The listening connection is one of the pool's, held; when it
        is lost the cache is emptied (changes may go unheard until it is back), and it is opened
        again after RELISTEN seconds. On SQLite, nothing to do."""
        if self.database.dialect != "postgresql":
            return
        while True:
            try:
                await self._listen_once()
            except Exception as error:  # the database unreachable, or the connection lost
                log.warning("not hearing other instances' language changes: %s", type(error).__name__)
            finally:
                self.listening.clear()
                self.listener_pid = None
                self._cached.clear()
                self._tell()
            await asyncio.sleep(RELISTEN)

    async def _listen_once(self) -> None:
        """One listening connection's life: LISTEN, then hear changes until the connection is
        closed or stops answering. It never goes back to the pool: it is closed on the way out,
        however that comes (cancelled too), so no other user of the pool gets a listening one."""
        async with self.database.engine.connect() as connection:
            listener: Any = (await connection.get_raw_connection()).driver_connection  # asyncpg's
            try:
                lost = asyncio.Event()
                listener.add_termination_listener(lambda *_: lost.set())
                channel = await connection.scalar(select(CHANNEL_HERE))
                await connection.commit()  # the read's transaction: the connection then sits idle
                await listener.add_listener(channel, self._heard)
                self.listener_pid = listener.get_server_pid()
                self._cached.clear()  # what changed before, unheard
                self.listening.set()
                self._tell()
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), ALIVE_EVERY)
                        break
                    await listener.execute("SELECT 1", timeout=ALIVE_WITHIN)  # raises if it does not answer
                raise ConnectionError  # the listening connection was closed: listen again
            finally:
                listener.terminate()  # at once: no goodbye to wait on from a server that may not answer
                await connection.invalidate()

    def _heard(self, *notice: Any) -> None:
        """asyncpg's callback (connection, pid, channel, payload): the chats a change names; a
        payload that names none (another program's on the channel) empties the cache."""
        try:
            chat_ids = [int(chat_id) for chat_id in str(notice[-1]).split(",")]
        except ValueError:
            self._cached.clear()
        else:
            for chat_id in chat_ids:
                self._cached.pop(chat_id, None)
        self._tell()

    def _tell(self) -> None:
        self.news.set()
        self.news = asyncio.Event()

    def _settled(self, chat_id: int, language: ChatLanguage) -> None:
        """A change this instance made, committed: cached, unless listening, when another instance's
        later change may already have been heard; the change's own notice comes back anyway."""
        if self.listening.is_set():
            self._cached.pop(chat_id, None)
        else:
            self._keep(chat_id, language)

    def _keep(self, chat_id: int, found: ChatLanguage) -> None:
        """Cache a chat's language, making room by dropping the oldest entries."""
        if len(self._cached) >= MOST:
            for oldest in list(self._cached)[: MOST // 10]:
                del self._cached[oldest]
        self._cached.pop(chat_id, None)
        self._cached[chat_id] = (time.monotonic(), found)


# The channel of the connection's schema (its search_path's first), worked out by the server alike
# for the NOTIFY and the LISTEN: bots on other schemas of the same database are other bots, and
# are not told. A channel's name is at most 63 bytes.
CHANNEL_HERE = func.left(func.concat(CHANNEL + ":", func.current_schema()), 63)


async def announce_changes(connection: AsyncConnection, chat_ids: Sequence[int]) -> None:
    """On PostgreSQL, tell every instance's listener that these chats' languages changed, when the
    transaction commits (NOTIFY is transactional: a rolled-back change is not announced)."""
    if connection.dialect.name != "postgresql":
        return
    for start in range(0, len(chat_ids), IDS_A_NOTICE):
        payload = ",".join(str(chat_id) for chat_id in chat_ids[start : start + IDS_A_NOTICE])
        await connection.execute(select(func.pg_notify(CHANNEL_HERE, payload)))


# The rows _WRITE_SEEN will change, of the chats seen (`chats`) with their apps' languages
# (`languages`, in the same order), locked in id order (PostgreSQL only).
_SEEN = (
    func.unnest(bindparam("chats", type_=ARRAY(BigInteger)), bindparam("languages", type_=ARRAY(String)))
    .table_valued("id", "language")
    .render_derived(name="seen")
)
_LOCK_CHANGING = in_id_order(
    select(chats.c.id)
    .join_from(chats, _SEEN, chats.c.id == _SEEN.c.id)
    .where(chats.c.language_chosen.is_(False), chats.c.language.is_distinct_from(_SEEN.c.language))
)

# Some chats' stored languages (`chats`: their ids).
_OF_CHATS = select(chats.c.id, chats.c.language, chats.c.language_chosen).where(one_of(chats.c.id, "chats"))

# The language some chats' apps speak (`language`), kept where no one chose one; only rows it
# changes: a person's app says the same language update after update, and rewriting the row
# would lock it against the chat's taps for nothing.
_WRITE_SEEN = (
    update(chats)
    .where(
        one_of(chats.c.id, "chats"),
        chats.c.language_chosen.is_(False),
        chats.c.language.is_distinct_from(bindparam("language", type_=String)),
    )
    .values(language=bindparam("language", type_=String))
    .returning(chats.c.id)
)
