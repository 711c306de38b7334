"""Parts of views worked out once per roadmap: a roadmap cannot change (a catalog read anew
brings new roadmap objects), so what a view makes of a roadmap, a step of it and a few small
facts (the language, a state) is the same every time it is asked again.

They are kept by the roadmap object's identity, not its value: hashing a roadmap would hash
every step. The roadmap is kept with what was made of it, so its id cannot be reused meanwhile.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, Concatenate, ParamSpec, TypeVar

from roadmaps import Roadmap

Made = TypeVar("Made")
Facts = ParamSpec("Facts")

# Entries kept by each cache, the oldest dropped first: a catalog's roadmaps, their steps and the
# states, languages and options a card is seen in most (a few KiB each); the old ones after
# reloads go.
MOST = 4096
_KEPT: list[dict[tuple[Hashable, ...], tuple[Roadmap, Any]]] = []


def per_roadmap(
    make: Callable[Concatenate[Roadmap, Facts], Made],
) -> Callable[Concatenate[Roadmap, Facts], Made]:
    """`make(roadmap, *facts)`, made the first time a roadmap is asked with these facts (positional
    and hashable: a step by its id, a language, a state), then handed back."""
    kept: dict[tuple[Hashable, ...], tuple[Roadmap, Made]] = {}
    _KEPT.append(kept)

    @functools.wraps(make)
    def once(roadmap: Roadmap, *facts: Any) -> Made:
        key = (id(roadmap), *facts)
        found = kept.get(key)
        if found is None or found[0] is not roadmap:
            if len(kept) >= MOST:
                del kept[next(iter(kept))]  # the oldest made: no cliff where everything is made anew
            found = kept[key] = (roadmap, make(roadmap, *facts))
        return found[1]

    return once  # type: ignore[return-value]


def forget_all() -> None:
    """Drop everything made so far (the tests compare what is kept with what is made anew)."""
    for kept in _KEPT:
        kept.clear()
