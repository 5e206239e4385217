"""Descriptions the schema's own definitions do not carry, given in one place.

The custom scalars say what they hold and link their specification (``@specifiedBy``);
the root types say what they are; and the shapes every area repeats (pagination
arguments, connections and edges, a mutation's ``input`` and ``errors``) and the enum
values (``schema.enum_descriptions``) are described once here, only where a definition
has no description of its own. Applied to the built
schema, so introspection and the printed SDL both carry them.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import replace

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
)
from strawberry.schema.types.base_scalars import (
    DateDefinition,
    DateTimeDefinition,
    DecimalDefinition,
)
from strawberry.types.scalar import ScalarDefinition

from schema.enum_descriptions import ENUM_TYPES, ENUM_VALUES
from schema.field_descriptions import ARGUMENTS as BY_ARGUMENT
from schema.field_descriptions import FIELDS as BY_FIELD
from schema.field_descriptions import INPUT_FIELDS as BY_INPUT_FIELD

SCALARS: dict[object, ScalarDefinition] = {
    dt.date: replace(
        DateDefinition,
        description="A calendar day, as YYYY-MM-DD (RFC 3339 full-date), in the company's "
        "time zone (Asia/Kolkata unless configured otherwise).",
        specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    ),
    dt.datetime: replace(
        DateTimeDefinition,
        description="An instant, as an RFC 3339 date-time. Answers are in UTC "
        "(2026-12-04T06:00:00+00:00, with fractions of a second when there are any); a "
        "value sent must carry its offset (Z, +00:00, +05:30): one without is refused "
        "(VALIDATION).",
        specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    ),
    decimal.Decimal: replace(
        DecimalDefinition,
        description='An exact decimal number, answered as a string ("1250.50"), never as a '
        "floating-point number. Send it as a string too: a number is accepted but passes "
        "through floating point (0.1 stays 0.1; digits past the 15th may not survive). NaN "
        "and infinities are refused as amounts (VALIDATION).",
        specified_by_url="https://speleotrove.com/decimal/daconvs.html#reftostr",
    ),
}

ROOTS = {
    "Query": "What may be read: each field answers within the caller's scope.",
    "Mutation": "What may be changed: each mutation answers a payload whose `errors` say "
    "why it was refused (empty when it succeeded).",
    "Subscription": "Live events over graphql-transport-ws: each sends what changes in the "
    "caller's scope as it happens, and can resume after a cursor.",
}

ARGUMENTS = {
    "first": "At most this many items (a page), from the start or after `after`.",
    "after": "The `cursor` of an edge: the page starts after it.",
    "last": "At most this many items, from the end or before `before`.",
    "before": "The `cursor` of an edge: the page ends before it.",
    "filter": "Only the items matching every condition given.",
    "orderBy": "The order of the items.",
}

# Fields of the types whose name ends with the key.
FIELDS_BY_SUFFIX = {
    "Connection": {
        "edges": "The items of this page, each with its cursor.",
        "pageInfo": "Where this page stands in the whole list.",
        "nodes": "The items of this page.",
        "totalCount": "How many items the whole list holds.",
    },
    "Edge": {
        "cursor": "Pass it as `after` (or `before`) for the page that follows (or precedes).",
        "node": "The item.",
    },
    "Payload": {
        "errors": "Why the mutation was refused, for the user to act on; empty when it succeeded.",
    },
}


REFUSED = "Null when the mutation was refused (see `errors`)."


def _say_null_when_refused(payload: GraphQLObjectType) -> None:
    """A payload's other fields are null when it carries errors (``schema.mutation``
    builds a refused payload from its defaults): say so where a field does not."""
    for name, field in payload.fields.items():
        if name == "errors" or isinstance(field.type, GraphQLNonNull):
            continue
        text = (field.description or "").strip()
        if "null" not in text.lower():
            field.description = f"{text} {REFUSED}".strip()


def _describe_mutation_inputs(mutation: GraphQLObjectType) -> None:
    takers: dict[str, list[str]] = {}
    types: dict[str, GraphQLInputObjectType] = {}
    for name, field in mutation.fields.items():
        argument = field.args.get("input")
        if argument is None:
            continue
        if not argument.description:
            argument.description = f"What `{name}` is asked to do."
        named = argument.type
        while hasattr(named, "of_type"):
            named = named.of_type
        if isinstance(named, GraphQLInputObjectType):
            takers.setdefault(named.name, []).append(f"`{name}`")
            types[named.name] = named
    for type_name, names in takers.items():
        if not types[type_name].description:
            # Shared by several mutations, it names them all.
            listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            types[type_name].description = f"The input of {listed}."


def _describe_enum(type_: GraphQLEnumType) -> None:
    if not type_.description and type_.name in ENUM_TYPES:
        type_.description = ENUM_TYPES[type_.name]
    for name, value in type_.values.items():
        description = ENUM_VALUES.get(type_.name, {}).get(name)
        if not value.description and description:
            value.description = description


def _describe_fields(type_: GraphQLNamedType) -> None:
    if isinstance(type_, GraphQLEnumType):
        _describe_enum(type_)
    if isinstance(type_, GraphQLInputObjectType):
        for name, input_field in type_.fields.items():
            text = BY_INPUT_FIELD.get(f"{type_.name}.{name}")
            if not input_field.description and text:
                input_field.description = text
    if not isinstance(type_, GraphQLObjectType):
        return
    for name, field in type_.fields.items():
        text = BY_FIELD.get(f"{type_.name}.{name}")
        if not field.description and text:
            field.description = text
        for argument_name, argument in field.args.items():
            text = BY_ARGUMENT.get(f"{type_.name}.{name}({argument_name})")
            if not argument.description and text:
                argument.description = text
    if type_.name.endswith("Payload"):
        _say_null_when_refused(type_)
    for suffix, descriptions in FIELDS_BY_SUFFIX.items():
        if type_.name.endswith(suffix):
            for name, description in descriptions.items():
                field = type_.fields.get(name)
                if field is not None and not field.description:
                    field.description = description
    for field in type_.fields.values():
        for name, argument in field.args.items():
            if not argument.description and name in ARGUMENTS:
                argument.description = ARGUMENTS[name]


def describe(schema: GraphQLSchema) -> None:
    """Fill the descriptions above into ``schema`` where its definitions give none."""
    for name, description in ROOTS.items():
        root = schema.get_type(name)
        if root is not None and not root.description:
            root.description = description
    if schema.mutation_type is not None:
        _describe_mutation_inputs(schema.mutation_type)
    for name, type_ in schema.type_map.items():
        if not name.startswith("__"):
            _describe_fields(type_)
