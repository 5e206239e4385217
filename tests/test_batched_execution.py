"""Bulk completion answers exactly what standard execution answers (issue #8).

Every read document in ``queries/`` runs through the app (batched execution on, the
default) and through a second app on the same database with ``batched_execution`` off,
as each caller role, and the two responses (data and errors) must be equal. Generated
documents (tests/fuzz) do the same over shapes the app does not send: aliases,
fragments, ``__typename``, arguments, errors. A small schema covers the ways a planned
subtree gives up (a field function raising, a null where none may be, a refused scalar),
which real data rarely reaches.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx2 as httpx
import pytest
import strawberry
from graphql import OperationDefinitionNode, OperationType, parse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from schema.execution.batched import BatchedExecutor
from server.app import create_app
from tests.conftest import QUERIES_DIR, GraphQLClient
from tests.factories import World
from tests.fuzz.generation import bind, corpus, is_mutation
from tests.fuzz.world import fill_world, global_ids
from tests.test_documents import DOCUMENTS

CALLERS = ("admin", "state1", "cluster1", "csa1", "tech1", "operator1")
READ_DOCUMENTS = sorted(
    name
    for name in DOCUMENTS
    if all(
        definition.operation is OperationType.QUERY
        for definition in parse((QUERIES_DIR / name).read_text()).definitions
        if isinstance(definition, OperationDefinitionNode)
    )
)
FUZZ_SEED = int(os.environ.get("GRIDLINE_FUZZ_SEED", "20260701")) + 8
FUZZ_DOCUMENTS = 150


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The body without what differs by design between two requests (an error's id)."""
    for error in body.get("errors") or []:
        error.get("extensions", {}).pop("requestId", None)
    return body


@pytest.fixture
async def standard(settings: Settings) -> AsyncIterator[GraphQLClient]:
    """A client of the same app and database with batched execution turned off."""
    app = create_app(settings.model_copy(update={"batched_execution": False}))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://standard") as http:
            yield GraphQLClient(http)
    finally:
        await app.state.runtime.engine.dispose()


