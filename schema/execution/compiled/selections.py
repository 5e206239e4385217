"""Selections into SQL columns and joins, and the functions that assemble rows.

One ``Fetch`` is one statement: its columns, its joins (to-one relations are LEFT JOINs
whose condition holds the target's visibility, so a hidden row reads as null, as a loader
answers None) and the fetches of its nested lists, each one statement for every row of
the level. ``assemble`` functions turn a row into the selection's JSON object, fields in
the order graphql-core would collect them.
"""

from __future__ import annotations

from binascii import b2a_base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
)
from sqlalchemy.sql import ColumnElement, FromClause

from models.expressions import IntegerArray
from schema.execution.compiled.sources import (
    Build,
    Column,
    Computed,
    Detail,
    Embedded,
    Fallback,
    FromList,
    Lookup,
    NodeId,
    NotCompiled,
    ObjectSource,
    ToMany,
    ToOne,
)
from schema.execution.compiled.statements import names_are_values
from schema.execution.compiled.values import as_is, day, enum_name, instant

STRAWBERRY_FIELD = "strawberry-definition"

Row = Any
Assemble = Callable[[Row, "Results"], Any]


class Results:
    """The rows of a compiled operation's nested fetches, by fetch and parent key."""

    __slots__ = ("children",)

    def __init__(self) -> None:
        self.children: dict[int, dict[Any, list[Row]]] = {}

    def of(self, fetch: int, parent: Any) -> list[Row]:
        return self.children[fetch].get(parent, [])


@dataclass(eq=False)
class Fetch:
    """One statement under construction, and the nested fetches that read its rows."""

    number: int
    from_: FromClause
    columns: list[ColumnElement[Any]] = field(default_factory=list)
    where: list[ColumnElement[bool]] = field(default_factory=list)
    order: list[Any] = field(default_factory=list)
    limit: Any = None
    children: list[Child] = field(default_factory=list)
    # At most one row (a node, a single object): its lists are read by one parent key.
    single: bool = False
    # A few rows read by key: a single row, or a list of one (see ``ObjectSource.details``).
    few: bool = False
    # Each column and each join once, however many fields read them.
    indexes: dict[Any, int] = field(default_factory=dict)
    joins: dict[Any, FromClause] = field(default_factory=dict)

    def column(self, element: ColumnElement[Any]) -> int:
        index = self.indexes.get(element)
        if index is None:
            index = self.indexes[element] = len(self.columns)
            self.columns.append(element.label(f"c{index}"))
        return index

    def join(self, target: FromClause, on: ColumnElement[bool]) -> None:
        self.from_ = self.from_.outerjoin(target, on)

    def select(self) -> sa.Select[Any]:
        columns = self.columns or [sa.literal(1).label("c0")]  # a selection of no fields
        return sa.select(*columns).select_from(self.from_).where(*self.where)


@dataclass(eq=False)
class Child:
    """A nested list's fetch: ``parent_index`` is the parent row's column whose values the
    fetch reads by (its own column 0 holds the same value, to group by)."""

    fetch: Fetch
    parent_index: int


