"""Fences around the fast execution path (bulk completion, ``schema.execution.batched``).

``tests/test_batched_execution.py`` compares whole responses of two apps for every read
document. Mutations and subscriptions cannot run twice on the same data, so here a
comparing executor completes every planned selection both ways on the same values, in
the same request, and records any difference: every mutation document of ``queries/``
and every subscription document (one event each) must complete in bulk exactly as the
standard way completes it.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

import httpx2 as httpx
import pytest
import strawberry
from graphql import GraphQLError, GraphQLResolveInfo, OperationDefinitionNode, OperationType, parse
from graphql.pyutils import AwaitableOrValue
from starlette.applications import Starlette

from core.events.outbox import head
from core.settings import Settings
from schema import build_schema
from schema.execution.batched import BatchedExecutor, SharedInfo
from schema.execution.plans import Completion
from server.app import create_app
from tests.conftest import QUERIES_DIR, GraphQLClient
from tests.factories import World
from tests.realtime.documents import MY_ASSIGNMENTS, NOTIFICATION_ADDED, REQUEST_EVENTS
from tests.realtime.test_subscriptions import assign, caught_up, create_request
from tests.realtime.ws import connected, next_data
from tests.test_documents import DOCUMENTS

MUTATION_DOCUMENTS = sorted(
    name
    for name in DOCUMENTS
    if any(
        definition.operation is OperationType.MUTATION
        for definition in parse((QUERIES_DIR / name).read_text()).definitions
        if isinstance(definition, OperationDefinitionNode)
    )
)


class ComparingExecutor(BatchedExecutor):
    """Completes each planned selection in bulk, then the standard way on the same value;
    answers the bulk result and records where the two differ."""

    compared: ClassVar[int] = 0
    mismatches: ClassVar[list[str]] = []

    @classmethod
    def reset(cls) -> None:
        cls.compared = 0
        cls.mismatches = []

    def _complete_in_bulk(  # type: ignore[override]
        self,
        completion: Completion,
        value: Any,
        info: GraphQLResolveInfo[Any],
        standard: Callable[[], AwaitableOrValue[Any]],
    ) -> AwaitableOrValue[Any]:
        fast = BatchedExecutor._complete_in_bulk(completion, value, info, standard)
        return self._compare(fast, standard, info)

    async def _compare(
        self,
        fast: Any,
        standard: Callable[[], AwaitableOrValue[Any]],
        info: GraphQLResolveInfo[Any],
    ) -> Any:
        if inspect.isawaitable(fast):
            fast = await fast
        errors = self.collected_errors.errors
        before = len(errors)
        seen = {(error.message, tuple(error.path or ())) for error in errors}
        slow = standard()
        if inspect.isawaitable(slow):
            slow = await slow
        # The standard way's own errors are not part of the response: only compared.
        added: list[GraphQLError] = errors[before:]
        del errors[before:]
        type(self).compared += 1
        unexpected = [e for e in added if (e.message, tuple(e.path or ())) not in seen]
        if slow != fast or unexpected:
            where = ".".join(str(key) for key in info.path.as_list())
            type(self).mismatches.append(f"{where}: bulk {fast!r} != standard {slow!r} {added}")
        return fast


@pytest.fixture
async def comparing_app(settings: Settings, world: World) -> AsyncIterator[Starlette]:
    """The app with the comparing executor, started (its event feed at the outbox head)."""
    schema = build_schema(settings, execution_context_class=ComparingExecutor)
    app = create_app(settings, schema=schema)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        async with runtime.sessions() as session:
            runtime.feed.position = await head(session, postgres=runtime.feed.postgres)
        ComparingExecutor.reset()
        yield app


@pytest.fixture
async def comparing(comparing_app: Starlette) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=comparing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://comparing") as http:
        yield GraphQLClient(http)


def test_every_mutation_document_is_compared() -> None:
    assert len(MUTATION_DOCUMENTS) >= 20, MUTATION_DOCUMENTS


@pytest.mark.parametrize("name", MUTATION_DOCUMENTS)
async def test_mutation_payloads_complete_in_bulk_as_standard(
    comparing: GraphQLClient, world: World, name: str
) -> None:
    make_variables, sender = DOCUMENTS[name]
    variables = await make_variables(world, comparing)
    ComparingExecutor.reset()
    token = None if sender == "anonymous" else world.token(sender)
    body = await comparing.document(name, variables, token=token)
    assert not body.get("errors"), body
    assert ComparingExecutor.compared > 0, f"{name}: no planned selection was compared"
    assert ComparingExecutor.mismatches == []


async def test_subscription_events_complete_in_bulk_as_standard(
    comparing_app: Starlette, comparing: GraphQLClient, world: World
) -> None:
    feed = comparing_app.state.runtime.feed
    async with (
        connected(comparing_app, world.token("cluster1")) as dashboard,
        connected(comparing_app, world.token("tech1")) as agent,
    ):
        await caught_up(feed)
        await dashboard.subscribe("events", REQUEST_EVENTS)
        await agent.subscribe("assignments", MY_ASSIGNMENTS)
        await agent.subscribe("bell", NOTIFICATION_ADDED)
        await caught_up(feed)
        ComparingExecutor.reset()

        request_id = await create_request(comparing, world, plant_index=0)
        created = (await next_data(dashboard))["packageRequestEvents"]
        assert created["request"]["id"] == request_id
        await assign(comparing, world, request_id, "tech1")
        assigned = (await next_data(dashboard))["packageRequestEvents"]
        assert assigned["action"] == "ASSIGN"
        received = [await next_data(agent), await next_data(agent)]
        assert {next(iter(data)) for data in received} == {"myAssignments", "notificationAdded"}

    assert ComparingExecutor.compared > 0
    assert ComparingExecutor.mismatches == []


# The shared info of a planned field: nothing per object can be read or kept on it.
@strawberry.type
class Tagged:
    name: str

    @strawberry.field
    def stored(self, info: strawberry.Info) -> str:
        info.remembered = self.name  # type: ignore[attr-defined]
        return self.name

    @strawberry.field
    def located(self, info: strawberry.Info) -> str:
        return ".".join(str(key) for key in info.path.as_list())


@strawberry.type
class TaggedQuery:
    @strawberry.field
    def tagged(self) -> list[Tagged]:
        return [Tagged(name="a"), Tagged(name="b")]


@pytest.mark.parametrize("field", ["stored", "located"])
async def test_a_field_that_keeps_or_reads_per_object_state_runs_the_standard_way(
    field: str,
) -> None:
    batched = strawberry.Schema(query=TaggedQuery, execution_context_class=BatchedExecutor)
    plain = strawberry.Schema(query=TaggedQuery)
    query = f"{{ tagged {{ name {field} }} }}"
    fast = await batched.execute(query)
    slow = await plain.execute(query)
    assert not fast.errors and fast.data == slow.data
    if field == "located":
        assert fast.data == {
            "tagged": [
                {"name": "a", "located": "tagged.0.located"},
                {"name": "b", "located": "tagged.1.located"},
            ]
        }


def test_the_shared_info_refuses_state_and_has_no_path() -> None:
    info = SharedInfo(_raw_info=None, _field=None)  # type: ignore[arg-type]
    with pytest.raises(AttributeError, match="shared"):
        info.remembered = 1
    with pytest.raises(AttributeError, match="shared"):
        _ = info.path
