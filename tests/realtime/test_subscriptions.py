"""Subscriptions over graphql-transport-ws: who hears what, replay and resume, limits."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.db import write_session
from core.events.feed import EventFeed
from core.events.outbox import head
from models.events import EventTopic, OutboxEvent
from models.packages import RequestAction
from models.staff import Role, User
from resolvers.events.notifications import record_event
from resolvers.events.subscriptions import AssignmentKind, assignment_kind
from resolvers.packages.requests import SUBJECT
from tests.conftest import GraphQLClient
from tests.factories import World, make_user
from tests.packages import operations as ops
from tests.realtime.documents import MY_ASSIGNMENTS, NOTIFICATION_ADDED, REQUEST_EVENTS
from tests.realtime.ws import GraphQLWebSocket, connected, next_data, nothing_more


async def create_request(
    client: GraphQLClient, world: World, plant_index: int = 0, consumer_index: int = 0
) -> str:
    """A new request (by the plant's creator) at ``plant_index``; its global id."""
    consumer = world.plant_consumers(plant_index)[consumer_index]
    creator = {0: "csa1", 1: "cluster1", 2: "csa3", 3: "admin"}[plant_index]
    request = await ops.succeeded(
        client,
        "createPackageRequest",
        {"consumerId": ops.gid("Consumer", consumer.id), "service": "DISCONNECTION"},
        token=world.token(creator),
    )
    return str(request["id"])


async def assign(
    client: GraphQLClient,
    world: World,
    request_id: str,
    to: str,
    mutation: str = "assignPackageRequest",
) -> None:
    """The cluster in-charge assigns the request to ``to`` (or reassigns it)."""
    await ops.succeeded(
        client,
        mutation,
        {"requestId": request_id, "assigneeId": ops.gid("User", world.users[to].id)},
        token=world.token("cluster1"),
    )


async def reassign(client: GraphQLClient, world: World, request_id: str, to: str) -> None:
    await assign(client, world, request_id, to, "reassignPackageRequest")


async def caught_up(feed: EventFeed) -> None:
    """Wait until the feed has read every committed event."""
    for _ in range(200):
        async with feed.sessions() as session:
            if feed.position == await head(session, postgres=feed.postgres):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the feed did not catch up")


async def listen(
    socket: GraphQLWebSocket,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    feed: EventFeed,
) -> None:
    """Subscribe once the feed has read what went before, so that is not live news."""
    await caught_up(feed)
    await socket.subscribe("1", query, variables)
    await asyncio.sleep(0.05)  # the subscription joins the feed


@contextlib.asynccontextmanager
async def technicians_listening(
    app: Starlette, world: World, feed: EventFeed, db: async_sessionmaker[AsyncSession]
) -> AsyncIterator[tuple[GraphQLWebSocket, GraphQLWebSocket, GraphQLWebSocket]]:
    """tech1, a second technician of plant1 (added to the world as ``tech1b``) and tech4
    (plant4, another state), each connected and following myAssignments."""
    async with db() as session:
        colleague = await make_user(session, Role.TECHNICIAN, plants=[world.plants[0]])
        await session.commit()
    world.users["tech1b"] = colleague
    async with (
        connected(app, world.token("tech1")) as tech1,
        connected(app, world.token("tech1b")) as tech1b,
        connected(app, world.token("tech4")) as tech4,
    ):
        for socket in (tech1, tech1b, tech4):
            await listen(socket, MY_ASSIGNMENTS, feed=feed)
        yield tech1, tech1b, tech4


async def test_a_transition_reaches_subscribers_in_scope_and_nobody_else(
    app: Starlette, client: GraphQLClient, world: World, feed: EventFeed
) -> None:
    async with (
        connected(app, world.token("cluster1")) as cluster1,
        connected(app, world.token("state1")) as state1,
        connected(app, world.token("state2")) as state2,
        connected(app, world.token("csa3")) as csa3,
    ):
        for socket in (cluster1, state1, state2, csa3):
            await listen(socket, REQUEST_EVENTS, feed=feed)

        request_id = await create_request(client, world, plant_index=0)
        for socket in (cluster1, state1):
            event = (await next_data(socket))["packageRequestEvents"]
            assert event["action"] == "CREATE"
            assert event["request"]["id"] == request_id
            assert event["request"]["stage"] == "REQUESTED"
            assert event["actor"]["id"] == ops.gid("User", world.users["csa1"].id)

        await assign(client, world, request_id, "tech1")
        event = (await next_data(cluster1))["packageRequestEvents"]
        assert (event["action"], event["request"]["stage"]) == ("ASSIGN", "IN_PROCESS")
        # state2's scope is another state; csa3 works at plant 3 only.
        await nothing_more(state2)
        await nothing_more(csa3)


async def test_plant_ids_narrow_the_stream(
    app: Starlette, client: GraphQLClient, world: World, feed: EventFeed
) -> None:
    plant2 = ops.gid("Plant", world.plants[1].id)
    async with connected(app, world.token("cluster1")) as socket:
        await listen(socket, REQUEST_EVENTS, {"plantIds": [plant2]}, feed=feed)
        await create_request(client, world, plant_index=0)
        second = await create_request(client, world, plant_index=1)
        event = (await next_data(socket))["packageRequestEvents"]
        assert event["request"]["id"] == second
        assert event["request"]["plant"]["id"] == plant2
        await nothing_more(socket)


async def test_plants_outside_scope_are_not_a_way_in(
    app: Starlette, client: GraphQLClient, world: World, feed: EventFeed
) -> None:
    plant4 = ops.gid("Plant", world.plants[3].id)
    async with connected(app, world.token("cluster1")) as socket:
        await listen(socket, REQUEST_EVENTS, {"plantIds": [plant4]}, feed=feed)
        await create_request(client, world, plant_index=3)
        await nothing_more(socket)


async def test_my_assignments_tell_the_agent_and_only_them(
    app: Starlette,
    client: GraphQLClient,
    world: World,
    feed: EventFeed,
    db: async_sessionmaker[AsyncSession],
) -> None:
    async with technicians_listening(app, world, feed, db) as (tech1, tech1b, tech4):
        request_id = await create_request(client, world)
        await assign(client, world, request_id, "tech1")
        assigned = (await next_data(tech1))["myAssignments"]
        assert (assigned["kind"], assigned["request"]["id"]) == ("ASSIGNED", request_id)
        assert assigned["request"]["assignee"]["id"] == ops.gid("User", world.users["tech1"].id)

        await reassign(client, world, request_id, "tech1b")
        assert (await next_data(tech1))["myAssignments"]["kind"] == "UNASSIGNED"
        assert (await next_data(tech1b))["myAssignments"]["kind"] == "REASSIGNED"

        await ops.succeeded(
            client,
            "processPackageRequest",
            {"requestId": request_id, "note": "Done."},
            token=world.token("tech1b"),
        )
        await ops.succeeded(
            client,
            "sendBackPackageRequest",
            {"requestId": request_id, "reason": "The meter seal is missing."},
            token=world.token("cluster1"),
        )
        sent_back = (await next_data(tech1b))["myAssignments"]
        assert (sent_back["kind"], sent_back["request"]["stage"]) == ("SENT_BACK", "IN_PROCESS")
        for socket in (tech1, tech1b, tech4):
            await nothing_more(socket)


async def test_notifications_arrive_live_and_resume_after_the_last_one_seen(
    app: Starlette, client: GraphQLClient, world: World, feed: EventFeed
) -> None:
    first = await create_request(client, world, consumer_index=0)
    second = await create_request(client, world, consumer_index=1)
    async with connected(app, world.token("tech1")) as socket:
        await listen(socket, NOTIFICATION_ADDED, feed=feed)
        await assign(client, world, first, "tech1")
        seen = (await next_data(socket))["notificationAdded"]
        assert (seen["kind"], seen["request"]["id"]) == ("REQUEST_ASSIGNED", first)
    # Offline, another assignment arrives; on reconnecting after the one seen, only it.
    await assign(client, world, second, "tech1")
    async with connected(app, world.token("tech1")) as socket:
        await listen(socket, NOTIFICATION_ADDED, {"after": seen["id"]}, feed=feed)
        missed = (await next_data(socket))["notificationAdded"]
        assert missed["request"]["id"] == second
        await nothing_more(socket)


async def test_resume_after_a_cursor_replays_in_order_then_goes_live(
    app: Starlette, client: GraphQLClient, world: World, feed: EventFeed
) -> None:
    request_id = await create_request(client, world)
    async with connected(app, world.token("cluster1")) as socket:
        await listen(socket, REQUEST_EVENTS, feed=feed)
        await assign(client, world, request_id, "tech1")
        cursor = (await next_data(socket))["packageRequestEvents"]["cursor"]
    # While disconnected: two more steps.
    await ops.succeeded(
        client,
        "processPackageRequest",
        {"requestId": request_id, "note": "Done."},
        token=world.token("tech1"),
    )
    await ops.succeeded(
        client,
        "completePackageRequest",
        {"requestId": request_id, "note": "Checked."},
        token=world.token("cluster1"),
    )
    async with connected(app, world.token("cluster1")) as socket:
        await listen(socket, REQUEST_EVENTS, {"after": cursor}, feed=feed)
        replayed = [(await next_data(socket))["packageRequestEvents"] for _ in range(2)]
        assert [e["action"] for e in replayed] == ["PROCESS", "COMPLETE"]
        live = await create_request(client, world, consumer_index=1)
        event = (await next_data(socket))["packageRequestEvents"]
        assert (event["action"], event["request"]["id"]) == ("CREATE", live)
        await nothing_more(socket)
        cursors = [e["cursor"] for e in replayed] + [event["cursor"]]
        assert len(set(cursors)) == 3 and cursor not in cursors


async def _write_events(
    db: async_sessionmaker[AsyncSession], world: World, request_id: int, count: int
) -> None:
    """``count`` outbox events about one request, in one transaction."""
    async with write_session(db) as session:
        for _ in range(count):
            await record_event(
                session,
                topic=EventTopic.PACKAGE_REQUEST,
                subject_type=SUBJECT,
                subject_id=request_id,
                plant_id=world.plants[0].id,
                actor_id=world.users["admin"].id,
                payload={"action": RequestAction.CREATE.value},
            )


async def test_a_long_replay_meets_the_live_stream_without_gap_or_duplicate(
    app: Starlette,
    client: GraphQLClient,
    world: World,
    feed: EventFeed,
    db: async_sessionmaker[AsyncSession],
) -> None:
    async with connected(app, world.token("cluster1")) as socket:
        await listen(socket, REQUEST_EVENTS, feed=feed)
        request_id = ops.decode(await create_request(client, world))
        start = (await next_data(socket))["packageRequestEvents"]["cursor"]
    await _write_events(db, world, request_id, 450)  # more than two replay pages

    received: list[str] = []
    async with connected(app, world.token("cluster1")) as socket:
        await listen(socket, REQUEST_EVENTS, {"after": start}, feed=feed)
        # Events keep coming while the backlog is replayed.
        writer = asyncio.create_task(_write_events(db, world, request_id, 30))
        while len(received) < 480:
            received.append((await next_data(socket))["packageRequestEvents"]["cursor"])
        await writer
        await nothing_more(socket)
    assert len(set(received)) == 480


async def test_a_subscriber_that_falls_behind_is_ended_with_a_clear_error(
    settings: Any, client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    from server.app import create_app

    small = create_app(settings.model_copy(update={"subscriber_queue_size": 3}))
    request_id = ops.decode(await create_request(client, world))
    async with (
        small.router.lifespan_context(small),
        connected(small, world.token("cluster1")) as socket,
    ):
        await listen(socket, REQUEST_EVENTS, feed=small.state.runtime.feed)
        await _write_events(db, world, request_id, 10)  # one batch: more than the queue holds
        codes: list[str] = []
        while True:
            message = await socket.receive()
            if message["type"] == "complete":
                break
            for error in message["payload"].get("errors", []):
                codes.append(error["extensions"]["code"])
        assert codes == ["SUBSCRIBER_TOO_SLOW"]


async def test_a_malformed_cursor_is_a_clear_error(
    app: Starlette, world: World, feed: EventFeed
) -> None:
    forged = [
        "not-a-cursor",
        base64.urlsafe_b64encode(b"ev:0:" + b"9" * 20).decode(),  # past 64 bits
        base64.urlsafe_b64encode(b"ev:-1:5").decode(),
        base64.urlsafe_b64encode(b"ev:1:+5").decode(),
    ]
    async with connected(app, world.token("cluster1")) as socket:
        for number, cursor in enumerate(forged):
            await socket.subscribe(str(number), REQUEST_EVENTS, {"after": cursor})
            message = await socket.receive()
            while message["type"] == "complete":  # the previous subscription's end
                message = await socket.receive()
            assert message["id"] == str(number)
            payload = message["payload"]
            errors = payload if message["type"] == "error" else payload["errors"]
            assert errors[0]["extensions"]["code"] == "VALIDATION", cursor
            assert "cursor" in errors[0]["message"]


async def test_roles_that_may_not_read_requests_are_refused(
    app: Starlette, world: World, feed: EventFeed
) -> None:
    async with connected(app, world.token("operator1")) as socket:
        for number, query in enumerate((REQUEST_EVENTS, MY_ASSIGNMENTS)):
            await socket.subscribe(str(number), query)
            message = await socket.receive()
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_deactivated_subscriber_hears_nothing_more(
    app: Starlette,
    client: GraphQLClient,
    world: World,
    feed: EventFeed,
    db: async_sessionmaker[AsyncSession],
) -> None:
    async with connected(app, world.token("cluster1")) as socket:
        await listen(socket, REQUEST_EVENTS, feed=feed)
        async with db() as session:
            user = await session.get(User, world.users["cluster1"].id)
            assert user is not None
            user.active = False
            await session.commit()
        await create_request(client, world)
        message = await socket.receive()
        assert message["type"] == "next"
        assert message["payload"]["data"] is None
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert (await socket.receive())["type"] == "complete"


async def test_subscriptions_per_connection_are_capped(
    app: Starlette, world: World, feed: EventFeed, settings: Any
) -> None:
    cap = settings.max_subscriptions_per_connection
    async with connected(app, world.token("cluster1")) as socket:
        for number in range(cap):
            await socket.subscribe(str(number), REQUEST_EVENTS)
        await socket.subscribe("one-too-many", REQUEST_EVENTS)
        message = await socket.receive()
        assert message["type"] == "error" and message["id"] == "one-too-many"
        assert "limit" in message["payload"][0]["message"].lower()
        assert message["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


async def test_the_server_pings_quiet_connections(settings: Any, world: World) -> None:
    from server.app import create_app

    pinging = create_app(settings.model_copy(update={"websocket_ping_seconds": 0.05}))
    async with (
        pinging.router.lifespan_context(pinging),
        connected(pinging, world.token("cluster1")) as socket,
    ):
        await nothing_more(socket, wait=0.3)  # receive() answers the pings
        assert socket.pings >= 2


async def _notices(client: GraphQLClient, world: World, user: str) -> list[tuple[str, str]]:
    body = await client.document("Notifications.graphql", {}, token=world.token(user))
    assert not body.get("errors"), body
    edges = body["data"]["notifications"]["edges"]
    return [(edge["node"]["kind"], edge["node"]["request"]["id"]) for edge in edges]


async def test_a_job_rejected_or_taken_away_tells_its_technician(
    app: Starlette,
    client: GraphQLClient,
    world: World,
    feed: EventFeed,
    db: async_sessionmaker[AsyncSession],
) -> None:
    """#19: an in-charge rejecting an IN_PROCESS request told only the requester; the
    technician on the job heard nothing and might travel for nothing."""
    async with technicians_listening(app, world, feed, db) as (tech1, tech1b, tech4):
        rejected_id = await create_request(client, world, consumer_index=0)
        await assign(client, world, rejected_id, "tech1")
        assert (await next_data(tech1))["myAssignments"]["kind"] == "ASSIGNED"
        await ops.succeeded(
            client,
            "rejectPackageRequest",
            {"requestId": rejected_id, "reason": "The consumer moved away."},
            token=world.token("cluster1"),
        )
        rejected = (await next_data(tech1))["myAssignments"]
        assert (rejected["kind"], rejected["request"]["id"]) == ("REJECTED", rejected_id)
        assert rejected["request"]["stage"] == "REJECTED"

        # Reassigned away: the first technician hears UNASSIGNED, the second REASSIGNED;
        # the second rejecting it themselves is told on their other devices too.
        moved_id = await create_request(client, world, consumer_index=1)
        await assign(client, world, moved_id, "tech1")
        assert (await next_data(tech1))["myAssignments"]["kind"] == "ASSIGNED"
        await reassign(client, world, moved_id, "tech1b")
        assert (await next_data(tech1))["myAssignments"]["kind"] == "UNASSIGNED"
        assert (await next_data(tech1b))["myAssignments"]["kind"] == "REASSIGNED"
        await ops.succeeded(
            client,
            "rejectPackageRequest",
            {"requestId": moved_id, "reason": "The meter is missing."},
            token=world.token("tech1b"),
        )
        assert (await next_data(tech1b))["myAssignments"]["kind"] == "REJECTED"
        for socket in (tech1, tech1b, tech4):
            await nothing_more(socket)

    assert await _notices(client, world, "tech1") == [
        ("REQUEST_UNASSIGNED", moved_id),
        ("REQUEST_ASSIGNED", moved_id),
        ("REQUEST_REJECTED", rejected_id),
        ("REQUEST_ASSIGNED", rejected_id),
    ]
    # Nobody is told of what they did themselves.
    assert await _notices(client, world, "tech1b") == [("REQUEST_ASSIGNED", moved_id)]
    assert await _notices(client, world, "csa1") == [
        ("REQUEST_REJECTED", moved_id),
        ("REQUEST_REJECTED", rejected_id),
    ]
    assert await _notices(client, world, "tech4") == []


def test_closing_a_request_means_the_job_is_off_for_its_assignee_only() -> None:
    def event(action: RequestAction, assignee: int | None) -> OutboxEvent:
        payload = {"action": action.value, "assigneeId": assignee, "previousAssigneeId": assignee}
        return OutboxEvent(
            topic=EventTopic.PACKAGE_REQUEST.value,
            subject_type=SUBJECT,
            subject_id=1,
            payload=payload,
        )

    assert assignment_kind(event(RequestAction.REJECT, 7), 7) is AssignmentKind.REJECTED
    assert assignment_kind(event(RequestAction.CANCEL, 7), 7) is AssignmentKind.CANCELLED
    assert assignment_kind(event(RequestAction.REJECT, 7), 8) is None
    # A REQUESTED request has no assignee: rejecting or cancelling it concerns no agent.
    assert assignment_kind(event(RequestAction.REJECT, None), 7) is None
    assert assignment_kind(event(RequestAction.CANCEL, None), 7) is None