async def both_ways(
    batched: GraphQLClient,
    standard: GraphQLClient,
    query: str,
    variables: dict[str, Any],
    token: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    fast = comparable(await batched.request(query, variables, token=token))
    slow = comparable(await standard.request(query, variables, token=token))
    return fast, slow


def test_the_app_runs_batched_and_the_comparison_does_not(settings: Settings) -> None:
    from schema import build_schema

    assert settings.batched_execution
    assert build_schema(settings).execution_context_class is BatchedExecutor
    off = settings.model_copy(update={"batched_execution": False})
    assert build_schema(off).execution_context_class is not BatchedExecutor


@pytest.mark.parametrize("name", READ_DOCUMENTS)
async def test_read_documents_answer_the_same_both_ways(
    client: GraphQLClient, standard: GraphQLClient, world: World, name: str
) -> None:
    make_variables, _sender = DOCUMENTS[name]
    variables = await make_variables(world, client)
    query = (QUERIES_DIR / name).read_text()
    answered = 0
    for caller in CALLERS:
        fast, slow = await both_ways(client, standard, query, variables, world.token(caller))
        assert fast == slow, f"{name} as {caller}"
        answered += fast.get("data") is not None and not fast.get("errors")
    assert answered > 0, f"{name}: no caller got an answer to compare"


@pytest.mark.parametrize("caller", ["state1", "tech1"])
async def test_generated_documents_answer_the_same_both_ways(
    client: GraphQLClient,
    standard: GraphQLClient,
    db: async_sessionmaker[AsyncSession],
    world: World,
    caller: str,
) -> None:
    await fill_world(db, client, world)
    ids = await global_ids(db, leave_out_user=world.users[caller].id or 0)
    token = world.token(caller)
    reads = [doc for doc in corpus(FUZZ_SEED, FUZZ_DOCUMENTS) if not is_mutation(doc)]
    assert len(reads) > FUZZ_DOCUMENTS // 3
    with_data = 0
    for number, template in enumerate(reads):
        document = bind(template, ids)
        fast, slow = await both_ways(client, standard, document, {}, token)
        assert fast == slow, f"document #{number} (seed {FUZZ_SEED}) as {caller}:\n{document}"
        with_data += bool(fast.get("data"))
    assert with_data > 0


# A schema whose nested fields misbehave on purpose, run by graphql directly.
@strawberry.type
class Item:
    name: str
    code: str | None

    @strawberry.field
    async def required(self) -> str:
        if self.name == "broken":
            raise ValueError("no value for broken")
        return self.name.upper()

    @strawberry.field
    def nullable_twin(self) -> str | None:
        return None if self.name == "empty" else self.name

    @strawberry.field
    def count(self) -> int:
        return 2**40 if self.name == "huge" else len(self.name)


@strawberry.type
class Shelf:
    items: list[Item]
    label: str


@strawberry.type
class Query:
    @strawberry.field
    def shelf(self, names: list[str]) -> Shelf:
        return Shelf(items=[Item(name=n, code=n[:1] or None) for n in names], label="shelf")


ODD_QUERY = """
query Shelf($names: [String!]!) {
  shelf(names: $names) {
    label
    kind: __typename
    items { name code required twin: nullableTwin count ...Counted }
  }
}
fragment Counted on Item { count }
"""


@pytest.mark.parametrize(
    "names",
    [["a", "bb"], ["a", "broken", "c"], ["empty", ""], ["huge", "x"], []],
    ids=["plain", "raises", "nulls", "refused-int", "empty-list"],
)
async def test_a_subtree_that_misbehaves_answers_as_standard(names: list[str]) -> None:
    batched = strawberry.Schema(query=Query, execution_context_class=BatchedExecutor)
    plain = strawberry.Schema(query=Query)
    fast = await batched.execute(ODD_QUERY, variable_values={"names": names})
    slow = await plain.execute(ODD_QUERY, variable_values={"names": names})
    assert fast.data == slow.data
    assert [(e.message, e.path) for e in fast.errors or []] == [
        (e.message, e.path) for e in slow.errors or []
    ]
    if names == ["a", "bb"]:
        assert fast.data == {
            "shelf": {
                "label": "shelf",
                "kind": "Shelf",
                "items": [
                    {"name": "a", "code": "a", "required": "A", "twin": "a", "count": 1},
                    {"name": "bb", "code": "b", "required": "BB", "twin": "bb", "count": 2},
                ],
            }
        }


async def test_directives_keep_the_standard_way() -> None:
    batched = strawberry.Schema(query=Query, execution_context_class=BatchedExecutor)
    plain = strawberry.Schema(query=Query)
    query = """query ($skip: Boolean!) {
      shelf(names: ["a", "b"]) { items { name code @skip(if: $skip) } }
    }"""
    for skip in (True, False):
        fast = await batched.execute(query, variable_values={"skip": skip})
        slow = await plain.execute(query, variable_values={"skip": skip})
        assert fast.data == slow.data and not fast.errors
    assert fast.data == {
        "shelf": {"items": [{"name": "a", "code": "a"}, {"name": "b", "code": "b"}]}
    }


class CountingExecutor(BatchedExecutor):
    """Counts the fields graphql-core executes one by one."""

    executed: list[str] = []

    def execute_field(self, parent_type: Any, source: Any, details: Any, *rest: Any) -> Any:
        self.executed.append(details[0].node.name.value)
        return super().execute_field(parent_type, source, details, *rest)


async def test_a_planned_subtree_runs_no_field_one_by_one() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=CountingExecutor)
    CountingExecutor.executed = []
    result = await schema.execute(ODD_QUERY, variable_values={"names": ["a", "b", "c"]})
    assert not result.errors
    assert CountingExecutor.executed == ["shelf"]
    # A subtree that gives up runs field by field.
    CountingExecutor.executed = []
    await schema.execute(ODD_QUERY, variable_values={"names": ["a", "broken"]})
    assert {"label", "items", "name", "required"} <= set(CountingExecutor.executed)
