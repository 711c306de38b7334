"""Applying Alembic migrations from code: the only way the schema comes to exist."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import reachable

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x726F61646D6170  # an arbitrary advisory-lock key of our own ("roadmap")


def alembic_config() -> Config:
    """An Alembic Config pointing at our migrations, independent of the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    """The newest migration this code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> str | None:
    """Bring the database to a revision (the newest by default); return the revision reached."""
    async with reachable(), engine.connect() as connection:
        return await connection.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> str | None:
    """Run Alembic on one connection, committing once at the end."""
    config = alembic_config()
    config.attributes["connection"] = connection
    if connection.dialect.name != "sqlite":
        # Instances starting together take turns: the first migrates, the others find it done.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        command.upgrade(config, revision)
        connection.commit()
        return MigrationContext.configure(connection).get_current_revision()
    # A batch migration rebuilds a table by dropping it, which would fire ON DELETE CASCADE
    # with foreign keys on; and the sqlite3 module opens transactions only before DML, so
    # we open one ourselves to keep the DDL atomic. IMMEDIATE takes the write lock at once, so
    # a bot writing meanwhile makes us wait (busy timeout) instead of failing on the upgrade
    # from read to write. Foreign keys are checked before commit.
    connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    connection.commit()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        command.upgrade(config, revision)
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            connection.rollback()
            raise RuntimeError(f"migration to {revision} would break foreign keys: {broken[:5]}")
        connection.commit()
        return MigrationContext.configure(connection).get_current_revision()
    except BaseException:
        connection.rollback()  # a migration that fails leaves nothing behind
        raise
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.commit()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for an empty database."""
    async with reachable(), engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
