"""The tabs: filters, order, delta sync, badges, and the cost of a page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Consumer, ConsumerStatus, PackageRequest, RequestStage, ServiceType
from models.base import utcnow
from schema.relay import encode_id
from tests.conftest import QUERIES_DIR, GraphQLClient
from tests.factories import World

LIST = """
query($filter: PackageRequestFilter, $order: PackageRequestOrder, $first: Int) {
  packageRequests(filter: $filter, orderBy: $order, first: $first) {
    edges { node { id stage service } }
  }
}
"""
COUNTS = """
query($filter: PackageRequestFilter) {
  packageRequestCounts(filter: $filter) {
    requested inProcess review completed rejected cancelled
  }
}
"""


async def seed_requests(
    db: async_sessionmaker[AsyncSession], world: World, per_plant: int = 6
) -> list[PackageRequest]:
    """Requests in every stage at every plant, created an hour apart, oldest first."""
    start = utcnow() - timedelta(days=2)
    stages = list(RequestStage)
    made: list[PackageRequest] = []
    async with db() as session:
        n = 0
        for plant_index, plant in enumerate(world.plants):
            for i in range(per_plant):
                stage = stages[i % len(stages)]
                consumer = Consumer(
                    account_number=f"TAB-{plant_index}-{i:03d}",
                    name=f"Tab consumer {plant_index} {i}",
                    phone=f"+9160{plant_index}{i:07d}",
                    plant_id=plant.id or 0,
                    package_id=world.packages[0].id or 0,
                    status=ConsumerStatus.BANNED if i % 2 else ConsumerStatus.ACTIVE,
                    connected_at=start.date(),
                )
                session.add(consumer)
                await session.flush()
                at = start + timedelta(hours=n)
                n += 1
                closed = stage in (
                    RequestStage.COMPLETED,
                    RequestStage.REJECTED,
                    RequestStage.CANCELLED,
                )
                request = PackageRequest(
                    consumer_id=consumer.id or 0,
                    plant_id=plant.id or 0,
                    service=ServiceType.RECONNECTION if i % 2 else ServiceType.DISCONNECTION,
                    stage=stage,
                    current_package_id=world.packages[0].id or 0,
                    requested_by_id=world.users["csa1"].id or 0,
                    assignee_id=world.users["tech1"].id
                    if stage in (RequestStage.IN_PROCESS, RequestStage.REVIEW)
                    else None,
                    created_at=at,
                    updated_at=at,
                    closed_at=at if closed else None,
                )
                session.add(request)
                made.append(request)
        await session.commit()
    return made


def gid(request: PackageRequest) -> str:
    return encode_id("PackageRequest", request.id or 0)


async def ids(client: GraphQLClient, world: World, user: str, **variables: Any) -> list[str]:
    data = await client.data(LIST, {"first": 100, **variables}, token=world.token(user))
    return [e["node"]["id"] for e in data["packageRequests"]["edges"]]


async def test_filters_narrow_the_list(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    made = await seed_requests(db, world)
    plant1 = world.plants[0].id

    def expect(keep: Any) -> list[str]:
        return [gid(r) for r in sorted(made, key=lambda r: r.created_at, reverse=True) if keep(r)]

    assert await ids(client, world, "admin") == expect(lambda r: True)
    assert await ids(client, world, "admin", filter={"stages": ["REVIEW", "IN_PROCESS"]}) == expect(
        lambda r: r.stage in ("REVIEW", "IN_PROCESS")
    )
    assert await ids(
        client, world, "admin", filter={"plantIds": [encode_id("Plant", plant1 or 0)]}
    ) == expect(lambda r: r.plant_id == plant1)
    assert await ids(client, world, "admin", filter={"services": ["RECONNECTION"]}) == expect(
        lambda r: r.service == "RECONNECTION"
    )
    banned = await ids(client, world, "admin", filter={"consumerStatus": "BANNED"})
    assert banned == expect(lambda r: r.service == "RECONNECTION")  # odd ones are banned
    tech1_plants = {world.plants[0].id, world.plants[1].id}
    assert await ids(client, world, "tech1", filter={"assignedToMe": True}) == expect(
        lambda r: r.assignee_id == world.users["tech1"].id and r.plant_id in tech1_plants
    )
    oldest = await ids(client, world, "admin", order="OLDEST_FIRST")
    assert oldest == list(reversed(expect(lambda r: True)))
    # Scope still applies under every filter.
    assert await ids(client, world, "csa1", filter={"stages": ["REQUESTED"]}) == expect(
        lambda r: r.plant_id == plant1 and r.stage == "REQUESTED"
    )


async def test_updated_since_returns_only_what_changed(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    made = await seed_requests(db, world, per_plant=2)
    since = utcnow()
    assert await ids(client, world, "admin", filter={"updatedSince": since.isoformat()}) == []
    async with db() as session:
        await session.execute(
            sa.update(PackageRequest)
            .where(PackageRequest.id == made[0].id)  # type: ignore[arg-type]
            .values(updated_at=utcnow() + timedelta(seconds=1))
        )
        await session.commit()
    assert await ids(client, world, "admin", filter={"updatedSince": since.isoformat()}) == [
        gid(made[0])
    ]


async def test_badges_count_every_tab_in_one_statement(
    client: GraphQLClient,
    world: World,
    db: async_sessionmaker[AsyncSession],
    count_statements: Any,
) -> None:
    made = await seed_requests(db, world)
    with count_statements() as counter:
        data = await client.data(
            COUNTS, {"filter": {"stages": ["REVIEW"]}}, token=world.token("state1")
        )
    counts = data["packageRequestCounts"]
    in_state1 = [r for r in made if r.plant_id != world.plants[3].id]
    assert counts == {
        "requested": sum(r.stage == "REQUESTED" for r in in_state1),
        "inProcess": sum(r.stage == "IN_PROCESS" for r in in_state1),
        "review": sum(r.stage == "REVIEW" for r in in_state1),
        "completed": sum(r.stage == "COMPLETED" for r in in_state1),
        "rejected": sum(r.stage == "REJECTED" for r in in_state1),
        "cancelled": sum(r.stage == "CANCELLED" for r in in_state1),
    }
    assert counter.count == 2  # the actor with their scope, the counts


async def test_a_tab_of_50_costs_the_same_statements_as_a_tab_of_5(
    client: GraphQLClient,
    world: World,
    db: async_sessionmaker[AsyncSession],
    count_statements: Any,
) -> None:
    await seed_requests(db, world, per_plant=36)
    text = (QUERIES_DIR / "InProcessTab.graphql").read_text()
    counts = []
    for size in (2, 20):
        with count_statements() as counter:
            body = await client.request(text, {"first": size}, token=world.token("admin"))
        assert not body.get("errors")
        assert len(body["data"]["packageRequests"]["edges"]) == size
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
