"""A document's operation compiled: its root fields, each into statements and assembly.

What a root field compiles to depends on the caller's audience (role, scope of every plant
or not) and on its arguments' shape (``roots``); each such variant is built the first
time it is needed and kept. Building one raises ``NotCompiled`` when a selection has no
source, and the operation then answers that caller's variant the standard way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy.engine import Dialect
from strawberry.relay.types import GlobalID, GlobalIDValueError

from core.settings import Settings
from models.staff import Role
from schema.execution.compiled.connections import (
    ConnectionShape,
    connection_fetch,
    item_type_of,
    object_type_of,
    prepare_page,
)
from schema.execution.compiled.roots import (
    AggregateRoot,
    ConnectionRoot,
    ListRoot,
    NodeRoot,
    ResolverRoot,
    Root,
    Shape,
)
from schema.execution.compiled.selections import Fetch, Results, Selections, unwrap
from schema.execution.compiled.sources import (
    Audience,
    Build,
    Call,
    Fallback,
    NotCompiled,
    ObjectSource,
)
from schema.execution.compiled.statements import Statement
from schema.relay import parse_node_id

logger = logging.getLogger("gridline.compiled")

PERMISSIONS = "permission_classes"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Caller:
    """What our permission classes read: ``info.context.actor``."""

    context: Any


class Variant:
    """One root field compiled for one audience and shape: its statements and assembly."""

    def __init__(self, statements: dict[int, Statement], root: Fetch, finish: Any) -> None:
        self.statements = statements
        self.root = root
        self.finish = finish

    async def rows(self, connection: Any, call: Call) -> tuple[list[Any], Results]:
        statement = self.statements[self.root.number]
        rows = await statement.rows(connection, statement.values(call))
        results = Results()
        await self._children(connection, call, self.root, rows, results)
        return rows, results

    async def _children(
        self, connection: Any, call: Call, fetch: Fetch, rows: list[Any], results: Results
    ) -> None:
        for child in fetch.children:
            keys = sorted({row[child.parent_index] for row in rows} - {None})
            grouped: dict[Any, list[Any]] = {}
            child_rows: list[Any] = []
            if keys:
                call.values[("parents", child.fetch.number)] = keys
                statement = self.statements[child.fetch.number]
                child_rows = await statement.rows(connection, statement.values(call))
                for row in child_rows:
                    grouped.setdefault(row[0], []).append(row)
            results.children[child.fetch.number] = grouped
            await self._children(connection, call, child.fetch, child_rows, results)


class CompiledRoot:
    """A root field of the operation and its variants."""

    def __init__(
        self,
        compiler: OperationCompiler,
        key: str,
        nodes: list[FieldNode],
        definition: GraphQLField,
        root: Root,
    ) -> None:
        self.compiler = compiler
        self.key = key
        self.nodes = nodes
        self.definition = definition
        self.root = root
        self.permissions = getattr(
            definition.extensions.get("strawberry-definition"), PERMISSIONS, []
        )
        self.variants: dict[tuple[Audience, Shape], Variant | None] = {}
        self.aggregates: dict[tuple[Audience, Shape], list[Statement] | None] = {}
        # For a resolver's answer: picks the selection from its plain values.
        self.picker: Callable[[Any], Any] | None = None

    def allowed(self, context: Any) -> bool:
        caller = _Caller(context)
        return all(permission().has_permission(None, caller) for permission in self.permissions)

    def variant(self, audience: Audience, shape: Shape) -> Variant:
        return _compiled_once(self, self.variants, audience, shape, self.compiler.build_variant)

    def aggregate(self, audience: Audience, shape: Shape) -> list[Statement]:
        """An ``AggregateRoot``'s statements for this audience and shape."""
        return _compiled_once(self, self.aggregates, audience, shape, self.compiler.build_aggregate)


