"""The SQL behind GraphQL object types: what the compiler may read for each field.

An ``ObjectSource`` names a type's table and which of its rows a caller may see when the
type is reached by a relation or by id (``visible``); each of its fields is one of:

- ``NodeId``: the type's global id, from its key column;
- ``Column``: a scalar or enum stored in one column;
- ``Computed``: a value computed in Python from columns of the row (and the settings);
- ``Embedded``: an object made of columns of the same row (``Money``, ``Location``);
- ``ToOne``: another type's row, joined by a key of this row (null when it is missing
  or not visible);
- ``ToMany``: a list of another type's rows that point at this row, in a fixed order,
  read by one more statement for all the rows of the level;
- ``Detail``: any of these, shown only when the source's ``details`` condition holds for
  the row (null, or an empty list, otherwise): staff outside the caller's visibility are
  references, a name and a role.

A field that has none is not compiled: a document that selects it runs the standard way.
The rules here mirror the resolvers and loaders; the differential test
(tests/compiled) holds every compiled answer to the standard one, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause

from auth.actor import Actor
from core.settings import Settings
from models.expressions import IntegerArray, OneOf
from models.staff import Role
from schema.execution.compiled.values import Encode, as_is


class NotCompiled(Exception):
    """This document, or this caller's variant of it, runs the standard way."""


class Fallback(Exception):
    """This request is answered the standard way (an error, or a value the compiled path
    does not reproduce); raised while a compiled operation runs."""


@dataclass(frozen=True, slots=True)
class Audience:
    """What decides a compiled statement besides the document and the variables' shape:
    the caller's role, and whether their scope is every plant."""

    role: Role
    everything: bool

    @classmethod
    def of(cls, actor: Actor) -> Audience:
        return cls(actor.role, actor.scope.everything)


@dataclass(slots=True)
class Call:
    """One request as a compiled operation sees it."""

    actor: Actor
    settings: Settings
    arguments: dict[str, Any] = field(default_factory=dict)  # the root field's, coerced
    values: dict[Any, Any] = field(default_factory=dict)  # computed from the arguments


Getter = Callable[[Call], Any]


class Build:
    """Building one statement: its bound parameters and the caller's scope in SQL."""

    def __init__(self, audience: Audience, settings: Settings, shape: Any = None) -> None:
        self.audience = audience
        self.settings = settings
        # The root field's shape: nested fields may depend on it (a product's stock is
        # that of the state the list is filtered by).
        self.shape = shape
        self.getters: dict[str, Getter] = {}
        self._scope: sa.BindParameter[Any] | None = None

    def param(self, getter: Getter, type_: Any, name: str | None = None) -> sa.BindParameter[Any]:
        """A bound parameter whose value is ``getter(call)`` at run time."""
        key = f"p{len(self.getters)}_{name}" if name else f"p{len(self.getters)}"
        self.getters[key] = getter
        return sa.bindparam(key, type_=type_)

    def value(self, key: str, type_: Any, name: str | None = None) -> sa.BindParameter[Any]:
        """A bound parameter holding ``call.values[key]`` (what ``prepare`` computed)."""
        return self.param(lambda call: call.values[key], type_, name)

    def scope(self, plant_column: Any) -> ColumnElement[bool]:
        """Rows of ``plant_column``'s plants in the caller's scope (``PlantScope.restrict``)."""
        if self.audience.everything:
            return sa.true()
        if self._scope is None:
            self._scope = self.param(_scope_plants, IntegerArray(), "scope")
        return self.one_of(plant_column, self._scope)

    @staticmethod
    def one_of(column: Any, ids: sa.BindParameter[Any]) -> ColumnElement[bool]:
        """``models.expressions.one_of`` with its list of ids bound at run time."""
        clause = OneOf(column, [])
        clause.ids = ids
        return clause

    def actor_id(self) -> sa.BindParameter[Any]:
        return self.param(lambda call: call.actor.user_id, sa.Integer(), "actor")


def literals(values: tuple[str, ...] | list[str]) -> list[ColumnElement[Any]]:
    """Enum values written into the SQL: they come from a small fixed set (validated enum
    members, part of a statement's shape), and a constant list plans best."""
    for value in values:
        if not value.replace("_", "").isalnum():
            raise NotCompiled(f"not an enum value: {value!r}")
    return [sa.literal_column(f"'{value}'") for value in values]


def _scope_plants(call: Call) -> list[int]:
    return sorted(call.actor.scope.plant_ids)


