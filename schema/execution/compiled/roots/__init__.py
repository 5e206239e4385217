"""Root fields the compiler answers.

A ``ConnectionRoot`` is a Relay connection over one source's rows: ``prepare`` checks and
converts the field's arguments (as the field function would, raising ``Fallback`` where
it would answer an error) into values the statement reads and a *shape*, the part of the
arguments that changes the SQL (which filters are given, the order); ``conditions`` and
``order`` write that SQL for a shape. Paging (first/after/last/before, cursors, pageInfo,
totalCount) is the compiler's, exactly as ``resolvers.pagination.paginate`` pages.

A ``NodeRoot`` is ``node(id:)``: the object of the id's type, if the caller may see it.

A ``ResolverRoot`` or an ``AggregateRoot`` answers figures rather than rows: the first
through a resolver of the standard path, the second through statements of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import ColumnElement, FromClause

from schema.dates import DateRange
from schema.execution.compiled.sources import Build, Call

Shape = Hashable


@dataclass(frozen=True, slots=True)
class SortKey:
    """A column of the order (``resolvers.pagination.SortKey``): its name and direction,
    or an expression over the row (its cursor value is the expression's)."""

    column: str
    descending: bool
    expression: Callable[[Build, FromClause], ColumnElement[Any]] | None = None


@dataclass(frozen=True, slots=True)
class ConnectionRoot:
    """``node_source``: the source the nodes are read from (the type's by default)."""

    node_type: str
    prepare: Callable[[Call], Shape]
    conditions: Callable[[Build, FromClause, Shape], list[ColumnElement[bool]]]
    order: Callable[[Shape], tuple[SortKey, ...]]
    node_source: str = ""


@dataclass(frozen=True, slots=True)
class ListRoot:
    """A root field answering a list of one source's rows (or, ``single``, one row or
    null), kept by ``conditions`` in ``order`` (column names, descending or not). The
    source's own visibility applies only when ``visible`` (roots that list what anyone
    may see, or that apply the scope in ``conditions``, leave it out)."""

    node_type: str
    prepare: Callable[[Call], Shape]
    conditions: Callable[[Build, FromClause, Shape], list[ColumnElement[bool]]]
    order: tuple[tuple[str, bool], ...] = ()
    single: bool = False
    visible: bool = False


def no_arguments(_call: Call) -> Shape:
    return None


def no_conditions(_build: Build, _rows: FromClause, _shape: Shape) -> list[ColumnElement[bool]]:
    return []


@dataclass(frozen=True, slots=True)
class NodeRoot:
    """``node(id:)``."""


@dataclass(frozen=True, slots=True)
class ResolverRoot:
    """A root field whose answer a resolver computes (an aggregate of several statements):
    ``resolve(context, arguments)`` gives it as plain values, a dict per object holding
    every field of ``provides`` (type name to field names), raising ``Fallback`` where the
    field function would answer an error. The selection then picks from them."""

    resolve: Callable[[Any, dict[str, Any]], Awaitable[Any]]
    provides: Mapping[str, frozenset[str]]


Rows = list[Any]
RunStatement = Callable[[int], Awaitable[Rows]]


@dataclass(frozen=True, slots=True)
class AggregateRoot:
    """A root field answered from a few statements of its own (an aggregate, not a list
    of one source's rows). ``prepare(call)`` checks and converts the arguments into
    ``call.values`` (raising ``Fallback`` where the field function would answer an error)
    and gives the shape; ``statements(build, shape)`` writes the statements, compiled once
    per audience and shape; ``answer(call, run)`` runs them by their index, in the order
    and as often as it needs (a later statement may read what an earlier one found, through
    ``call.values``), and gives plain values as a ``ResolverRoot`` does, of ``provides``."""

    prepare: Callable[[Call], Shape]
    statements: Callable[[Build, Shape], list[Any]]
    answer: Callable[[Call, RunStatement], Awaitable[Any]]
    provides: Mapping[str, frozenset[str]]


Root = ConnectionRoot | ListRoot | NodeRoot | ResolverRoot | AggregateRoot


def date_range(given: Any) -> DateRange | None:
    """A ``DateRange`` argument as the schema's input type holds it."""
    if given is None:
        return None
    return DateRange(from_=given["from"], to=given["to"])
