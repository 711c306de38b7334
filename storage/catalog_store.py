"""The operator's published catalogs: publishing one, withdrawing them, and reading the newest
(every instance polls it). Each method is one statement or transaction."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from storage.database import Database
from storage.tables import catalog_publications


@dataclass(frozen=True, slots=True)
class Publication:
    """One publication: its number (newer is higher), the catalog's version (None: withdrawn),
    whether the built-in roadmaps are served with it, and its files (name and YAML text)."""

    number: int
    version: str | None
    builtin: bool = True
    files: Mapping[str, str] = field(default_factory=dict)

    @property
    def withdrawn(self) -> bool:
        """Whether this publication sends every instance back to its own folders."""
        return self.version is None


class CatalogStore:
    """Publications over the shared Database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def publish(self, version: str, builtin: bool, files: Mapping[str, str], at: dt.datetime) -> int:
        """Store a catalog for every instance to serve; its number."""
        row = {"version": version, "builtin": builtin, "files": json.dumps(dict(files)), "published_at": at}
        async with self.database.writing() as connection:
            inserted = await connection.execute(catalog_publications.insert().values(**row))
        return int(inserted.inserted_primary_key[0])

    async def withdraw(self, at: dt.datetime) -> int:
        """Send every instance back to its own folders; the withdrawal's number."""
        async with self.database.writing() as connection:
            inserted = await connection.execute(
                catalog_publications.insert().values(version=None, builtin=True, files=None, published_at=at)
            )
        return int(inserted.inserted_primary_key[0])

    async def newest_number(self) -> int:
        """The number of the newest publication or withdrawal; 0 if there has been none (cheap: polled)."""
        async with self.database.reading() as connection:
            return int((await connection.execute(select(func.max(catalog_publications.c.id)))).scalar() or 0)

    async def newest(self) -> Publication | None:
        """The newest publication or withdrawal, files and all; None if there has been none."""
        table = catalog_publications
        query = select(table.c.id, table.c.version, table.c.builtin, table.c.files).order_by(table.c.id.desc()).limit(1)
        async with self.database.reading() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return Publication(row.id, row.version, row.builtin, json.loads(row.files) if row.files else {})
