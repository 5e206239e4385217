"""Variables for a document, generated from its variable definitions with hypothesis.

Values a client would send and values it should not: ids of every type (placeholders that
``bind`` points at rows of the world, in and out of the caller's scope, or junk), page
sizes from 0 past the maximum, cursors taken from earlier answers (so that pages run
forwards and backwards from real positions) or forged, filters of every enum value, date
ranges that match something, nothing, or are refused, and nulls.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import graphql
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.fuzz.generation import JUNK_IDS, NODE_TYPES, PLACEHOLDER_INDEXES, graphql_schema

CURSOR = "~cursor~{}~"
CURSOR_SLOTS = 8


def _b64url(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


JUNK_CURSORS = (
    "",
    "not a cursor",
    _b64url("[1]"),
    _b64url('["zzz",99999999999999999999]'),
    _b64url('[{"t":"2026-01-01T00:00:00+00:00"},"x"]'),
    _b64url('[{"t":"not a time"},1]'),
    _b64url('[{"d":"2026-01-01"},1]'),
)
PAGE_SIZES = (None, 0, 1, 2, 3, 5, 20, 100, 101, -1)
TODAY = datetime.now(UTC).date()
DAYS = tuple(TODAY + timedelta(days=offset) for offset in (-400, -60, -7, -1, 0, 1, 30))


def _ids(preferred: tuple[str, ...]) -> st.SearchStrategy[str]:
    """An id placeholder, mostly of the types the document expects, else any or junk."""
    types = preferred or NODE_TYPES
    indexes = st.integers(0, PLACEHOLDER_INDEXES - 1)
    expected = st.builds(lambda t, i: f"~{t}~{i}~", st.sampled_from(types), indexes)
    other = st.builds(lambda t, i: f"~{t}~{i}~", st.sampled_from(NODE_TYPES), indexes)
    return st.one_of(expected, expected, expected, other, st.sampled_from(JUNK_IDS))


def _named(
    named: graphql.GraphQLNamedType, name: str, preferred: tuple[str, ...]
) -> st.SearchStrategy[Any]:
    if isinstance(named, graphql.GraphQLEnumType):
        return st.sampled_from(sorted(named.values))
    if isinstance(named, graphql.GraphQLInputObjectType):
        fields = {key: _value(field.type, key, preferred) for key, field in named.fields.items()}
        required = {
            k: v for k, v in fields.items() if graphql.is_non_null_type(named.fields[k].type)
        }
        optional = {k: v for k, v in fields.items() if k not in required}
        return st.fixed_dictionaries(required, optional=optional)
    match named.name:
        case "ID":
            return _ids(preferred)
        case "Int":
            return st.sampled_from([size for size in PAGE_SIZES if size is not None])
        case "Boolean":
            return st.booleans()
        case "String":
            if name in ("after", "before"):
                slots = [CURSOR.format(i) for i in range(CURSOR_SLOTS)]
                return st.sampled_from(slots * 3 + list(JUNK_CURSORS))
            return st.sampled_from(["a", "Consumer", "+9198", "%", "zzz-nothing"])
        case "Date":
            return st.sampled_from([day.isoformat() for day in DAYS] + ["0001-01-01"])
        case "DateTime":
            return st.sampled_from(
                ["2025-01-01T10:00:00+05:30", f"{TODAY.isoformat()}T00:00:00Z", "2025-01-01"]
            )
    return st.nothing()


def _value(type_: graphql.GraphQLInputType, name: str, preferred: tuple[str, ...]) -> Any:
    if isinstance(type_, graphql.GraphQLNonNull):
        inner = type_.of_type
        if isinstance(inner, graphql.GraphQLList):
            return st.lists(_value(inner.of_type, name, preferred), max_size=3)
        return _named(inner, name, preferred)
    if isinstance(type_, graphql.GraphQLList):
        return st.none() | st.lists(_value(type_.of_type, name, preferred), max_size=3)
    return st.none() | _named(type_, name, preferred)


def expected_types(document: graphql.DocumentNode) -> tuple[str, ...]:
    """The object types a document's fragments are on: what its ``id`` should name."""
    found: set[str] = set()

    class Visitor(graphql.Visitor):
        def enter_inline_fragment(self, node: graphql.InlineFragmentNode, *_: Any) -> None:
            if node.type_condition is not None:
                found.add(node.type_condition.name.value)

    graphql.visit(document, Visitor())
    return tuple(sorted(found & set(NODE_TYPES)))


def samples(text: str, count: int, fuzz_seed: int) -> list[dict[str, Any]]:
    """``count`` variable sets for the operation of ``text``, the same for a seed."""
    schema = graphql_schema()
    document = graphql.parse(text)
    (operation,) = [
        d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)
    ]
    preferred = expected_types(document)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    required: set[str] = set()
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = graphql.type_from_ast(schema, definition.type)
        assert type_ is not None
        fields[name] = _value(type_, name, preferred)  # type: ignore[arg-type]
        if (
            isinstance(definition.type, graphql.NonNullTypeNode)
            and definition.default_value is None
        ):
            required.add(name)
    strategy = st.fixed_dictionaries(
        {k: v for k, v in fields.items() if k in required},
        optional={k: v for k, v in fields.items() if k not in required},
    )
    found: list[dict[str, Any]] = [{}] if not required else []

    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @seed(fuzz_seed)
    @given(strategy)
    def collect(values: dict[str, Any]) -> None:
        found.append(values)

    collect()
    return found[:count]


def bind(value: Any, ids: Mapping[str, list[str]], cursors: list[str]) -> Any:
    """``value`` with its id placeholders pointed at rows and its cursor slots filled."""
    if isinstance(value, dict):
        return {key: bind(item, ids, cursors) for key, item in value.items()}
    if isinstance(value, list):
        return [bind(item, ids, cursors) for item in value]
    if isinstance(value, str) and value.startswith("~"):
        _, kind, index, _ = value.split("~")
        if kind == "cursor":
            return cursors[int(index) % len(cursors)] if cursors else JUNK_CURSORS[1]
        rows = ids.get(kind) or []
        return rows[int(index) % len(rows)] if rows else JUNK_IDS[-1]
    return value


def cursors_in(value: Any, into: list[str]) -> None:
    """Collect every cursor of an answer (edges' cursors, start and end cursors)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("cursor", "startCursor", "endCursor") and isinstance(item, str):
                if item not in into:
                    into.append(item)
            else:
                cursors_in(item, into)
    elif isinstance(value, list):
        for item in value:
            cursors_in(item, into)
