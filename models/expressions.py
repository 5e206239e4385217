"""SQL expressions every area uses, written once for both databases.

``one_of(column, ids)`` is ``column IN ids`` sent as one parameter: ``= ANY($1)`` with an
integer array on PostgreSQL, ``IN (SELECT value FROM json_each(?))`` with a JSON array on
SQLite. An ordinary ``IN`` list is rendered anew for each execution, one bound parameter
(with its cast) per id, and each length is another statement for PostgreSQL to prepare;
a state in-charge's scope of plants is applied to nearly every read, so that rendering
was about 8% of the In Process tab's CPU (py-spy). With one parameter the statement text
is the same whatever the ids, and SQLAlchemy's compiled cache and asyncpg's prepared
statements serve it every time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine


class IntegerArray(TypeDecorator[list[int]]):
    """A list of integers as one parameter: an array on PostgreSQL, JSON text elsewhere."""

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(sa.Integer))
        return dialect.type_descriptor(sa.String())

    def process_bind_param(self, value: list[int] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return value
        return json.dumps(value)


class OneOf(ColumnElement[bool]):
    """``column`` is one of a list of integers (see the module doc)."""

    inherit_cache = True
    _is_implicitly_boolean = True  # a predicate: SQLite must not render it as ``(...) = 1``
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[Any], ids: list[int]) -> None:
        self.column = column
        self.ids = sa.bindparam(None, ids, type_=IntegerArray())


def one_of(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column IN ids``, as one parameter whatever the number of ids."""
    return OneOf(column, list(ids))


@compiles(OneOf)
def _one_of_in_json(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids, **kw)  # a bound parameter's placeholder
    return f"{column} IN (SELECT value FROM json_each({ids}))"  # noqa: S608 - compiled SQL only


@compiles(OneOf, "postgresql")
def _one_of_array(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)})"
