"""The whole life of requests through GraphQL, by the roles that do each step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models import Consumer, ConsumerHistoryEntry, OutboxEvent
from models.base import utcnow
from schema.relay import encode_id
from tests.conftest import GraphQLClient
from tests.factories import World

DETAILS = """
query($id: ID!) {
  node(id: $id) {
    ... on PackageRequest {
      stage version closedAt
      consumer { status package { loadWatts } }
      assignee { id }
      history { action fromStage toStage note actor { id } assignee { id } }
    }
  }
}
"""
NOTIFICATIONS = """
{
  unreadNotificationCount
  notifications(first: 50) { edges { node { id kind title request { id } } } }
}
"""


class Staff:
    """Acts through the app's documents as one member of staff."""

    def __init__(self, client: GraphQLClient, world: World, name: str) -> None:
        self.client, self.world, self.name = client, world, name
        self.id = encode_id("User", world.users[name].id or 0)

    async def run(self, document: str, **variables: Any) -> dict[str, Any]:
        body = await self.client.document(document, variables, token=self.world.token(self.name))
        assert not body.get("errors"), body
        payload: dict[str, Any] = next(iter(body["data"].values()))
        assert payload["errors"] == [], payload
        return payload

    async def notifications(self) -> list[dict[str, Any]]:
        data = await self.client.data(NOTIFICATIONS, token=self.world.token(self.name))
        return [edge["node"] for edge in data["notifications"]["edges"]]

    async def details(self, request_id: str) -> dict[str, Any]:
        data = await self.client.data(
            DETAILS, {"id": request_id}, token=self.world.token(self.name)
        )
        node: dict[str, Any] = data["node"]
        return node


