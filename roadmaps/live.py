"""The catalog being served, swapped whole when the operator's roadmaps are reloaded.

A tap or a page call pins the catalog that is current when it starts and works with that one to
its end, whatever is swapped in meanwhile: no answer mixes two versions of a roadmap."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from roadmaps.model import Catalog

_numbers = itertools.count(1)


class LiveCatalog:
    """The catalog served now; `swap` replaces it at once, `pin` keeps one for the current task."""

    def __init__(self, catalog: Catalog) -> None:
        self._latest = catalog
        self._pinned: ContextVar[Catalog | None] = ContextVar(f"pinned_catalog_{next(_numbers)}", default=None)

    @property
    def current(self) -> Catalog:
        """The catalog this task pinned, else the latest one."""
        pinned = self._pinned.get()
        return self._latest if pinned is None else pinned

    @property
    def latest(self) -> Catalog:
        """The catalog swapped in last, whatever this task pinned."""
        return self._latest

    def pin(self) -> Catalog:
        """Keep the latest catalog for the rest of this task (an update's handlers), and return it."""
        self._pinned.set(self._latest)
        return self._latest

    @contextmanager
    def pinned(self) -> Iterator[Catalog]:
        """The latest catalog, kept for the block (a page call)."""
        token = self._pinned.set(self._latest)
        try:
            yield self._latest
        finally:
            self._pinned.reset(token)

    def swap(self, catalog: Catalog) -> Catalog:
        """Serve `catalog` from now on (work in flight keeps what it pinned); the one it replaces."""
        before, self._latest = self._latest, catalog
        return before


def live(catalog: Catalog | LiveCatalog) -> LiveCatalog:
    """A live catalog: this one, or a fixed catalog made live."""
    return catalog if isinstance(catalog, LiveCatalog) else LiveCatalog(catalog)
