"""The permission matrix as a test: every root field against every caller, in and out of
scope, compared with the table in ``table.py``.

The schema decides what must be covered: a root field of Query, Mutation or Subscription
without a row fails, and so does a row whose field is gone.
"""

from __future__ import annotations

import re

import pytest
from graphql import GraphQLObjectType, OperationDefinitionNode, parse, validate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.events.outbox import head
from models.staff import Role
from schema import schema
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.permissions.model import ALL_ROLES, Kind, Row
from tests.permissions.runner import report, run_row
from tests.permissions.table import ROWS
from tests.permissions.targets import Env


def root_types() -> dict[Kind, GraphQLObjectType]:
    """The schema's root types, whichever exist."""
    graphql_schema = schema._schema
    roots = {
        Kind.QUERY: graphql_schema.query_type,
        Kind.MUTATION: graphql_schema.mutation_type,
        Kind.SUBSCRIPTION: graphql_schema.subscription_type,
    }
    return {kind: root for kind, root in roots.items() if root is not None}


def test_every_root_field_has_one_row_and_every_row_a_field() -> None:
    in_schema = {
        f"{kind.value}.{name}" for kind, root in root_types().items() for name in root.fields
    }
    names = [row.name for row in ROWS]
    in_table = set(names)
    missing = sorted(in_schema - in_table)
    gone = sorted(in_table - in_schema)
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not missing, f"root fields without a row in tests/permissions/table.py: {missing}"
    assert not gone, f"rows of fields the schema no longer has: {gone}"
    assert not twice, f"fields with more than one row: {twice}"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_each_document_is_valid_and_asks_for_its_field(row: Row) -> None:
    document = parse(row.document)
    assert validate(schema._schema, document) == []
    (operation,) = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    assert operation.operation.value == row.kind.value.lower()
    fields = [selection.name.value for selection in operation.selection_set.selections]  # type: ignore[attr-defined]
    assert fields == [row.field]


REQUIRES = re.compile(r"Requires: (.+)\.$")


def _roles_in_description(description: str) -> frozenset[Role] | None:
    found = REQUIRES.search(description.strip())
    if found is None:
        return None
    if found.group(1) == "any signed-in user":
        return ALL_ROLES
    return frozenset(Role(name.strip()) for name in found.group(1).split(","))


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_each_field_tells_who_may_use_it_as_the_table_does(row: Row) -> None:
    """GraphiQL shows an analyst the field's "Requires:" line; it must not disagree with
    the design. Fields that need no sign-in have no such line."""
    field = root_types()[row.kind].fields[row.field]
    assert _roles_in_description(field.description or "") == row.roles


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
async def test_permission_matrix(
    row: Row,
    world: World,
    db: async_sessionmaker[AsyncSession],
    client: GraphQLClient,
    app: Starlette,
) -> None:
    if row.kind is Kind.SUBSCRIPTION:
        feed = app.state.runtime.feed
        async with db() as session:  # the wiped outbox starts again (see tests/realtime)
            feed.position = await head(session, postgres=feed.postgres)
    mismatches = await run_row(Env(world, db, client, app), row)
    assert not mismatches, report(mismatches)
