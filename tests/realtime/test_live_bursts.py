"""Live subscriptions at scale (#18): members of one visibility share one execution
whoever they are, a burst committed together is executed in batches (its loads batched
across events and groups), and a slow member delays nobody."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col
from starlette.applications import Starlette

from auth.actor import Actor
from auth.scope import PlantScope
from auth.tokens import issue_access_token
from core.db import write_session
from core.events.feed import EventFeed
from core.events.outbox import FeedEvent, head
from core.settings import Settings
from models.events import EventTopic, OutboxEvent
from models.packages import RequestAction
from models.staff import Role, User
from resolvers.events.notifications import record_event
from tests.conftest import GraphQLClient
from tests.factories import World, make_user
from tests.packages import operations as ops
from tests.realtime.documents import MY_ASSIGNMENTS, REQUEST_EVENTS
from tests.realtime.test_subscriptions import caught_up, create_request
from tests.realtime.ws import GraphQLWebSocket, connected, next_data, nothing_more


def _actor(user_id: int, role: Role, scope: PlantScope) -> Actor:
    return Actor(user_id, f"User {user_id}", role, None, None, scope)


def test_visibility_is_the_role_and_plants_and_the_user_only_when_no_plant_shows_them() -> None:
    plants = PlantScope.of({1, 2})
    same = _actor(1, Role.CLUSTER_INCHARGE, plants), _actor(2, Role.CLUSTER_INCHARGE, plants)
    assert same[0].visibility == same[1].visibility
    assert _actor(1, Role.TECHNICIAN, plants).visibility != same[0].visibility
    assert _actor(3, Role.CLUSTER_INCHARGE, PlantScope.of({1})).visibility != same[0].visibility
    admins = [_actor(n, Role.ADMIN, PlantScope.all_plants()) for n in (1, 2)]
    assert admins[0].visibility == admins[1].visibility
    # With no plant in scope a user sees themselves in full and nobody else does.
    nothing = PlantScope.of(set())
    alone = _actor(1, Role.CLUSTER_INCHARGE, nothing), _actor(2, Role.CLUSTER_INCHARGE, nothing)
    assert alone[0].visibility != alone[1].visibility


async def _colleague(
    db: async_sessionmaker[AsyncSession], world: World, role: Role, **where: Any
) -> User:
    async with write_session(db) as session:
        return await make_user(session, role, **where)


def _token(settings: Settings, user: User) -> str:
    assert user.id is not None
    return issue_access_token(user.id, settings).token


@contextlib.contextmanager
def _statements(engine: AsyncEngine, table: str) -> Iterator[list[str]]:
    """The SQL statements reading ``table`` while the block runs (any session)."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if f"FROM {table}" in statement:
            seen.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", before)


async def _subscribed(socket: GraphQLWebSocket, feed: EventFeed, query: str) -> None:
    await caught_up(feed)
    await socket.subscribe("1", query)
    await asyncio.sleep(0.05)  # the subscription joins its group


async def test_members_of_one_visibility_share_one_execution_whoever_they_are(
    app: Starlette,
    client: GraphQLClient,
    world: World,
    feed: EventFeed,
    settings: Settings,
    db: async_sessionmaker[AsyncSession],
) -> None:
    live = app.state.live
    other = await _colleague(db, world, Role.CLUSTER_INCHARGE, cluster=world.clusters[0])
    tokens = [world.token("cluster1")] * 5 + [_token(settings, other)] * 5
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(connected(app, token)) for token in tokens]
        for socket in sockets:
            await _subscribed(socket, feed, REQUEST_EVENTS)
        assert len(live.groups) == 1  # two users, one visibility
        before = live.executions
        with _statements(app.state.runtime.engine, "package_requests") as reads:
            request_id = await create_request(client, world, plant_index=0)
            payloads = [(await next_data(socket))["packageRequestEvents"] for socket in sockets]
        assert {p["request"]["id"] for p in payloads} == {request_id}
        assert all(p == payloads[0] for p in payloads)  # the same bytes for everyone
        assert live.executions - before == 1
        # Reading the request: the mutation's own statements and one for the audience,
        # not one per socket.
        assert len(reads) < len(sockets)