def _compiled_once(
    root: CompiledRoot,
    cache: dict[tuple[Audience, Shape], T | None],
    audience: Audience,
    shape: Shape,
    build: Callable[[CompiledRoot, Audience, Shape], T],
) -> T:
    """``build``'s result for the audience and shape, built the first time and kept;
    ``Fallback`` when it is not compiled (then or before)."""
    key = (audience, shape)
    if key not in cache:
        try:
            cache[key] = build(root, audience, shape)
        except NotCompiled:
            cache[key] = None
        except Exception:  # a bug of the compiler: this variant runs the standard way
            logger.exception("compiling %s failed", root.key)
            cache[key] = None
    found = cache[key]
    if found is None:
        raise Fallback("variant not compiled")
    return found


class OperationCompiler:
    """A query operation of a document, compiled root field by root field."""

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        sources: Mapping[str, ObjectSource],
        roots: Mapping[str, Root],
        settings: Settings,
        dialect: Dialect,
    ) -> None:
        if operation.operation is not OperationType.QUERY:
            raise NotCompiled("not a query")
        if operation.directives:
            raise NotCompiled("directives")
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.sources = sources
        self.settings = settings
        self.dialect = dialect
        query_type = schema.query_type
        assert query_type is not None  # noqa: S101
        probe = Selections(schema, fragments, sources, Build(_ANY, settings))
        self.roots: list[CompiledRoot] = []
        for key, nodes in probe.collect_set(operation.selection_set, query_type).items():
            name = nodes[0].name.value
            root = roots.get(name)
            definition = query_type.fields.get(name)
            if root is None or definition is None:
                raise NotCompiled(f"root field {name}")
            compiled = CompiledRoot(self, key, nodes, definition, root)
            if isinstance(root, ResolverRoot | AggregateRoot):
                compiled.picker = _picker(probe, definition.type, nodes, root.provides)
            else:
                self._probe(compiled)
            self.roots.append(compiled)

    def _probe(self, root: CompiledRoot) -> None:
        """Compile the root's selection once, for an administrator, so that a field with
        no source makes the whole operation not compiled (and ``report`` says which)."""
        selections = Selections(
            self.schema, self.fragments, self.sources, Build(_PROBE, self.settings)
        )
        output, _ = unwrap(root.definition.type)
        if isinstance(root.root, NodeRoot):
            types = {
                named.name
                for named in self.schema.get_possible_types(output)  # type: ignore[arg-type]
                if selections.collect(root.nodes, named)
            }
            for type_name in sorted(types):
                object_type = self.schema.get_type(type_name)
                assert isinstance(object_type, GraphQLObjectType)  # noqa: S101
                self._probe_object(selections, type_name, object_type, root.nodes)
            return
        if isinstance(root.root, ListRoot):
            object_type = object_type_of(
                output.of_type if isinstance(output, GraphQLList) else output
            )
            self._probe_object(selections, root.root.node_type, object_type, root.nodes)
            return
        assert isinstance(root.root, ConnectionRoot)  # noqa: S101
        source_name = root.root.node_source or root.root.node_type
        connection = object_type_of(output)
        for nodes in selections.collect(root.nodes, connection).values():
            name = nodes[0].name.value
            if name == "nodes":
                self._probe_object(selections, source_name, item_type_of(connection, name), nodes)
            elif name == "edges":
                edge = item_type_of(connection, name)
                for edge_nodes in selections.collect(nodes, edge).values():
                    if edge_nodes[0].name.value == "node":
                        node_type = object_type_of(edge.fields["node"].type)
                        self._probe_object(selections, source_name, node_type, edge_nodes)

    @staticmethod
    def _probe_object(
        selections: Selections,
        source_name: str,
        object_type: GraphQLObjectType,
        nodes: list[FieldNode],
    ) -> None:
        source = selections.source(source_name)
        alias = source.table.alias()
        fetch = selections.new_fetch(alias)
        selections.object(fetch, source, alias, object_type, selections.collect(nodes, object_type))

    # --- Running -----------------------------------------------------------------

    async def run(
        self, context: Any, raw_variables: dict[str, Any] | None, connection: Any
    ) -> dict[str, Any]:
        """The ``data`` of the operation for ``context`` (its actor and settings)."""
        actor = context.actor
        if actor is None:
            raise Fallback("not signed in")
        coerced = get_variable_values(
            self.schema, self.operation.variable_definitions or (), raw_variables or {}
        )
        if isinstance(coerced, list):
            raise Fallback("variables refused")
        audience = Audience.of(actor)
        data: dict[str, Any] = {}
        for root in self.roots:
            if not root.allowed(context):
                raise Fallback("permission")
            try:
                arguments = get_argument_values(root.definition, root.nodes[0], coerced)
            except GraphQLError as error:
                raise Fallback("arguments refused") from error
            call = Call(actor, self.settings, arguments)
            if isinstance(root.root, ResolverRoot):
                assert root.picker is not None  # noqa: S101
                data[root.key] = root.picker(await root.root.resolve(context, arguments))
            elif isinstance(root.root, AggregateRoot):
                assert root.picker is not None  # noqa: S101
                answer = await self._aggregate(root, root.root, audience, call, connection)
                data[root.key] = root.picker(answer)
            else:
                data[root.key] = await self._answer(root, audience, call, connection)
        return data

    async def _aggregate(
        self,
        root: CompiledRoot,
        aggregate: AggregateRoot,
        audience: Audience,
        call: Call,
        connection: Any,
    ) -> Any:
        statements = root.aggregate(audience, aggregate.prepare(call))

        async def run(index: int) -> list[Any]:
            statement = statements[index]
            return await statement.rows(connection, statement.values(call))

        return await aggregate.answer(call, run)

    async def _answer(
        self, root: CompiledRoot, audience: Audience, call: Call, connection: Any
    ) -> Any:
        if isinstance(root.root, NodeRoot):
            variant = root.variant(audience, _prepare_node(call))
            rows, results = await variant.rows(connection, call)
            return variant.finish(rows, results) if rows else None
        if isinstance(root.root, ListRoot):
            variant = root.variant(audience, root.root.prepare(call))
            rows, results = await variant.rows(connection, call)
            return variant.finish(rows, results)
        assert isinstance(root.root, ConnectionRoot)  # noqa: S101
        page = prepare_page(call, self.settings)
        variant = root.variant(audience, ConnectionShape(root.root.prepare(call), *page))
        rows, results = await variant.rows(connection, call)
        return variant.finish(rows, results, call)

    # --- Building variants -----------------------------------------------------------

    def build_aggregate(
        self, root: CompiledRoot, audience: Audience, shape: Shape
    ) -> list[Statement]:
        assert isinstance(root.root, AggregateRoot)  # noqa: S101
        build = Build(audience, self.settings, shape)
        selects = root.root.statements(build, shape)
        return [Statement.compile(select, build.getters, self.dialect) for select in selects]

    def build_variant(self, root: CompiledRoot, audience: Audience, shape: Shape) -> Variant:
        build = Build(audience, self.settings, getattr(shape, "filter", shape))
        selections = Selections(self.schema, self.fragments, self.sources, build)
        output, _ = unwrap(root.definition.type)
        if isinstance(root.root, NodeRoot):
            fetch, finish = self._node(selections, root, output, shape)
        elif isinstance(root.root, ConnectionRoot):
            fetch, finish = connection_fetch(selections, root.nodes, root.root, output, shape)
        elif isinstance(root.root, ListRoot):
            fetch, finish = self._list(selections, root, root.root, output, shape)
        else:
            raise NotCompiled("a resolver's root has no statements of its own")
        statements: dict[int, Statement] = {}
        self._compile(fetch, build, statements)
        return Variant(statements, fetch, finish)

    def _compile(self, fetch: Fetch, build: Build, statements: dict[int, Statement]) -> None:
        select = fetch.select()
        if fetch.order:
            select = select.order_by(*fetch.order)
        if fetch.limit is not None:
            select = select.limit(fetch.limit)
        statements[fetch.number] = Statement.compile(select, build.getters, self.dialect)
        for child in fetch.children:
            self._compile(child.fetch, build, statements)

    def _node(
        self, selections: Selections, root: CompiledRoot, output: Any, shape: Shape
    ) -> tuple[Fetch, Any]:
        if not isinstance(output, GraphQLInterfaceType):
            raise NotCompiled("node of a non-interface")
        type_name = str(shape)
        object_type = self.schema.get_type(type_name)
        if not isinstance(object_type, GraphQLObjectType):
            raise NotCompiled(f"node type {type_name}")
        source = selections.source(type_name)
        if not source.by_id:
            raise NotCompiled(f"node of {type_name}")
        alias = source.table.alias()
        fetch = selections.new_fetch(alias)
        fetch.single = fetch.few = True
        identifier = selections.build.value("node_id", sa.Integer(), "id")
        fetch.where.append(alias.c[source.key] == identifier)
        visible = selections.visible(source, alias)
        if visible is not None:
            fetch.where.append(visible)
        fields = selections.collect(root.nodes, object_type)
        assemble = selections.function(selections.object(fetch, source, alias, object_type, fields))
        return fetch, lambda rows, results: assemble(rows[0], results)

    def _list(
        self,
        selections: Selections,
        root: CompiledRoot,
        list_root: ListRoot,
        output: Any,
        shape: Shape,
    ) -> tuple[Fetch, Any]:
        object_type = object_type_of(output.of_type if isinstance(output, GraphQLList) else output)
        if isinstance(output, GraphQLList) == list_root.single:
            raise NotCompiled(f"{root.key}: a list root of a single object, or the reverse")
        source = selections.source(list_root.node_type)
        alias = source.table.alias()
        fetch = selections.new_fetch(alias)
        if list_root.single:
            fetch.single = fetch.few = True
            fetch.limit = 1  # the first row in order, as assembled
        fetch.where.extend(list_root.conditions(selections.build, alias, shape))
        visible = selections.visible(source, alias) if list_root.visible else None
        if visible is not None:
            fetch.where.append(visible)
        fetch.order = [
            alias.c[name].desc() if descending else alias.c[name].asc()
            for name, descending in list_root.order
        ]
        fields = selections.collect(root.nodes, object_type)
        assemble = selections.function(selections.object(fetch, source, alias, object_type, fields))
        if list_root.single:
            return fetch, lambda rows, results: assemble(rows[0], results) if rows else None
        return fetch, lambda rows, results: [assemble(row, results) for row in rows]