def unwrap(output: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    if isinstance(output, GraphQLNonNull):
        return output.of_type, True
    return output, False


class Selections:
    """Compiles the selections of one operation for one caller's audience."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        sources: Mapping[str, ObjectSource],
        build: Build,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.sources = sources
        self.build = build
        self.fetches = 0
        self.code = Code(build.settings)
        # Nested lists already read for a row source: several fields over one list (a
        # product's stock, its units available) share one statement.
        self.children: dict[tuple[int, ToMany], tuple[Fetch, int, FromClause]] = {}
        # Each row source's ``details`` condition, built once (a column is keyed by it).
        self.detail_flags: dict[tuple[int, FromClause], ColumnElement[bool]] = {}

    def new_fetch(self, from_: FromClause) -> Fetch:
        self.fetches += 1
        return Fetch(self.fetches, from_)

    def collect(
        self, nodes: list[FieldNode], parent: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        """The sub-fields of ``nodes`` by response key, in graphql-core's order."""
        collected: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is not None:
                self._visit(node.selection_set, parent, collected, set())
        return collected

    def collect_set(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        collected: dict[str, list[FieldNode]] = {}
        self._visit(selection_set, parent, collected, set())
        return collected

    def _visit(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLObjectType,
        collected: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise NotCompiled("directives")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                collected.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, parent):
                    self._visit(selection.selection_set, parent, collected, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = self.fragments[name]
                if self._applies(fragment.type_condition, parent):
                    self._visit(fragment.selection_set, parent, collected, visited)

    def _applies(self, condition: Any, parent: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        named = self.schema.get_type(condition.name.value)
        if named is parent:
            return True
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.is_sub_type(named, parent)
        return False

    def source(self, type_name: str) -> ObjectSource:
        source = self.sources.get(type_name)
        if source is None:
            raise NotCompiled(f"no source for {type_name}")
        return source

    def visible(self, source: ObjectSource, alias: FromClause) -> ColumnElement[bool] | None:
        return source.visible(self.build, alias) if source.visible is not None else None

    # --- Objects and their fields --------------------------------------------------
    # Each field compiles to a Python expression over ``row`` (and ``results`` for nested
    # lists); an object is a dict display of its fields, and ``function`` makes the code
    # a function once, so that a row is assembled without a call per field.

    def function(self, expression: str) -> Assemble:
        """``expression`` as a function of ``(row, results)``."""
        source = f"def assemble(row, results):\n    return {expression}\n"
        namespace = dict(self.code.names)
        exec(compile(source, "<compiled selection>", "exec"), namespace)  # noqa: S102
        assemble: Assemble = namespace["assemble"]
        return assemble

    def object(
        self,
        fetch: Fetch,
        source: ObjectSource,
        alias: FromClause,
        object_type: GraphQLObjectType,
        fields: dict[str, list[FieldNode]],
    ) -> str:
        """The expression of the object: a dict of its fields in order."""
        parts = []
        for key, nodes in fields.items():
            name = nodes[0].name.value
            if name == "__typename":
                parts.append(f"{key!r}: {object_type.name!r}")
                continue
            if any(node.arguments for node in nodes):
                raise NotCompiled(f"arguments on {object_type.name}.{name}")
            kind = source.fields.get(name)
            definition = object_type.fields.get(name)
            if kind is None or definition is None:
                raise NotCompiled(f"{object_type.name}.{name}")
            strawberry_field = definition.extensions.get(STRAWBERRY_FIELD)
            if getattr(strawberry_field, "permission_classes", None) or getattr(
                strawberry_field, "extensions", None
            ):
                raise NotCompiled(f"{object_type.name}.{name} has permissions or extensions")
            output, non_null = unwrap(definition.type)
            expression = self.field(fetch, source, alias, kind, output, nodes)
            if non_null and not isinstance(kind, NodeId | ToMany):
                # A null where the schema forbids one: the standard way answers it.
                expression = f"(_v if (_v := {expression}) is not None else {self.code.null}())"
            parts.append(f"{key!r}: {expression}")
        return "{" + ", ".join(parts) + "}"

    def field(
        self,
        fetch: Fetch,
        source: ObjectSource,
        alias: FromClause,
        kind: Any,
        output: GraphQLOutputType,
        nodes: list[FieldNode],
    ) -> str:
        code = self.code
        if isinstance(kind, Detail):
            inner = self.field(fetch, source, alias, kind.field, output, nodes)
            details = (
                source.details(self.build, alias, fetch.few) if source.details is not None else None
            )
            if details is None:
                return inner
            flag = fetch.column(self.detail_flags.setdefault((id(fetch), alias), details))
            hidden = "[]" if isinstance(kind.field, ToMany) else "None"
            return f"({inner} if row[{flag}] else {hidden})"
        if isinstance(kind, NodeId):
            index = fetch.column(alias.c[kind.column])
            # relay.GlobalID as a string: base64 of b"Type:id", written inline.
            prefix = code.bind(f"{source.type_name}:".encode(), "prefix")
            return f"_b2a({prefix} + str(row[{index}]).encode(), newline=False).decode()"
        if isinstance(kind, Column):
            column = alias.c[kind.name]
            index = fetch.column(column)
            value = f"row[{index}]"
            if kind.encode is as_is or (kind.encode is enum_name and names_are_values(column.type)):
                return value
            inline = INLINE.get(kind.encode)
            if inline is not None:
                return f"(None if {value} is None else {inline.format(value)})"
            encode = code.bind(kind.encode, "encode")
            return f"(None if {value} is None else {encode}({value}))"
        if isinstance(kind, Computed):
            values = "".join(f", row[{fetch.column(alias.c[name])}]" for name in kind.columns)
            return f"{code.bind(kind.compute, 'compute')}({code.settings}{values})"
        if isinstance(kind, Embedded):
            if not isinstance(output, GraphQLObjectType) or output.name != kind.type_name:
                raise NotCompiled(f"embedded {kind.type_name}")
            embedded = ObjectSource(kind.type_name, alias, kind.fields)
            inner = self.object(fetch, embedded, alias, output, self.collect(nodes, output))
            if not kind.present:
                return inner
            present = [f"row[{fetch.column(alias.c[name])}] is None" for name in kind.present]
            return f"(None if {' or '.join(present)} else {inner})"
        if isinstance(kind, Lookup):
            target = self.source(kind.target)
            joined = self.join(fetch, alias, target, alias.c[kind.local])
            index = fetch.column(joined.c[kind.column])
            if kind.compute is None:
                return f"row[{index}]"
            compute = code.bind(kind.compute, "compute")
            return f"{compute}({code.settings}, row[{index}])"
        if isinstance(kind, FromList):
            values = "".join(f", row[{fetch.column(alias.c[name])}]" for name in kind.columns)
            child, parent_index, rows = self.child(fetch, alias, kind.items)
            indexes = [child.column(rows.c[name]) for name in kind.item_columns]
            item = f"({', '.join(f'item[{i}]' for i in indexes)},)"
            items = f"[{item} for item in results.of({child.number}, row[{parent_index}])]"
            return f"{code.bind(kind.compute, 'compute')}({code.settings}{values}, {items})"
        if isinstance(kind, ToOne):
            return self.to_one(fetch, alias, kind, output, nodes)
        if isinstance(kind, ToMany):
            return self.to_many(fetch, alias, kind, output, nodes)
        raise NotCompiled(f"field kind {type(kind).__name__}")

    def to_one(
        self,
        fetch: Fetch,
        alias: FromClause,
        kind: ToOne,
        output: GraphQLOutputType,
        nodes: list[FieldNode],
    ) -> str:
        if not isinstance(output, GraphQLObjectType):
            raise NotCompiled(f"to-one {kind.target}")
        target = self.source(kind.target)
        local = alias.c[kind.local]
        if kind.via is not None:
            via_type, via_column = kind.via
            local = self.join(fetch, alias, self.source(via_type), local).c[via_column]
        joined = self.join(fetch, alias, target, local, kind.remote)
        present = fetch.column(joined.c[target.key])
        inner = self.object(fetch, target, joined, output, self.collect(nodes, output))
        return f"(None if row[{present}] is None else {inner})"

    def join(
        self,
        fetch: Fetch,
        alias: FromClause,
        target: ObjectSource,
        local: Any,
        remote: str | None = None,
    ) -> FromClause:
        """``target`` LEFT JOINed where its ``remote`` (its key) equals ``local``, if the
        caller may see that row."""
        key = (target.name, local, remote or target.key)
        joined = fetch.joins.get(key)
        if joined is None:
            joined = fetch.joins[key] = target.table.alias()
            on = joined.c[remote or target.key] == local
            visible = self.visible(target, joined)
            fetch.join(joined, on if visible is None else sa.and_(on, visible))
        return joined

    def child(self, fetch: Fetch, alias: FromClause, kind: ToMany) -> tuple[Fetch, int, FromClause]:
        """The fetch reading ``kind``'s rows for every row of ``fetch`` (made once), the
        parent row's column it reads by, and the target rows' alias."""
        shared = self.children.get((id(alias), kind))
        if shared is not None:
            return shared
        target = self.source(kind.target)
        parent_index = fetch.column(alias.c[kind.local])
        rows = target.table.alias()
        if kind.through is None:
            child = self.new_fetch(rows)
            parent_key = rows.c[kind.remote]
        else:
            link = kind.through.table.alias()
            child = self.new_fetch(link.join(rows, rows.c[target.key] == link.c[kind.through.far]))
            parent_key = link.c[kind.through.near]
        child.column(parent_key)
        child.few = fetch.single
        if fetch.single:
            # One parent row: its key as one integer, not a list, lets PostgreSQL keep a
            # generic plan for the prepared statement that reads by the key's index (with
            # a list it guesses the list's length and may start from the other table).
            key = self.build.param(_parent_key(child), sa.Integer(), "parent")
            child.where.append(parent_key == key)
        else:
            keys = self.build.param(_parent_keys(child), IntegerArray(), "parents")
            child.where.append(self.build.one_of(parent_key, keys))
        narrowed = kind.where(self.build, rows) if kind.where is not None else None
        for condition in (self.visible(target, rows), narrowed):
            if condition is not None:
                child.where.append(condition)
        order_from: dict[str, FromClause] = {}
        if kind.joined is not None:
            joined_type, local = kind.joined
            order_from[joined_type] = self.join(
                child, rows, self.source(joined_type), rows.c[local]
            )
        child.order = [parent_key]
        for name, descending in kind.order:
            owner, _, column_name = name.rpartition(".")
            column = (order_from[owner] if owner else rows).c[column_name]
            child.order.append(column.desc() if descending else column.asc())
        fetch.children.append(Child(child, parent_index))
        self.children[(id(alias), kind)] = (child, parent_index, rows)
        return child, parent_index, rows

    def to_many(
        self,
        fetch: Fetch,
        alias: FromClause,
        kind: ToMany,
        output: GraphQLOutputType,
        nodes: list[FieldNode],
    ) -> str:
        if not isinstance(output, GraphQLList):
            raise NotCompiled(f"list {kind.target}")
        item, item_non_null = unwrap(output.of_type)
        if not isinstance(item, GraphQLObjectType) or not item_non_null:
            raise NotCompiled(f"list of {kind.target}")
        target = self.source(kind.target)
        child, parent_index, rows = self.child(fetch, alias, kind)
        inner = self.function(self.object(child, target, rows, item, self.collect(nodes, item)))
        assemble = self.code.bind(inner, "item")
        items = f"results.of({child.number}, row[{parent_index}])"
        return f"[{assemble}(item, results) for item in {items}]"


# Encoders written into the generated code instead of called (a call per value is most
# of their cost): instants and days by isoformat, enums by name.
INLINE: dict[Callable[[Any], Any], str] = {
    instant: "{}.isoformat()",
    day: "{}.isoformat()",
    enum_name: "_enum_name({})",
}


class Code:
    """The names generated code refers to: encoders, computations, nested assemblies."""

    def __init__(self, settings: Any) -> None:
        self.names: dict[str, Any] = {
            "_settings": settings,
            "_null": _null,
            "_b2a": b2a_base64,
            "_enum_name": enum_name,
        }
        self.settings = "_settings"
        self.null = "_null"

    def bind(self, value: Any, hint: str) -> str:
        name = f"_{hint}{len(self.names)}"
        self.names[name] = value
        return name


def _null() -> Any:
    raise Fallback("a null where the schema forbids one")


def _parent_keys(fetch: Fetch) -> Callable[[Any], Any]:
    number = fetch.number
    return lambda call: call.values[("parents", number)]


def _parent_key(fetch: Fetch) -> Callable[[Any], Any]:
    """The one parent key of a single parent row's list (``Variant`` runs the list only
    when the parent row has a key)."""
    number = fetch.number
    return lambda call: call.values[("parents", number)][0]