async def _assignments_at_once(
    db: async_sessionmaker[AsyncSession],
    world: World,
    burst: list[tuple[int, int]],
) -> None:
    """Assignment events of (request, technician), committed in one transaction."""
    async with write_session(db) as session:
        for request_id, user_id in burst:
            await record_event(
                session,
                topic=EventTopic.PACKAGE_REQUEST,
                subject_type="PackageRequest",
                subject_id=request_id,
                plant_id=world.plants[0].id,
                actor_id=world.users["cluster1"].id,
                payload={"action": RequestAction.ASSIGN.value, "assigneeId": user_id},
            )


async def test_a_burst_committed_together_is_executed_in_batches(
    app: Starlette,
    client: GraphQLClient,
    world: World,
    feed: EventFeed,
    settings: Settings,
    db: async_sessionmaker[AsyncSession],
) -> None:
    live = app.state.live
    requests = [
        ops.decode(await create_request(client, world, plant_index=0, consumer_index=c))
        for c in range(3)
    ]
    # A second technician of tech1's plants: the same visibility, their own assignments.
    tech1b = await _colleague(db, world, Role.TECHNICIAN, plants=world.plants[:2])
    techs = [world.users["tech1"].id or 0, tech1b.id or 0]
    burst = [(requests[n % 3], techs[n % 2]) for n in range(24)]
    async with (
        connected(app, world.token("cluster1")) as dashboard1,
        connected(app, world.token("cluster1")) as dashboard2,
        connected(app, world.token("tech1")) as agent1,
        connected(app, _token(settings, tech1b)) as agent2,
    ):
        for socket, query in (
            (dashboard1, REQUEST_EVENTS),
            (dashboard2, REQUEST_EVENTS),
            (agent1, MY_ASSIGNMENTS),
            (agent2, MY_ASSIGNMENTS),
        ):
            await _subscribed(socket, feed, query)
        assert len(live.groups) == 3
        before = live.executions
        with _statements(app.state.runtime.engine, "package_requests") as reads:
            await _assignments_at_once(db, world, burst)
            seen = {}
            for name, socket, field, count in (
                ("dashboard1", dashboard1, "packageRequestEvents", 24),
                ("dashboard2", dashboard2, "packageRequestEvents", 24),
                ("agent1", agent1, "myAssignments", 12),
                ("agent2", agent2, "myAssignments", 12),
            ):
                seen[name] = [(await next_data(socket))[field] for _ in range(count)]
                await nothing_more(socket, 0.1)
        # Every event once, in order, to the right people.
        assert seen["dashboard1"] == seen["dashboard2"]
        assert [ops.decode(e["request"]["id"]) for e in seen["dashboard1"]] == [
            request for request, _ in burst
        ]
        for name, tech in (("agent1", techs[0]), ("agent2", techs[1])):
            mine = [request for request, user in burst if user == tech]
            assert [ops.decode(e["request"]["id"]) for e in seen[name]] == mine
            assert {e["kind"] for e in seen[name]} == {"ASSIGNED"}
        # Executed once per group and event; loaded in batches: one read of the requests
        # per visibility (the dashboards', the technicians' together), not one per event.
        assert live.executions - before == 48
        assert len(reads) <= 2, reads


@pytest.fixture
async def small_queues(settings: Settings, world: World) -> Any:
    from server.app import create_app

    small = create_app(settings.model_copy(update={"subscriber_queue_size": 8}))
    async with small.router.lifespan_context(small):
        feed = small.state.runtime.feed
        async with small.state.runtime.sessions() as session:
            feed.position = await head(session, postgres=feed.postgres)
        yield small