_ANY = Audience.__new__(Audience)
_PROBE = Audience(Role.ADMIN, everything=True)


def _prepare_node(call: Call) -> str:
    value = call.arguments["id"]
    try:
        parsed = GlobalID.from_id(value)
    except GlobalIDValueError as error:
        raise Fallback("malformed id") from error
    node_id = parse_node_id(parsed.node_id)
    if node_id is None:
        raise Fallback("malformed id")
    call.values["node_id"] = node_id
    return parsed.type_name


def _picker(
    selections: Selections,
    output: Any,
    nodes: list[FieldNode],
    provides: Mapping[str, frozenset[str]],
) -> Callable[[Any], Any]:
    """The selection of ``nodes`` picked out of plain values of type ``output``."""
    named, _ = unwrap(output)
    if isinstance(named, GraphQLList):
        item = _picker(selections, named.of_type, nodes, provides)
        return lambda values: None if values is None else [item(value) for value in values]
    if not isinstance(named, GraphQLObjectType):
        return lambda value: value
    known = provides.get(named.name)
    if known is None:
        raise NotCompiled(f"{named.name} of a resolver's answer")
    fields: list[tuple[str, str, Callable[[Any], Any]]] = []
    for key, field_nodes in selections.collect(nodes, named).items():
        name = field_nodes[0].name.value
        if name == "__typename":
            type_name = named.name
            fields.append((key, name, lambda _value, n=type_name: n))  # type: ignore[misc]
        elif name in known:
            sub = _picker(selections, named.fields[name].type, field_nodes, provides)
            fields.append((key, name, sub))
        else:
            raise NotCompiled(f"{named.name}.{name} of a resolver's answer")

    def pick(value: Any) -> Any:
        if value is None:
            return None
        return {
            key: (sub(value[name]) if name != "__typename" else sub(value))
            for key, name, sub in fields
        }

    return pick
