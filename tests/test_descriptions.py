"""The schema is described everywhere (#17): every type, field, argument, enum value and
input field has a description, and the custom scalars link their specification."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
)
from strawberry.schema.types import base_scalars
from strawberry.types.scalar import ScalarDefinition

from schema import schema
from schema.descriptions import ROOTS, describe
from schema.enum_descriptions import ENUM_TYPES, ENUM_VALUES
from schema.field_descriptions import ARGUMENTS, FIELDS, INPUT_FIELDS
from tests.conftest import GraphQLClient

BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def _coordinates(graphql_schema: GraphQLSchema) -> dict[str, str | None]:
    """Every schema coordinate of ours, with its description."""
    found: dict[str, str | None] = {}
    for name, type_ in graphql_schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        found[name] = type_.description
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                found[f"{name}.{field_name}"] = field.description
                for argument_name, argument in field.args.items():
                    found[f"{name}.{field_name}({argument_name})"] = argument.description
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                found[f"{name}.{field_name}"] = input_field.description
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                found[f"{name}.{value_name}"] = value.description
    return found


def test_everything_is_described() -> None:
    coordinates = _coordinates(schema._schema)
    assert len(coordinates) > 900
    undescribed = sorted(c for c, text in coordinates.items() if not (text or "").strip())
    assert undescribed == []


def _strawberry_placeholders() -> set[str]:
    """The descriptions Strawberry gives its own scalars ("Date (isoformat)", ...)."""
    return {
        definition.description
        for definition in vars(base_scalars).values()
        if isinstance(definition, ScalarDefinition) and definition.description
    }


def test_the_custom_scalars_link_their_specification() -> None:
    custom = {
        name: type_
        for name, type_ in schema._schema.type_map.items()
        if isinstance(type_, GraphQLScalarType)
        and name not in BUILT_IN
        and not name.startswith("__")
    }
    assert {"Date", "DateTime", "Decimal"} <= set(custom)
    placeholders = _strawberry_placeholders()
    assert "Decimal (fixed-point)" in placeholders  # the check below can see one
    for name, scalar in custom.items():
        assert (scalar.specified_by_url or "").startswith("https://"), name
        assert (scalar.description or "").strip(), name
        assert scalar.description not in placeholders, name
    sdl = schema.as_str()
    assert 'scalar Date @specifiedBy(url: "https://www.rfc-editor.org/rfc/rfc3339' in sdl
    assert 'scalar DateTime @specifiedBy(url: "https://www.rfc-editor.org/rfc/rfc3339' in sdl
    assert 'scalar Decimal @specifiedBy(url: "https://' in sdl


def test_payload_fields_say_they_are_null_when_refused() -> None:
    """A refused mutation's payload carries only `errors`: its other fields say so."""
    silent = [
        f"{name}.{field_name}"
        for name, type_ in schema._schema.type_map.items()
        if name.endswith("Payload") and isinstance(type_, GraphQLObjectType)
        for field_name, field in type_.fields.items()
        if field_name != "errors"
        and not isinstance(field.type, GraphQLNonNull)
        and "null" not in (field.description or "").lower()
    ]
    assert silent == []


def test_an_input_shared_by_mutations_is_not_described_as_one_of_them() -> None:
    built = build_schema(
        """
        type Query { ok: Boolean }
        input StepInput { id: ID }
        input OtherInput { id: ID }
        type Mutation {
          reject(input: StepInput!): Boolean
          cancel(input: StepInput!): Boolean
          other(input: OtherInput!): Boolean
        }
        """
    )
    describe(built)
    assert built.type_map["StepInput"].description == "The input of `reject` and `cancel`."
    assert built.type_map["OtherInput"].description == "The input of `other`."


def test_the_central_descriptions_name_coordinates_that_exist() -> None:
    """A renamed field must not leave its description behind, unused."""
    coordinates = _coordinates(schema._schema)
    named = [*ROOTS, *ENUM_TYPES, *FIELDS, *ARGUMENTS, *INPUT_FIELDS]
    named += [f"{enum}.{value}" for enum, values in ENUM_VALUES.items() for value in values]
    assert [coordinate for coordinate in named if coordinate not in coordinates] == []


async def test_introspection_carries_the_descriptions(client: GraphQLClient) -> None:
    body = await client.data(
        """{
          query: __type(name: "Query") { description }
          date: __type(name: "Date") { description specifiedByURL }
          role: __type(name: "Role") { enumValues { name description } }
        }"""
    )
    assert body["query"]["description"] == ROOTS["Query"]
    assert body["date"]["specifiedByURL"].startswith("https://www.rfc-editor.org/")
    assert all(value["description"] for value in body["role"]["enumValues"])
