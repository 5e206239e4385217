"""Remembered actors: reused between a user's requests, dropped the moment they change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx2 as httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from auth.actor import Actor
from auth.actor_cache import ActorCache
from auth.scope import PlantScope
from core.db import write_session
from core.settings import Settings
from models.events import EventTopic
from models.staff import Role
from resolvers.events.notifications import record_event
from schema.relay import encode_id
from server.app import create_app
from tests.conftest import GraphQLClient, error_codes, statements_sent
from tests.factories import World

ACTOR = Actor(1, "Asha", Role.CSA, None, None, PlantScope.of({1}))
ME = "{ me { id name } }"
IN_PROCESS = "{ packageRequests(filter: {stages: [IN_PROCESS]}) { edges { node { id } } } }"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_an_actor_is_loaded_once_within_its_time() -> None:
    clock = Clock()
    cache = ActorCache(5.0, clock)
    loads: list[int] = []

    async def load(user_id: int) -> Actor:
        loads.append(user_id)
        return ACTOR

    assert await cache.actor(1, load) is ACTOR
    assert await cache.actor(1, load) is ACTOR
    assert loads == [1]
    clock.now += 5.0
    assert await cache.actor(1, load) is ACTOR
    assert loads == [1, 1]


async def test_forgetting_drops_one_user_or_everyone() -> None:
    cache = ActorCache(5.0, Clock())
    loads: list[int] = []

    async def load(user_id: int) -> Actor:
        loads.append(user_id)
        return replace(ACTOR, user_id=user_id)

    for user_id in (1, 2):
        await cache.actor(user_id, load)
    cache.forget(1)
    await cache.actor(1, load)
    await cache.actor(2, load)
    assert loads == [1, 2, 1]
    cache.forget()
    assert len(cache) == 0


async def test_a_load_that_raced_a_change_is_not_remembered() -> None:
    cache = ActorCache(5.0, Clock())
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_load(user_id: int) -> Actor:
        started.set()
        await release.wait()
        return ACTOR  # read before the change committed

    loading = asyncio.create_task(cache.actor(1, slow_load))
    await started.wait()
    cache.forget(1)  # the change commits while the load is under way
    release.set()
    assert await loading is ACTOR
    assert len(cache) == 0


async def test_unknown_and_deactivated_users_are_not_remembered() -> None:
    cache = ActorCache(5.0, Clock())
    loads: list[int] = []

    async def nobody(user_id: int) -> None:
        loads.append(user_id)

    assert await cache.actor(7, nobody) is None
    assert await cache.actor(7, nobody) is None
    assert loads == [7, 7]


async def test_off_means_every_request_loads() -> None:
    cache = ActorCache(0, Clock())
    loads: list[int] = []

    async def load(user_id: int) -> Actor:
        loads.append(user_id)
        return ACTOR

    await cache.actor(1, load)
    await cache.actor(1, load)
    assert loads == [1, 1] and len(cache) == 0


@pytest.fixture
async def remembering(
    settings: Settings, world: World
) -> AsyncIterator[tuple[Starlette, GraphQLClient]]:
    """An app remembering actors, started after the world is made (its feed begins at the
    head of this test's outbox)."""
    app = create_app(settings.model_copy(update={"actor_cache_seconds": 60.0}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cached") as http:
            yield app, GraphQLClient(http)


async def test_a_remembered_actor_costs_no_statement(
    remembering: tuple[Starlette, GraphQLClient], world: World
) -> None:
    app, client = remembering
    token = world.token("cluster1")
    await client.data(IN_PROCESS, token=token)
    with statements_sent(app.state.runtime.engine) as counter:
        await client.data(IN_PROCESS, token=token)
    # The document's one statement; no actor statement, no BEGIN/ROLLBACK.
    assert counter.count == 1, counter.statements


async def test_deactivating_a_user_takes_effect_at_once(
    remembering: tuple[Starlette, GraphQLClient], world: World
) -> None:
    _, client = remembering
    token = world.token("csa1")
    await client.data(ME, token=token)
    changed = await client.data(
        "mutation($id: ID!) { updateUser(input: {id: $id, active: false}) { errors { code } } }",
        {"id": encode_id("User", world.users["csa1"].id or 0)},
        token=world.token("admin"),
    )
    assert changed["updateUser"]["errors"] == []
    assert error_codes(await client.request(ME, token=token)) == ["UNAUTHENTICATED"]


async def test_another_process_s_change_reaches_the_cache_through_the_feed(
    remembering: tuple[Starlette, GraphQLClient],
    world: World,
    db: async_sessionmaker[AsyncSession],
) -> None:
    app, client = remembering
    user = world.users["csa1"]
    token = world.token("csa1")
    await client.data(ME, token=token)
    assert len(app.state.runtime.actors) == 1
    # As another server process changes the user: the row and the outbox event commit;
    # this process hears only the event.
    async with write_session(db) as session:
        await record_event(
            session,
            topic=EventTopic.STAFF,
            subject_type="User",
            subject_id=user.id or 0,
            actor_id=world.users["admin"].id,
        )
    app.state.runtime.feed.wake(None)
    for _ in range(200):
        if len(app.state.runtime.actors) == 0:
            break
        await asyncio.sleep(0.01)
    assert len(app.state.runtime.actors) == 0