async def test_a_slow_member_is_ended_alone_and_delays_nobody(
    small_queues: Starlette,
    client: GraphQLClient,
    world: World,
    db: async_sessionmaker[AsyncSession],
) -> None:
    feed = small_queues.state.runtime.feed
    request_id = ops.decode(await create_request(client, world, plant_index=0))
    slow = GraphQLWebSocket(small_queues)
    # The slow client reads nothing: the server's sends to it stop once its socket's
    # buffer (here two messages) is full.
    slow._from_app = asyncio.Queue(maxsize=2)
    async with connected(small_queues, world.token("cluster1")) as fast:
        await slow.open()
        try:
            assert (await slow.init(world.token("cluster1")))["type"] == "connection_ack"
            await _subscribed(fast, feed, REQUEST_EVENTS)
            await _subscribed(slow, feed, REQUEST_EVENTS)
            received = []
            for _ in range(6):  # passes of five events: within the feed's queue
                await _assignments_at_once(db, world, [(request_id, 0)] * 5)
                await caught_up(feed)
                for _ in range(5):
                    received.append((await next_data(fast, 2.0))["packageRequestEvents"])
            assert len({e["cursor"] for e in received}) == 30
            codes = []
            while True:
                message = await slow.receive()
                if message["type"] == "complete":
                    break
                codes += [e["extensions"]["code"] for e in message["payload"].get("errors", [])]
            assert codes == ["SUBSCRIBER_TOO_SLOW"]
        finally:
            await slow.close()


async def test_an_assignment_says_when_it_happened(
    app: Starlette,
    client: GraphQLClient,
    world: World,
    feed: EventFeed,
    db: async_sessionmaker[AsyncSession],
) -> None:
    request_id = ops.decode(await create_request(client, world, plant_index=0))
    async with connected(app, world.token("tech1")) as agent:
        await caught_up(feed)
        await agent.subscribe("1", "subscription { myAssignments { kind at } }")
        await asyncio.sleep(0.05)
        await _assignments_at_once(db, world, [(request_id, world.users["tech1"].id or 0)])
        async with db() as session:
            written = (
                (await session.execute(sa.select(OutboxEvent).order_by(col(OutboxEvent.id).desc())))
                .scalars()
                .first()
            )
        assert written is not None
        event = (await next_data(agent))["myAssignments"]
    assert event["kind"] == "ASSIGNED"
    at = written.created_at
    assert datetime.fromisoformat(event["at"]) == (at if at.tzinfo else at.replace(tzinfo=UTC))


async def test_the_feed_offers_an_event_only_to_the_users_it_concerns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import core.events.feed as feed_module

    def event(n: int, payload: dict[str, Any]) -> FeedEvent:
        row = OutboxEvent(
            id=n,
            tx_id=0,
            topic="PACKAGE_REQUEST",
            subject_type="PackageRequest",
            subject_id=1,
            payload=payload,
        )
        return FeedEvent((0, n), row)

    batch = [
        event(1, {"action": "ASSIGN", "assigneeId": 7}),
        event(2, {"action": "REASSIGN", "assigneeId": 8, "previousAssigneeId": 7}),
        event(3, {"action": "CREATE"}),
    ]

    async def read_after(*_: Any, **__: Any) -> list[FeedEvent]:
        return batch

    @contextlib.asynccontextmanager
    async def sessions() -> Any:
        yield None

    monkeypatch.setattr(feed_module, "read_after", read_after)
    feed = EventFeed(sessions, None, postgres=False)  # type: ignore[arg-type]
    asked: dict[str, list[int]] = {"7": [], "8": [], "9": [], "all": []}

    def wants(name: str) -> Any:
        def asking(item: FeedEvent) -> bool:
            asked[name].append(item.position[1])
            return True

        return asking

    agents = {name: feed.subscribe(wants(name), int(name)) for name in ("7", "8", "9")}
    everyone = feed.subscribe(wants("all"))
    await feed._read_on()
    # Each agent is asked about the events naming them only; the dashboard about all.
    assert asked == {"7": [1, 2], "8": [2], "9": [], "all": [1, 2, 3]}
    assert [item.position for item in agents["7"].ready(5)] == [(0, 1), (0, 2)]
    assert everyone.queue.qsize() == 3
    for subscriber in (*agents.values(), everyone):
        feed.unsubscribe(subscriber)
    assert not feed.subscribers
    assert not feed._by_user
