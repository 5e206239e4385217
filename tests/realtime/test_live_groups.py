"""Live subscriptions shared by an audience (schema.execution.live): the same messages as
each subscription alone, one execution per audience and event, and a subscriber whose
scope changes moving to its new audience without losing or repeating an event."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette

from core.events.outbox import head
from core.settings import Settings
from schema.relay import encode_id
from server.app import create_app
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.packages import operations as ops
from tests.realtime.documents import MY_ASSIGNMENTS, NOTIFICATION_ADDED, REQUEST_EVENTS
from tests.realtime.test_subscriptions import assign, caught_up, create_request
from tests.realtime.ws import GraphQLWebSocket, connected, next_data, nothing_more

# Who subscribes to what: dashboards of one audience twice, of other audiences, a
# plant filter, and field agents' assignments and bells.
SUBSCRIBERS: tuple[tuple[str, str, dict[str, Any] | None], ...] = (
    ("cluster1", REQUEST_EVENTS, None),
    ("cluster1", REQUEST_EVENTS, None),
    ("state1", REQUEST_EVENTS, None),
    ("csa1", REQUEST_EVENTS, None),
    ("admin", REQUEST_EVENTS, None),
    ("tech1", MY_ASSIGNMENTS, None),
    ("tech1", NOTIFICATION_ADDED, None),
    ("csa1", NOTIFICATION_ADDED, None),
)


async def _started(app: Starlette) -> AsyncIterator[Starlette]:
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        async with runtime.sessions() as session:
            runtime.feed.position = await head(session, postgres=runtime.feed.postgres)
        yield app


@pytest.fixture
async def grouped(settings: Settings, world: World) -> AsyncIterator[Starlette]:
    async for app in _started(create_app(settings)):
        yield app


@pytest.fixture
async def alone(settings: Settings, world: World) -> AsyncIterator[Starlette]:
    async for app in _started(create_app(settings.model_copy(update={"live_groups": False}))):
        yield app


async def _everything(socket: GraphQLWebSocket, quiet: float = 0.5) -> list[Any]:
    """Every message until none comes for ``quiet`` seconds."""
    messages = []
    with contextlib.suppress(TimeoutError):
        while True:
            messages.append(await socket.receive(quiet))
    return messages


async def _workflow(client: GraphQLClient, world: World, *apps: Starlette) -> None:
    """Steps that reach each subscriber of SUBSCRIBERS at least once. A payload shows the
    request as it is when delivered: each step waits until the last one is delivered."""

    async def delivered() -> None:
        for app in apps:
            await caught_up(app.state.runtime.feed)
        await asyncio.sleep(0.2)

    first = await create_request(client, world, plant_index=0)
    await delivered()
    await assign(client, world, first, "tech1")
    await delivered()
    await ops.succeeded(
        client,
        "processPackageRequest",
        {"requestId": first, "note": "Done."},
        token=world.token("tech1"),
    )
    await delivered()
    await ops.succeeded(
        client,
        "completePackageRequest",
        {"requestId": first, "note": "Checked."},
        token=world.token("cluster1"),
    )
    await delivered()
    await create_request(client, world, plant_index=2)


async def test_shared_deliveries_are_the_messages_of_each_subscription_alone(
    grouped: Starlette, alone: Starlette, client: GraphQLClient, world: World
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        pairs = []
        for number, (user, query, variables) in enumerate(SUBSCRIBERS):
            fast = await stack.enter_async_context(connected(grouped, world.token(user)))
            slow = await stack.enter_async_context(connected(alone, world.token(user)))
            for socket, app in ((fast, grouped), (slow, alone)):
                await caught_up(app.state.runtime.feed)
                await socket.subscribe(str(number), query, variables)
            pairs.append((fast, slow))
        await _workflow(client, world, grouped, alone)
        for (fast, slow), subscriber in zip(pairs, SUBSCRIBERS, strict=True):
            shared, own = await _everything(fast), await _everything(slow)
            assert shared, f"{subscriber} heard nothing"
            assert shared == own, subscriber


async def test_an_audience_shares_one_execution_per_event(
    grouped: Starlette, client: GraphQLClient, world: World
) -> None:
    live = grouped.state.live
    async with contextlib.AsyncExitStack() as stack:
        sockets = []
        for user in ["cluster1"] * 12 + ["state1"] * 6:
            socket = await stack.enter_async_context(connected(grouped, world.token(user)))
            await caught_up(grouped.state.runtime.feed)
            await socket.subscribe("dashboard", REQUEST_EVENTS)
            sockets.append(socket)
        before = live.executions
        request_id = await create_request(client, world, plant_index=0)
        for socket in sockets:
            event = (await next_data(socket))["packageRequestEvents"]
            assert event["request"]["id"] == request_id
        assert live.executions - before == 2  # one per audience, not one per socket
        assert len(live.groups) == 2


async def test_a_widened_scope_moves_the_subscriber_to_its_new_audience(
    grouped: Starlette, client: GraphQLClient, world: World
) -> None:
    async with connected(grouped, world.token("cluster1")) as socket:
        await caught_up(grouped.state.runtime.feed)
        await socket.subscribe("dashboard", REQUEST_EVENTS)
        before = await create_request(client, world, plant_index=2)  # another cluster
        await nothing_more(socket)
        # The plant joins cluster1's cluster: its events now concern the subscriber.
        moved = await client.data(
            """mutation($input: UpdatePlantInput!) {
              updatePlant(input: $input) { errors { code } } }""",
            {
                "input": {
                    "id": encode_id("Plant", world.plants[2].id or 0),
                    "clusterId": encode_id("Cluster", world.plants[0].cluster_id),
                }
            },
            token=world.token("admin"),
        )
        assert moved["updatePlant"]["errors"] == []
        after = await ops.succeeded(
            client,
            "cancelPackageRequest",
            {"requestId": before, "reason": "Asked twice."},
            token=world.token("csa3"),
        )
        # It resumes as if subscribed again from its last event, with its new scope: the
        # plant's earlier step, now in scope, then the new one; each once.
        events = [(await next_data(socket))["packageRequestEvents"] for _ in range(2)]
        assert [(e["action"], e["request"]["id"]) for e in events] == [
            ("CREATE", before),
            ("CANCEL", after["id"]),
        ]
        await nothing_more(socket)
