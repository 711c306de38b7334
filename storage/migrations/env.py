"""Alembic environment: runs on the connection `storage.migrate` hands over, or on DATABASE_URL."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import DEFAULT_DATABASE_URL, create_engine
from storage.tables import content_metadata, metadata


def run_on(connection: Connection) -> None:
    """Apply the migrations on one synchronous connection."""
    context.configure(
        connection=connection,
        target_metadata=[metadata, content_metadata],
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    """For the `alembic` command line: open our own engine from DATABASE_URL."""
    engine = create_engine(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(run_standalone())
