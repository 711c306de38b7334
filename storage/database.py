"""One engine, shared by the stores, and the two kinds of connection they use: reads and write transactions."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

log = logging.getLogger(__name__)

Result = TypeVar("Result")
# PostgreSQL's "try again" errors: a serialization failure and a detected deadlock. The
# transaction that got one was rolled back whole, so running it again is safe.
TRY_AGAIN = frozenset({"40001", "40P01"})
ATTEMPTS = 5


def race_lost(error: BaseException) -> str | None:
    """The SQLSTATE of a database error that says the transaction lost a race and may simply run
    again (TRY_AGAIN); None for any other error."""
    orig = getattr(error, "orig", None)
    codes = (getattr(cause, "sqlstate", None) for cause in (orig, getattr(orig, "__cause__", None)))
    return next((code for code in codes if code in TRY_AGAIN), None)


class DatabaseUnavailable(SQLAlchemyError):
    """The database server could not be reached: refused, timed out, or gone mid-way.

    asyncpg raises these as OSError (its timeouts too), outside SQLAlchemy's own errors; here they
    become one of ours, so that every caller that handles a database error handles this one too."""


@asynccontextmanager
async def reachable() -> AsyncIterator[None]:
    """Turn a driver's connection failure or timeout (an OSError), or no pooled connection free in
    time, into DatabaseUnavailable."""
    try:
        yield
    except OSError as error:
        raise DatabaseUnavailable(f"the database cannot be reached: {error!r}") from error
    except PoolTimeout as error:
        raise DatabaseUnavailable("no database connection came free in time") from error


class Database:
    """An AsyncEngine (SQLite or PostgreSQL) with the reading and writing the stores share."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        # SQLite takes one writer at a time, and a writer that finds the lock taken sleeps in
        # steps of up to 100 ms: queueing this process's writers here instead keeps taps quick.
        # (Other processes on the same file still meet SQLite's busy timeout.)
        self._one_writer = asyncio.Lock() if self.dialect == "sqlite" else None
        # Waiting for that turn is waiting for a connection: it gets the pool's clock.
        self._patience = engine.pool.timeout() if isinstance(engine.pool, QueuePool) else None
        self._unanswered = False  # whether the last thing asked went unanswered (see close)
        # INSERT with ON CONFLICT, in the dialect's own flavour.
        self.insert: Any = postgresql.insert if self.dialect == "postgresql" else sqlite.insert

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads: on PostgreSQL without BEGIN and ROLLBACK round trips around them."""
        async with self._answering(), self.engine.connect() as connection:
            if self.dialect == "postgresql":
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction, committed at the end; on SQLite, one of this process's at a time."""
        if self._one_writer is None:
            async with self._answering(), self.engine.begin() as connection:
                yield connection
            return
        async with self._answering(), self._writers_turn(self._one_writer), self.engine.begin() as connection:
            # The sqlite3 module would open the transaction only at the first write, so a read
            # before it would see a snapshot another process can change before the write; and a
            # deferred transaction that must upgrade to a writer fails at once instead of waiting
            # out the busy timeout. IMMEDIATE takes the write lock first.
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield connection

    async def write_retrying(self, work: Callable[[AsyncConnection], Awaitable[Result]]) -> Result:
        """`work` in a write transaction, run again whole if it loses a race (see `retrying`)."""

        async def in_transaction() -> Result:
            async with self.writing() as connection:
                return await work(connection)

        return await self.retrying(in_transaction)

    async def retrying(self, work: Callable[[], Awaitable[Result]]) -> Result:
        """`work`, whose writes are transactions or single statements: one that loses a race (a
        deadlock, a serialization failure) was rolled back, and the work runs again, up to ATTEMPTS
        times, before the error goes up."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await work()
            except DBAPIError as error:
                code = race_lost(error)
                if attempt == ATTEMPTS or code is None:
                    raise
                log.info("a write lost a race (SQLSTATE %s); trying again (%d of %d)", code, attempt, ATTEMPTS)
                await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    @asynccontextmanager
    async def _answering(self) -> AsyncIterator[None]:
        """`reachable()`, noting whether the database answered."""
        try:
            async with reachable():
                yield
        except DatabaseUnavailable:
            self._unanswered = True
            raise
        self._unanswered = False

    @asynccontextmanager
    async def _writers_turn(self, turn: asyncio.Lock) -> AsyncIterator[None]:
        """This process's turn to write, waited for no longer than a pooled connection is: writers
        queued behind a write lock held elsewhere fail in turn instead of waiting in line."""
        try:
            if turn.locked():  # else it is taken at once, without a timer set and cancelled
                async with asyncio.timeout(self._patience):
                    await turn.acquire()
            else:
                await turn.acquire()
        except TimeoutError as error:
            raise DatabaseUnavailable("no turn to write came in time: the database is busy") from error
        try:
            yield
        finally:
            turn.release()

    async def ping(self) -> None:
        """Raise DatabaseError unless the database answers a trivial query; on SQLite, unless this
        process could write now (another process may hold the write lock, which reads never meet)."""
        if self._one_writer is not None:
            async with self.writing():
                return
        async with self.reading() as connection:
            await connection.execute(select(1))

    async def close(self) -> None:
        """Release every pooled connection, saying goodbye to the database; to one that did not
        answer the last thing asked, or does not answer the goodbye within the pool's clock, the
        connections are left to end with the process."""
        if self._unanswered:
            log.warning("the database did not answer lately: its connections are left to end with the process")
            await self.engine.dispose(close=False)
            return
        try:
            async with asyncio.timeout(self._patience):
                await self.engine.dispose()
        except TimeoutError:
            log.warning("the database did not answer while its connections were closed; they are left")
