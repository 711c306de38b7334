"""A list of ids as one bound parameter: `column IN (the list)` whose text never changes.

An expanding IN (`bindparam(..., expanding=True)`) puts one placeholder a value into the SQL, so
SQLAlchemy renders the statement's text anew at every execution: 4% of a nudge pass, for its four
batch statements (docs/performance.md, "Lists of ids as one parameter"). `one_of` sends the
list as one value instead: PostgreSQL takes it as an array (`= ANY($1)`), SQLite as a JSON array
it unpacks with `json_each`; either finds each chat's rows by its index, as for an IN list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Boolean, String, TypeDecorator, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeEngine


class IdList(TypeDecorator[Sequence[Any]]):
    """Ids bound as one parameter: an array on PostgreSQL, a JSON array elsewhere; integers, or
    text when `text`."""

    impl = String
    cache_ok = True

    def __init__(self, *, text: bool) -> None:
        super().__init__()
        self.text = text

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String() if self.text else BigInteger()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Sequence[Any] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        ids = [str(v) for v in value] if self.text else [int(v) for v in value]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class OneOf(ColumnElement[bool]):
    """`column` is one of the ids bound to `ids` (an IdList parameter)."""

    __visit_name__ = "one_of"
    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison: no `= 1` after it where booleans are integers
    _traverse_internals: ClassVar[list[tuple[str, InternalTraversal]]] = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], ids: BindParameter[Sequence[Any]]) -> None:
        self.column, self.ids = column, ids

    @property
    def _from_objects(self) -> list[Any]:
        return self.column._from_objects


def one_of(column: ColumnElement[Any], name: str, value: Sequence[Any] | None = None) -> OneOf:
    """`column IN` the ids passed as the parameter `name` (a list of ints, or of strings for a
    text column), as one value; `value`: the list bound with the statement, if it is always the same."""
    return OneOf(column, bindparam(name, value, type_=IdList(text=isinstance(column.type, String))))


@compiles(OneOf)
def _in_json(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(OneOf, "postgresql")
def _any_array(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} = ANY({ids})"