async def test_upgrade_with_a_send_back_and_a_second_process(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    csa, cluster, tech, state = (
        Staff(client, world, n) for n in ("csa1", "cluster1", "tech1", "state1")
    )
    outsider = Staff(client, world, "cluster2")
    consumer = world.plant_consumers(0)[0]
    consumer_id = encode_id("Consumer", consumer.id or 0)

    created = await csa.run(
        "CreatePackageRequest.graphql",
        consumerId=consumer_id,
        service="UPGRADE",
        requestedPackageId=encode_id("Package", world.packages[1].id or 0),
        note="Wants to run a fridge",
    )
    request_id = created["request"]["id"]
    assert created["request"]["stage"] == "REQUESTED" and created["request"]["version"] == 1
    assert created["request"]["number"].startswith("PR-")

    step = await cluster.run(
        "AssignPackageRequest.graphql", requestId=request_id, assigneeId=tech.id, expectedVersion=1
    )
    assert step["request"]["stage"] == "IN_PROCESS" and step["request"]["assignee"]["id"] == tech.id
    assert [n["kind"] for n in await tech.notifications()] == ["REQUEST_ASSIGNED"]

    await tech.run("ProcessPackageRequest.graphql", requestId=request_id, expectedVersion=2)
    assert [n["kind"] for n in await cluster.notifications()] == ["REQUEST_PROCESSED"]
    assert await outsider.notifications() == []  # another cluster's in-charge hears nothing

    back = await cluster.run(
        "SendBackPackageRequest.graphql", requestId=request_id, reason="No photo of the meter"
    )
    assert back["request"]["stage"] == "IN_PROCESS" and back["request"]["version"] == 4
    kinds = [n["kind"] for n in await tech.notifications()]
    assert kinds == ["REQUEST_SENT_BACK", "REQUEST_ASSIGNED"]

    await tech.run("ProcessPackageRequest.graphql", requestId=request_id, note="Photo attached")
    done = await state.run(
        "CompletePackageRequest.graphql", requestId=request_id, expectedVersion=5
    )
    assert done["request"]["stage"] == "COMPLETED"
    assert done["request"]["consumer"]["package"]["name"] == world.packages[1].name
    assert [n["kind"] for n in await csa.notifications()] == ["REQUEST_COMPLETED"]

    details = await cluster.details(request_id)
    assert details["version"] == 6 and details["closedAt"] is not None
    history = details["history"]
    assert [(h["action"], h["fromStage"], h["toStage"]) for h in history] == [
        ("CREATE", None, "REQUESTED"),
        ("ASSIGN", "REQUESTED", "IN_PROCESS"),
        ("PROCESS", "IN_PROCESS", "REVIEW"),
        ("SEND_BACK", "REVIEW", "IN_PROCESS"),
        ("PROCESS", "IN_PROCESS", "REVIEW"),
        ("COMPLETE", "REVIEW", "COMPLETED"),
    ]
    assert [h["actor"]["id"] for h in history] == [
        csa.id,
        cluster.id,
        tech.id,
        cluster.id,
        tech.id,
        state.id,
    ]
    assert history[3]["note"] == "No photo of the meter"
    assert all(h["assignee"]["id"] == tech.id for h in history[1:])

    async with db() as session:
        entries = (
            (
                await session.execute(
                    sa.select(ConsumerHistoryEntry).where(
                        col(ConsumerHistoryEntry.consumer_id) == consumer.id,
                        col(ConsumerHistoryEntry.kind) == "PACKAGE",
                    )
                )
            )
            .scalars()
            .all()
        )
        events = (
            (
                await session.execute(
                    sa.select(OutboxEvent)
                    .where(col(OutboxEvent.subject_type) == "PackageRequest")
                    .order_by(col(OutboxEvent.id))
                )
            )
            .scalars()
            .all()
        )
    assert [(e.from_package_id, e.to_package_id) for e in entries] == [
        (world.packages[0].id, world.packages[1].id)
    ]
    assert [e.payload["action"] for e in events] == [
        "CREATE",
        "ASSIGN",
        "PROCESS",
        "SEND_BACK",
        "PROCESS",
        "COMPLETE",
    ]
    assert {e.plant_id for e in events} == {world.plants[0].id}

    marked = await tech.run("MarkNotificationsRead.graphql", all=True)
    assert marked["marked"] == 2 and marked["unread"] == 0


async def test_disconnection_then_reconnection(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    csa, cluster, tech = (Staff(client, world, n) for n in ("csa1", "cluster1", "tech1"))
    consumer = world.plant_consumers(0)[1]
    consumer_id = encode_id("Consumer", consumer.id or 0)

    for service, status_after in (("DISCONNECTION", "BANNED"), ("RECONNECTION", "ACTIVE")):
        request_id = (
            await csa.run("CreatePackageRequest.graphql", consumerId=consumer_id, service=service)
        )["request"]["id"]
        await cluster.run("AssignPackageRequest.graphql", requestId=request_id, assigneeId=tech.id)
        await tech.run("ProcessPackageRequest.graphql", requestId=request_id)
        done = await cluster.run("CompletePackageRequest.graphql", requestId=request_id)
        assert done["request"]["consumer"]["status"] == status_after

    async with db() as session:
        statuses = (
            await session.execute(
                sa.select(
                    col(ConsumerHistoryEntry.from_status), col(ConsumerHistoryEntry.to_status)
                )
                .where(
                    col(ConsumerHistoryEntry.consumer_id) == consumer.id,
                    col(ConsumerHistoryEntry.request_id).is_not(None),
                )
                .order_by(col(ConsumerHistoryEntry.id))
            )
        ).all()
        final = await session.get(Consumer, consumer.id)
    assert [(a, b) for a, b in statuses] == [("ACTIVE", "BANNED"), ("BANNED", "ACTIVE")]
    assert final is not None and final.status == "ACTIVE"


async def test_reassign_tells_both_technicians_and_reject_tells_the_requester(
    client: GraphQLClient, world: World
) -> None:
    csa, cluster, tech = (Staff(client, world, n) for n in ("csa1", "cluster1", "tech1"))
    admin = Staff(client, world, "admin")
    created = await client.data(
        """mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }""",
        {
            "input": {
                "name": "Second Technician",
                "phone": "+919876500002",
                "role": "TECHNICIAN",
                "password": "a long enough password",
                "plantIds": [encode_id("Plant", world.plants[0].id or 0)],
            }
        },
        token=world.token(admin.name),
    )
    second_id = created["createUser"]["user"]["id"]
    request_id = (
        await csa.run(
            "CreatePackageRequest.graphql",
            consumerId=encode_id("Consumer", world.plant_consumers(0)[2].id or 0),
            service="DISCONNECTION",
        )
    )["request"]["id"]
    await cluster.run("AssignPackageRequest.graphql", requestId=request_id, assigneeId=tech.id)
    details = await cluster.details(request_id)
    assert details["assignee"]["id"] == tech.id

    moved = await cluster.run(
        "ReassignPackageRequest.graphql", requestId=request_id, assigneeId=second_id
    )
    assert moved["request"]["assignee"]["id"] == second_id
    assert [n["kind"] for n in await tech.notifications()] == [
        "REQUEST_UNASSIGNED",
        "REQUEST_ASSIGNED",
    ]
    # The first technician no longer may act on it.
    body = await client.document(
        "RejectPackageRequest.graphql",
        {"requestId": request_id, "reason": "not mine any more"},
        token=world.token("tech1"),
    )
    assert [e["code"] for e in body["data"]["rejectPackageRequest"]["errors"]] == ["FORBIDDEN"]

    await cluster.run("RejectPackageRequest.graphql", requestId=request_id, reason="Dues unpaid")
    notices = await csa.notifications()
    assert [n["kind"] for n in notices] == ["REQUEST_REJECTED"]
    assert notices[0]["request"]["id"] == request_id


async def test_completed_tab_reads_the_company_calendar(
    client: GraphQLClient, world: World
) -> None:
    csa, cluster = Staff(client, world, "csa1"), Staff(client, world, "cluster1")
    request_id = (
        await csa.run(
            "CreatePackageRequest.graphql",
            consumerId=encode_id("Consumer", world.plant_consumers(0)[0].id or 0),
            service="DISCONNECTION",
        )
    )["request"]["id"]
    await cluster.run(
        "CancelPackageRequest.graphql", requestId=request_id, reason="Duplicate visit"
    )
    today = (utcnow().astimezone(world.settings.zone)).date()

    async def closed_on(first: Any, last: Any) -> list[str]:
        body = await client.document(
            "CompletedTab.graphql",
            {"closedIn": {"from": str(first), "to": str(last)}},
            token=world.token("cluster1"),
        )
        return [e["node"]["id"] for e in body["data"]["packageRequests"]["edges"]]

    assert await closed_on(today, today) == [request_id]
    assert await closed_on(today - timedelta(days=7), today - timedelta(days=1)) == []
