"""The language each chat is spoken to in, as stored (`chats.language`, `chats.language_chosen`),
read through a small cache: an update asks it before its handler runs, and most updates come from
chats asked about a moment ago. The chats not in the cache that updates ask about together are
read together, in one statement (storage.batching), so sixty-four new chats cost one read, not
sixty-four. A language chosen on another instance is seen here within AGE."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import String, bindparam, select, update

from storage.batching import Batcher
from storage.database import Database
from storage.id_lists import one_of
from storage.tables import chats

AGE = 60.0  # seconds a cached language is trusted
MOST = 100_000  # chats cached at once; the oldest go first


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

    async def of(self, chat_id: int) -> ChatLanguage:
        """A chat's stored language, from the cache while it is fresh."""
        cached = self._cached.get(chat_id)
        if cached is not None and time.monotonic() - cached[0] < AGE:
            return cached[1]
        found = await self._read(chat_id)
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
        self._seen.pop(chat_id, None)
        self._keep(chat_id, ChatLanguage(language, chosen=chosen))

    async def follow_app(self, chat_id: int, language: str, now: dt.datetime) -> None:
        """A private chat goes back to its app's language (`language`, what the app says now)."""
        await self._store(chat_id, language, chosen=False, now=now)

    def seen(self, chat_id: int, language: str) -> None:
        """A chat's person's app speaks `language`: kept at the next write, unless the chat chose one."""
        self._seen[chat_id] = language

    async def write_seen(self) -> None:
        """Write down the languages seen since the last write, one statement a language; a chat with
        no row yet is seen again on its next update."""
        seen, self._seen = self._seen, {}
        by_language: dict[str, list[int]] = {}
        for chat_id, language in seen.items():
            by_language.setdefault(language, []).append(chat_id)
        try:
            async with self.database.writing() as connection:
                for language, chat_ids in sorted(by_language.items()):
                    params = {"chats": chat_ids, "language": language}
                    for (chat_id,) in await connection.execute(_WRITE_SEEN, params):
                        self._keep(chat_id, ChatLanguage(language))
        except BaseException:
            for chat_id, language in seen.items():
                self._seen.setdefault(chat_id, language)
            raise

    def forget(self, chat_id: int) -> None:
        """Drop what is known of a chat (it was forgotten)."""
        self._cached.pop(chat_id, None)
        self._seen.pop(chat_id, None)

    def _keep(self, chat_id: int, found: ChatLanguage) -> None:
        """Cache a chat's language, making room by dropping the oldest entries."""
        if len(self._cached) >= MOST:
            for oldest in list(self._cached)[: MOST // 10]:
                del self._cached[oldest]
        self._cached.pop(chat_id, None)
        self._cached[chat_id] = (time.monotonic(), found)


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
