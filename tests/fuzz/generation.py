"""Queries and mutations generated from the live schema with hypothesis-graphql.

Documents are generated once per seed and shared by every caller, so generation (the
slow part: 20 to 40 ms a document) is paid once per run. Scalars come from
:func:`scalar_strategies`: mostly values a client would send, some junk. IDs are
placeholders, ``~Consumer~2~``, that :func:`bind` turns into real ids of the world the
document is sent to, whose ids differ from one world to the next; most are pointed at the
type their argument names (``consumerId``), so that mutations get past the id check and
reach their rules. Every selection on a type with an ``id`` gets one added, so that the
scope check sees every object in a response.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import replace
from functools import cache

import graphql
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from schema import schema as gridline_schema

# Every type implementing Node, as the schema names them.
NODE_TYPES = (
    "State",
    "Cluster",
    "Plant",
    "Consumer",
    "Package",
    "PackageRequest",
    "User",
    "Notification",
    "Product",
    "Warehouse",
    "StockMovement",
    "PurchaseRequest",
    "Scheme",
    "SchemeEnrollment",
    "SchemePayment",
)
# How many rows of a type a placeholder may point at (``index % rows``).
PLACEHOLDER_INDEXES = 16
PLACEHOLDER = re.compile(r"~([A-Za-z]+)~(\d+)~")
# Placeholders drawn below this index are pointed at the type their argument names
# (``consumerId``: a Consumer), so that mutations get past "wrong type of id" and reach
# their rules; the others keep the type drawn, which is mostly a wrong one.
RETYPE_BELOW = 12
ID_NAMES = {
    "requestId": "PackageRequest",
    "requestedPackageId": "Package",
    "assigneeId": "User",
    "enrollmentId": "SchemeEnrollment",
    "fromWarehouseId": "Warehouse",
    "toWarehouseId": "Warehouse",
}


def _b64(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


def _string(value: str) -> graphql.ValueNode:
    return graphql.StringValueNode(value=value)


def _int(value: int) -> graphql.ValueNode:
    return graphql.IntValueNode(value=str(value))


JUNK_IDS = (
    "",
    "not-base64!!",
    _b64("Plant"),
    _b64("Plant:"),
    _b64("Plant:-1"),
    _b64("Plant:abc"),
    _b64("Plant:1" + "0" * 30),
    _b64("Nonsense:1"),
    _b64("Consumer:0"),
    _b64("PackageRequest:99999999"),
    "x" * 300,
)
# Values people type (so that some mutations get past validation) and values they should
# not (so that validation is what stops them).
TYPED_STRINGS = (
    "KA-01",
    "ka 02",
    "Fan for the shop",
    "+919812345678",
    "98123 45678",
    "csa@example.com",
    "correct horse battery staple",
    "2025-01-01",
    "FAN-01-7",
    "  ",
    "'; DROP TABLE consumers; --",
    "%_\\",
    "nul \x00 byte",  # PostgreSQL refuses U+0000 in text
    "é" * 121,
    "x" * 600,  # over the 500 of reasons and notes
    "w" * 1000,  # the most a package request's note may have
)


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# Cursors a client should never send: of the wrong shape, type or range, for lists and
# for subscriptions (``after``).
FORGED_CURSORS = (
    _cursor('["zzz",99999999999999999999]'),
    _cursor('["zzz",2147483648]'),
    _cursor('[{"t":"2026-01-01T00:00:00"},1]'),
    _cursor('[{"t":"0001-01-01T00:00:00+05:30"},1]'),
    _cursor('[{"d":"2026-01-01"},"1"]'),
    _cursor("[true,1]"),
    _cursor("ev:0:" + "9" * 20),
    _cursor("ev:-1:5"),
)
DATES = ("2025-01-01", "2024-02-29", "2026-12-31", "2020-06-15")
JUNK_DATES = ("2025-13-01", "2025-02-30", "", "yesterday", "0001-01-01", "9999-12-31")
DATETIMES = ("2025-01-01T10:00:00+05:30", "2025-06-30T23:59:59Z", "2024-02-29T00:00:00")
JUNK_DATETIMES = (
    "2025-01-01T25:00:00Z",
    "",
    "now",
    "2025-01-01T10:00:00",  # no offset
    "0001-01-01T00:00:00+05:30",
    "9999-12-31T23:59:59-12:00",
)
DECIMALS = ("250.00", "0", "0.01", "1499", "99999.99")
JUNK_DECIMALS = ("-1", "1.234", "1e10", "NaN", "Infinity", "-0", "", "ten", "9" * 40)


def placeholder(type_name: str, index: int) -> str:
    return f"~{type_name}~{index}~"


def _nodes(values: tuple[str, ...]) -> list[graphql.ValueNode]:
    return [_string(value) for value in values]


def scalar_strategies() -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Values for the custom scalars, and for ID, Int and String: mostly valid, some junk.

    Flat ``sampled_from`` lists where possible: hypothesis-graphql wraps these strategies
    afresh for every value it draws, and nested ones cost far more to set up each time.
    """
    placeholders = [
        placeholder(type_name, index)
        for type_name in NODE_TYPES
        for index in range(PLACEHOLDER_INDEXES)
    ]
    junk_ids = [*_nodes(JUNK_IDS), *(_int(n) for n in (-1, 0, 7, 2**31 - 1))]
    # About one id in eight is junk.
    ids = _nodes(tuple(placeholders)) + junk_ids * (len(placeholders) // len(junk_ids) // 7)
    ints = [_int(n) for n in (*range(-3, 12), *range(12, 150, 7), -(2**31), 2**31 - 1)]
    return {
        "ID": st.sampled_from(ids),
        "Int": st.sampled_from(ints),
        "String": st.sampled_from(_nodes(TYPED_STRINGS + FORGED_CURSORS))
        | st.text(max_size=40).map(_string),
        "Date": st.sampled_from(_nodes(DATES * 2 + JUNK_DATES)),
        "DateTime": st.sampled_from(_nodes(DATETIMES * 2 + JUNK_DATETIMES)),
        "Decimal": st.sampled_from(_nodes(DECIMALS * 2 + JUNK_DECIMALS)),
    }


@cache
def graphql_schema() -> graphql.GraphQLSchema:
    """The live schema (not the committed SDL, which a test keeps in step anyway)."""
    return graphql.build_schema(gridline_schema.as_str())


def id_type(name: str, owner: str | None) -> str | None:
    """The node type an ID argument or input field called ``name`` (of the input type
    ``owner``) expects, when its name tells."""
    if name in ID_NAMES:
        return ID_NAMES[name]
    if name in ("id", "ids") and owner is not None:
        if owner == "MarkNotificationsReadInput":
            return "Notification"
        stem = owner.removeprefix("Update").removesuffix("Input")
    else:
        stem = name.removesuffix("s").removesuffix("Id")
    type_name = stem[:1].upper() + stem[1:]
    return type_name if type_name in NODE_TYPES and stem != name else None


def _retyped(
    value: graphql.ValueNode, name: str, input_type: graphql.GraphQLNamedType, owner: str | None
) -> graphql.ValueNode:
    """``value`` (of an argument or input field ``name``) with its placeholders retyped."""
    if isinstance(value, graphql.ObjectValueNode):
        assert isinstance(input_type, graphql.GraphQLInputObjectType)
        fields = tuple(
            replace(
                field,
                value=_retyped(
                    field.value,
                    field.name.value,
                    graphql.get_named_type(input_type.fields[field.name.value].type),
                    input_type.name,
                ),
            )
            for field in value.fields
        )
        return replace(value, fields=fields)
    if isinstance(value, graphql.ListValueNode):
        values = tuple(_retyped(item, name, input_type, owner) for item in value.values)
        return replace(value, values=values)
    if isinstance(value, graphql.StringValueNode):
        match = PLACEHOLDER.fullmatch(value.value)
        target = id_type(name, owner)
        if match is not None and target is not None and int(match[2]) < RETYPE_BELOW:
            return replace(value, value=placeholder(target, int(match[2])))
    return value


def _with_arguments_retyped(
    field: graphql.FieldNode, definition: graphql.GraphQLField
) -> graphql.FieldNode:
    arguments = tuple(
        replace(
            argument,
            value=_retyped(
                argument.value,
                argument.name.value,
                graphql.get_named_type(definition.args[argument.name.value].type),
                None,
            ),
        )
        for argument in field.arguments or ()
    )
    return replace(field, arguments=arguments)


ID_FIELD = graphql.FieldNode(name=graphql.NameNode(value="id"))


def _with_ids(
    selection_set: graphql.SelectionSetNode, parent: graphql.GraphQLNamedType
) -> graphql.SelectionSetNode:
    """``selection_set`` on ``parent`` with ``id`` selected on every object that has one,
    and the placeholders of its arguments retyped."""
    selections: list[graphql.SelectionNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, graphql.FieldNode) and selection.name.value != "__typename":
            assert isinstance(parent, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType)
            definition = parent.fields[selection.name.value]
            selection = _with_arguments_retyped(selection, definition)
            if selection.selection_set is not None:
                field_type = graphql.get_named_type(definition.type)
                selection = replace(
                    selection, selection_set=_with_ids(selection.selection_set, field_type)
                )
        elif isinstance(selection, graphql.InlineFragmentNode):
            assert selection.type_condition is not None
            condition = graphql_schema().get_type(selection.type_condition.name.value)
            assert condition is not None
            selection = replace(
                selection, selection_set=_with_ids(selection.selection_set, condition)
            )
        selections.append(selection)
    has_id_field = isinstance(
        parent, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType
    ) and ("id" in parent.fields)
    selects_id = any(
        isinstance(s, graphql.FieldNode) and s.alias is None and s.name.value == "id"
        for s in selections
    )
    if has_id_field and not selects_id:
        selections.insert(0, ID_FIELD)
    return replace(selection_set, selections=tuple(selections))


def print_for_gridline(document: graphql.DocumentNode) -> str:
    definitions = []
    for definition in document.definitions:
        assert isinstance(definition, graphql.OperationDefinitionNode)
        root = graphql_schema().get_root_type(definition.operation)
        assert root is not None
        definitions.append(
            replace(definition, selection_set=_with_ids(definition.selection_set, root))
        )
    return graphql.print_ast(replace(document, definitions=tuple(definitions)))


@cache
def corpus(fuzz_seed: int, size: int) -> tuple[str, ...]:
    """``size`` distinct documents, queries and mutations, the same for the same seed."""
    documents: dict[str, None] = {}
    strategy = from_schema(
        graphql_schema(), custom_scalars=scalar_strategies(), print_ast=print_for_gridline
    )

    # Generation only: nothing fails, so nothing is shrunk, and the seed alone decides.
    @seed(fuzz_seed)
    @settings(
        max_examples=size + size // 20,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(document: str) -> None:
        if len(documents) < size:
            documents[document] = None

    collect()
    return tuple(documents)


def bind(document: str, ids: Mapping[str, list[str]]) -> str:
    """``document`` with its placeholders replaced by ids of ``ids`` (type -> global ids);
    a type with no rows gets a well-formed id of nothing."""

    def real_id(match: re.Match[str]) -> str:
        type_name, index = match[1], int(match[2])
        known = ids.get(type_name) or []
        return known[index % len(known)] if known else _b64(f"{type_name}:999999999")

    return PLACEHOLDER.sub(real_id, document)


def is_mutation(document: str) -> bool:
    """Whether a generated document (printed by graphql-core: ``{`` or ``mutation {``)
    is a mutation."""
    return document.startswith("mutation")
