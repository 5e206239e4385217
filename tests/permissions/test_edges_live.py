"""Every edge of every subscription's payload, as every caller, against the SQL oracle.

The same walks as ``test_edges`` from the Subscription type: every caller subscribes to
each walk at once (so live subscriptions share executions among an audience, as they do in
production), requests are created and assigned in two states, and every object of every
payload delivered is held to ``oracle.visibility``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.events.outbox import head
from core.settings import Settings
from schema import schema
from server.app import create_app
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.permissions.edges import Walker
from tests.permissions.model import WORLD_USERS
from tests.permissions.oracle import visibility
from tests.permissions.test_edges import ALLOWED_ERRORS, UNLIMITED, Tally
from tests.realtime.test_subscriptions import assign, caught_up, create_request
from tests.realtime.ws import GraphQLWebSocket, connected

WALKER = Walker(schema._schema, {})


def subscription_roots() -> list[str]:
    subscription_type = schema._schema.subscription_type
    assert subscription_type is not None
    return sorted(subscription_type.fields)


@pytest.fixture
async def live_app(settings: Settings, world: World) -> AsyncIterator[Starlette]:
    app = create_app(settings.model_copy(update=UNLIMITED))
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        async with runtime.sessions() as session:
            runtime.feed.position = await head(session, postgres=runtime.feed.postgres)
        yield app


async def _everything(socket: GraphQLWebSocket, quiet: float = 0.5) -> list[dict[str, Any]]:
    messages = []
    with contextlib.suppress(TimeoutError):
        while True:
            messages.append(await socket.receive(quiet))
    return messages


async def test_every_payload_object_is_one_the_subscriber_may_see(
    live_app: Starlette,
    client: GraphQLClient,
    db: async_sessionmaker[AsyncSession],
    world: World,
) -> None:
    roots = subscription_roots()
    walks = {root: WALKER.walk(root, "subscription") for root in roots}
    feed = live_app.state.runtime.feed
    tally = Tally()
    delivered: dict[str, int] = dict.fromkeys(roots, 0)
    async with contextlib.AsyncExitStack() as stack:
        sockets = {}
        for caller in WORLD_USERS:
            socket = await stack.enter_async_context(connected(live_app, world.token(caller)))
            await caught_up(feed)
            for number, root in enumerate(roots):
                await socket.subscribe(str(number), walks[root].document)
            sockets[caller] = socket
        await asyncio.sleep(0.1)
        # Work in both states: plant1 (state1) and plant4 (state2), requested and assigned
        # by people some subscribers may see only as references.
        first = await create_request(client, world, plant_index=0)
        await assign(client, world, first, "tech1")
        await create_request(client, world, plant_index=3)
        await caught_up(feed)
        for caller, socket in sockets.items():
            user_id = world.users[caller].id
            assert user_id is not None
            async with db() as session:
                seen = await visibility(session, user_id)
            for message in await _everything(socket):
                root = roots[int(message["id"])]
                where = f"{caller} via {root}"
                payload: Any = message.get("payload") or {}
                errors = payload if message["type"] == "error" else payload.get("errors") or []
                codes = {error.get("extensions", {}).get("code") for error in errors}
                if codes - ALLOWED_ERRORS:
                    tally.failures.append(f"{where}: {message}")
                if message["type"] == "next" and payload.get("data"):
                    delivered[root] += 1
                    tally.requests += 1
                    tally.check(where, payload["data"], seen)
    assert not tally.failures, "\n".join(tally.failures[:40])
    assert all(delivered.values()), delivered
    assert tally.references > 0  # admin's work, seen from state2 and tech4's side
    print(
        f"\nsubscriptions: {len(roots)} walks; payloads: {tally.requests};"
        f" objects checked: {sum(tally.objects.values())}; references: {tally.references}"
    )
