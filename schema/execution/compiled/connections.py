"""Connections compiled: a page by its keyset, its edges, nodes, cursors and pageInfo.

What ``resolvers.pagination`` does for the standard path, written for a compiled fetch:
the page's order and limit in the statement, the cursor's values as bound parameters, and
the connection assembled from the rows (one more row than the page tells whether there is
a next one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from graphql import FieldNode, GraphQLList, GraphQLObjectType

from core.settings import Settings
from models.base import UTCDateTime
from resolvers.errors import DomainError
from resolvers.pagination import PageArgs, decode_cursor, validate_page_args
from schema.execution.compiled import values
from schema.execution.compiled.roots import ConnectionRoot, Shape, SortKey
from schema.execution.compiled.selections import Fetch, Results, Selections, unwrap
from schema.execution.compiled.sources import Build, Call, Fallback, NotCompiled

PAGE_INFO_FIELDS = {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"}


@dataclass(frozen=True, slots=True)
class ConnectionShape:
    filter: Shape
    backwards: bool
    after: bool
    before: bool


def prepare_page(call: Call, settings: Settings) -> tuple[bool, bool, bool]:
    arguments = call.arguments
    page = PageArgs(
        first=arguments.get("first"),
        after=arguments.get("after"),
        last=arguments.get("last"),
        before=arguments.get("before"),
    )
    try:
        size, backwards = validate_page_args(
            page, default_size=settings.page_size_default, max_size=settings.page_size_max
        )
    except DomainError as error:
        raise Fallback("page refused") from error
    call.values["size"] = size
    call.values["limit"] = size + 1
    call.values["page"] = page
    return backwards, page.after is not None, page.before is not None


def connection_fetch(
    selections: Selections,
    root_nodes: list[FieldNode],
    connection_root: ConnectionRoot,
    output: Any,
    shape: Shape,
) -> tuple[Fetch, Any]:
    """The fetch of a connection's page and the function that writes the connection."""
    if not isinstance(output, GraphQLObjectType):
        raise NotCompiled("connection type")
    assert isinstance(shape, ConnectionShape)  # noqa: S101
    filter_shape, backwards = shape.filter, shape.backwards
    source = selections.source(connection_root.node_source or connection_root.node_type)
    build = selections.build
    alias = source.table.alias()
    fetch = selections.new_fetch(alias)
    fetch.where.extend(connection_root.conditions(build, alias, filter_shape))
    keys = connection_root.order(filter_shape)
    key_columns = [
        key.expression(build, alias) if key.expression is not None else alias.c[key.column]
        for key in keys
    ]
    if shape.after:
        fetch.where.append(_beyond(build, key_columns, keys, "after", reverse=False))
    if shape.before:
        fetch.where.append(_beyond(build, key_columns, keys, "before", reverse=True))
    fetch.order = [
        (column.asc() if key.descending == backwards else column.desc())
        for column, key in zip(key_columns, keys, strict=True)
    ]
    fetch.limit = build.value("limit", sa.Integer(), "limit")
    key_indexes = [fetch.column(column) for column in key_columns]
    encode = values.cursor
    if len(keys) == 2 and isinstance(key_columns[0].type, UTCDateTime) and keys[1].column == "id":
        encode = values.cursor_of_instant_and_id  # the usual key, written directly
    cursor = (
        f"{selections.code.bind(encode, 'cursor')}("
        + ", ".join(f"row[{index}]" for index in key_indexes)
        + ")"
    )
    count_index: int | None = None
    assembles: list[tuple[str, str, Any]] = []
    for key, nodes in selections.collect(root_nodes, output).items():
        name = nodes[0].name.value
        if name == "__typename":
            assembles.append((key, name, output.name))
        elif name == "totalCount":
            counted = source.table.alias()
            total = sa.select(sa.func.count()).select_from(counted)
            total = total.where(*connection_root.conditions(build, counted, filter_shape))
            count_index = fetch.column(total.scalar_subquery())
            assembles.append((key, name, None))
        elif name in ("edges", "nodes"):
            item_type = item_type_of(output, name)
            if name == "nodes":
                node_fields = selections.collect(nodes, item_type)
                node = selections.object(fetch, source, alias, item_type, node_fields)
                assembles.append((key, name, selections.function(node)))
                continue
            parts = []
            for edge_key, edge_nodes in selections.collect(nodes, item_type).items():
                edge_name = edge_nodes[0].name.value
                if edge_name == "node":
                    node_type = object_type_of(item_type.fields["node"].type)
                    node_fields = selections.collect(edge_nodes, node_type)
                    node = selections.object(fetch, source, alias, node_type, node_fields)
                    parts.append(f"{edge_key!r}: {node}")
                elif edge_name == "cursor":
                    parts.append(f"{edge_key!r}: {cursor}")
                elif edge_name == "__typename":
                    parts.append(f"{edge_key!r}: {item_type.name!r}")
                else:
                    raise NotCompiled(f"edge field {edge_name}")
            edge = selections.function("{" + ", ".join(parts) + "}")
            assembles.append((key, name, edge))
        elif name == "pageInfo":
            page_type = object_type_of(output.fields[name].type)
            page_fields = [
                (page_key, page_nodes[0].name.value)
                for page_key, page_nodes in selections.collect(nodes, page_type).items()
            ]
            unknown = {name for _, name in page_fields} - PAGE_INFO_FIELDS
            if unknown:
                raise NotCompiled(f"pageInfo fields {sorted(unknown)}")
            assembles.append((key, name, page_fields))
        else:
            raise NotCompiled(f"connection field {name}")
    return fetch, _connection_finish(assembles, key_indexes, count_index, backwards)