@dataclass(frozen=True, slots=True)
class NodeId:
    column: str = "id"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    encode: Encode = as_is


@dataclass(frozen=True, slots=True)
class Computed:
    """``compute(settings, *values of columns)``: the JSON value."""

    columns: tuple[str, ...]
    compute: Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Embedded:
    """An object of type ``type_name`` whose fields are columns of this row; null unless
    every column of ``present`` has a value."""

    type_name: str
    fields: Mapping[str, Any]
    present: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Lookup:
    """``compute(settings, value)`` of a column of another type's row joined by this row's
    ``local`` (as ``ToOne``): null when that row is missing or not visible."""

    target: str
    local: str
    column: str
    compute: Callable[[Any, Any], Any] | None = None


Visible = Callable[["Build", FromClause], ColumnElement[bool] | None]
# ``details(build, alias, few)``: ``few`` when the statement reads a few rows by key (a
# node and its lists) rather than a page, which may change how the condition is written.
DetailsVisible = Callable[["Build", FromClause, bool], ColumnElement[bool] | None]


@dataclass(frozen=True, slots=True)
class Through:
    """A link table between a row and its list: ``near`` points at the row's ``local``
    column, ``far`` at the target's key."""

    table: FromClause
    near: str
    far: str


@dataclass(frozen=True, slots=True)
class ToMany:
    """``target`` rows whose ``remote`` column equals this row's ``local`` (or linked
    ``through`` a table), that ``where`` keeps, ordered by ``order`` (the target's column
    names, each descending or not). The target's own visibility applies too."""

    target: str
    remote: str = ""
    local: str = "id"
    order: tuple[tuple[str, bool], ...] = (("id", False),)
    where: Visible | None = None
    through: Through | None = None
    # Another type joined to each target row for the order (its columns are named
    # ``type.column`` in ``order``): a product's stock is in warehouse name order.
    joined: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class FromList:
    """``compute(settings, *values of columns, items)``, where ``items`` are the rows of
    the list ``items`` (as ``ToMany``; its ``item_columns`` in order, one tuple each)."""

    columns: tuple[str, ...]
    items: ToMany
    item_columns: tuple[str, ...]
    compute: Callable[..., Any]


@dataclass(frozen=True, slots=True)
class ToOne:
    """``target``'s row whose ``remote`` equals this row's ``local``; ``via``, when given,
    is a type and its column to pass through first (a plant's state is its cluster's)."""

    target: str
    local: str
    remote: str = "id"
    via: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Detail:
    """``field``, when the row's ``ObjectSource.details`` holds; else null or ``[]``."""

    field: Any


@dataclass(frozen=True, slots=True)
class ObjectSource:
    """A GraphQL object type read from a table."""

    type_name: str
    table: FromClause
    fields: Mapping[str, Any]
    key: str = "id"
    visible: Visible | None = None
    # Whether the caller may see a row's ``Detail`` fields; None: every row's.
    details: DetailsVisible | None = None
    # Whether ``node(id:)`` sees exactly the rows ``visible`` keeps (it does not for
    # staff: relations name any user, ``node`` only colleagues in scope).
    by_id: bool = True
    # The name sources are registered under, when it is not the type's (a variant of a
    # type read by one root field: ``Product@inventory``).
    source_name: str = ""

    @property
    def name(self) -> str:
        return self.source_name or self.type_name


def scoped_by(plant_column: str) -> Visible:
    """Visible when the row's ``plant_column`` is in the caller's scope."""

    def visible(build: Build, alias: FromClause) -> ColumnElement[bool]:
        return build.scope(alias.c[plant_column])

    return visible


def readers(roles: frozenset[Role], then: Visible | None = None) -> Visible:
    """Visible only to ``roles`` (and then by ``then``); nobody else sees any row."""

    def visible(build: Build, alias: FromClause) -> ColumnElement[bool] | None:
        if build.audience.role not in roles:
            return sa.false()
        return then(build, alias) if then is not None else None

    return visible


def money(column: str, minus: str | None = None) -> Embedded:
    """``Money`` from an amount in minor units (less ``minus``'s, when given) and the
    deployment's currency."""
    from schema.execution.compiled.values import money_amount

    if minus is None:
        amount = Computed((column,), lambda _settings, minor: money_amount(minor))
    else:
        amount = Computed((column, minus), lambda _settings, a, b: money_amount(a - b))
    return Embedded(
        "Money",
        {"amount": amount, "currency": Computed((), lambda settings: settings.currency)},
    )