def _beyond(
    build: Build, columns: list[Any], keys: tuple[SortKey, ...], argument: str, *, reverse: bool
) -> Any:
    """``resolvers.pagination.after_predicate`` with the cursor's values bound."""
    types = [column.type for column in columns]

    def cursor_value(index: int) -> Any:
        def value(call: Call) -> Any:
            decoded = call.values.get(("cursor", argument))
            if decoded is None:
                cursor = getattr(call.values["page"], argument)
                try:
                    decoded = decode_cursor(cursor, types, argument)
                except DomainError as error:
                    raise Fallback("cursor refused") from error
                call.values[("cursor", argument)] = decoded
            return decoded[index]

        return value

    params = [
        build.param(cursor_value(index), column.type, argument)
        for index, column in enumerate(columns)
    ]
    clauses = []
    for index, key in enumerate(keys):
        descending = key.descending != reverse
        equal_before = [columns[i] == params[i] for i in range(index)]
        beyond = columns[index] < params[index] if descending else columns[index] > params[index]
        clauses.append(sa.and_(*equal_before, beyond))
    return sa.or_(*clauses)


def object_type_of(output: Any) -> GraphQLObjectType:
    named, _ = unwrap(output)
    if not isinstance(named, GraphQLObjectType):
        raise NotCompiled(f"{named} is not an object type")
    return named


def item_type_of(connection: GraphQLObjectType, name: str) -> GraphQLObjectType:
    """The object type of the items of the connection's list field ``name``."""
    listed, _ = unwrap(connection.fields[name].type)
    if not isinstance(listed, GraphQLList):
        raise NotCompiled(f"{connection.name}.{name} is not a list")
    return object_type_of(listed.of_type)


def _connection_finish(
    assembles: list[tuple[str, str, Any]],
    key_indexes: list[int],
    count_index: int | None,
    backwards: bool,
) -> Any:
    def finish(rows: list[Any], results: Results, call: Call) -> dict[str, Any]:
        size = call.values["size"]
        page = call.values["page"]
        has_more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        answer: dict[str, Any] = {}
        for key, name, part in assembles:
            if name == "__typename":
                answer[key] = part
            elif name == "totalCount":
                if not rows:
                    if page.after is not None or page.before is not None or size == 0:
                        raise Fallback("count of an empty page")
                    answer[key] = 0
                else:
                    answer[key] = rows[0][count_index]
            elif name == "edges" or name == "nodes":
                answer[key] = [part(row, results) for row in rows]
            else:
                answer[key] = _page_info(part, rows, key_indexes, has_more, page, backwards)
        return answer

    return finish


def _page_info(
    fields: list[tuple[str, str]],
    rows: list[Any],
    key_indexes: list[int],
    has_more: bool,
    page: PageArgs,
    backwards: bool,
) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    for key, name in fields:
        if name == "hasNextPage":
            answer[key] = has_more if not backwards else page.before is not None
        elif name == "hasPreviousPage":
            answer[key] = has_more if backwards else page.after is not None
        elif name == "startCursor":
            answer[key] = values.cursor(*(rows[0][i] for i in key_indexes)) if rows else None
        elif name == "endCursor":
            answer[key] = values.cursor(*(rows[-1][i] for i in key_indexes)) if rows else None
        else:  # __typename
            answer[key] = "PageInfo"
    return answer
