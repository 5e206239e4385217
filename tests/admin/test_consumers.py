"""Administration of consumers: connecting them and correcting their details."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models import (
    Consumer,
    ConsumerHistoryEntry,
    ConsumerHistoryKind,
    ConsumerStatus,
    PackageRequest,
    RequestStage,
    ServiceType,
)
from tests.admin import MUTATIONS, gid, mutate_ok, refused, snapshot
from tests.conftest import GraphQLClient, error_codes
from tests.factories import World


@pytest.fixture
def admin(world: World) -> str:
    return world.token("admin")


def _new(world: World, **fields: Any) -> dict[str, Any]:
    return {
        "plantId": gid("Plant", world.plants[1].id),
        "packageId": gid("Package", world.packages[1].id),
        "accountNumber": "acc-new-1",
        "name": "  Lakshmi   Stores ",
        "phone": "+91 98450 12345",
        "connectedAt": "2025-02-03",
        **fields,
    }


async def test_create_consumer_connects_it_and_records_the_connection(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    consumer = await mutate_ok(client, "createConsumer", _new(world), token=admin)
    assert consumer["accountNumber"] == "ACC-NEW-1"
    assert consumer["name"] == "Lakshmi Stores"
    assert consumer["phone"] == "+919845012345"
    assert consumer["status"] == "ACTIVE"
    assert consumer["connectedAt"] == "2025-02-03"
    assert consumer["plant"]["id"] == gid("Plant", world.plants[1].id)
    assert consumer["package"]["id"] == gid("Package", world.packages[1].id)
    async with db() as session:
        stored = (
            await session.execute(
                sa.select(Consumer).where(col(Consumer.account_number) == "ACC-NEW-1")
            )
        ).scalar_one()
        history = (
            (
                await session.execute(
                    sa.select(ConsumerHistoryEntry).where(
                        col(ConsumerHistoryEntry.consumer_id) == stored.id
                    )
                )
            )
            .scalars()
            .all()
        )
    assert consumer["id"] == gid("Consumer", stored.id)
    assert (stored.plant_id, stored.package_id) == (world.plants[1].id, world.packages[1].id)
    assert stored.connected_at == date(2025, 2, 3)
    [entry] = history
    assert entry.kind is ConsumerHistoryKind.STATUS
    assert (entry.from_status, entry.to_status) == (None, ConsumerStatus.ACTIVE)
    assert entry.actor_id == world.users["admin"].id
    assert abs(entry.changed_at - datetime.now(entry.changed_at.tzinfo)) < timedelta(minutes=1)


async def test_connected_at_defaults_to_today(
    client: GraphQLClient, world: World, admin: str
) -> None:
    input = _new(world)
    del input["connectedAt"]
    consumer = await mutate_ok(client, "createConsumer", input, token=admin)
    today = datetime.now(world.settings.zone).date()
    assert consumer["connectedAt"] == today.isoformat()


async def test_update_consumer_details_and_plant(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.plant_consumers(0)[0]
    consumer = await mutate_ok(
        client,
        "updateConsumer",
        {
            "id": gid("Consumer", target.id),
            "name": "Ravi Kumar",
            "phone": "+919811122233",
            "accountNumber": "acc-renamed",
            "plantId": gid("Plant", world.plants[3].id),
        },
        token=admin,
    )
    assert consumer["plant"]["id"] == gid("Plant", world.plants[3].id)
    async with db() as session:
        stored = await session.get(Consumer, target.id)
    assert stored is not None
    assert (stored.name, stored.phone, stored.account_number, stored.plant_id) == (
        "Ravi Kumar",
        "+919811122233",
        "ACC-RENAMED",
        world.plants[3].id,
    )
    # Status, package and connection day are not touched here.
    assert (stored.status, stored.package_id, stored.connected_at) == (
        target.status,
        target.package_id,
        target.connected_at,
    )
    assert stored.updated_at > target.updated_at


async def test_update_consumer_changes_only_given_fields(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.plant_consumers(0)[1]
    await mutate_ok(
        client, "updateConsumer", {"id": gid("Consumer", target.id), "name": "Only"}, token=admin
    )
    async with db() as session:
        stored = await session.get(Consumer, target.id)
    assert stored is not None
    assert (stored.name, stored.phone, stored.account_number, stored.plant_id) == (
        "Only",
        target.phone,
        target.account_number,
        target.plant_id,
    )


async def test_status_and_package_are_not_editable(
    client: GraphQLClient, world: World, admin: str
) -> None:
    target = world.plant_consumers(0)[0]
    for extra in ({"status": "BANNED"}, {"packageId": gid("Package", world.packages[2].id)}):
        body = await client.request(
            MUTATIONS["updateConsumer"],
            {"input": {"id": gid("Consumer", target.id), **extra}},
            token=admin,
        )
        assert body.get("errors"), extra  # not a field of the input: GraphQL refuses it


async def test_moving_a_consumer_with_an_open_request_is_a_conflict(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.plant_consumers(0)[0]
    requester = world.users["csa1"]
    assert target.id is not None
    assert requester.id is not None
    async with db() as session:
        session.add(
            PackageRequest(
                consumer_id=target.id,
                plant_id=target.plant_id,
                service=ServiceType.UPGRADE,
                stage=RequestStage.IN_PROCESS,
                current_package_id=target.package_id,
                requested_package_id=world.packages[1].id,
                requested_by_id=requester.id,
            )
        )
        await session.commit()
    before = await snapshot(db)
    error = await refused(
        client,
        "updateConsumer",
        {"id": gid("Consumer", target.id), "plantId": gid("Plant", world.plants[2].id)},
        token=admin,
    )
    assert (error["code"], error["field"]) == ("CONFLICT", ["input", "plantId"])
    assert await snapshot(db) == before
    # Naming the plant it is already at is no move, and other details still change.
    await mutate_ok(
        client,
        "updateConsumer",
        {"id": gid("Consumer", target.id), "plantId": gid("Plant", target.plant_id), "name": "X"},
        token=admin,
    )


def _bad_inputs(world: World) -> list[tuple[str, dict[str, Any], str, list[str]]]:
    target = gid("Consumer", world.plant_consumers(0)[0].id)
    taken = world.plant_consumers(1)[0].account_number
    tomorrow = (datetime.now(world.settings.zone).date() + timedelta(days=1)).isoformat()
    inactive = gid("Package", world.packages[3].id)
    return [
        ("createConsumer", _new(world, phone="9845012345"), "VALIDATION", ["input", "phone"]),
        ("createConsumer", _new(world, phone="+0845012345"), "VALIDATION", ["input", "phone"]),
        (
            "createConsumer",
            _new(world, phone="+91984501234567890"),
            "VALIDATION",
            ["input", "phone"],
        ),
        ("createConsumer", _new(world, phone="+91-98x"), "VALIDATION", ["input", "phone"]),
        ("createConsumer", _new(world, name=" "), "VALIDATION", ["input", "name"]),
        ("createConsumer", _new(world, accountNumber=""), "VALIDATION", ["input", "accountNumber"]),
        (
            "createConsumer",
            _new(world, accountNumber="A" * 33),
            "VALIDATION",
            ["input", "accountNumber"],
        ),
        (
            "createConsumer",
            _new(world, accountNumber=taken),
            "DUPLICATE",
            ["input", "accountNumber"],
        ),
        (
            "createConsumer",
            _new(world, accountNumber=taken.lower()),
            "DUPLICATE",
            ["input", "accountNumber"],
        ),
        (
            "createConsumer",
            _new(world, connectedAt=tomorrow),
            "VALIDATION",
            ["input", "connectedAt"],
        ),
        ("createConsumer", _new(world, packageId=inactive), "VALIDATION", ["input", "packageId"]),
        (
            "createConsumer",
            _new(world, packageId=gid("Package", 999999)),
            "NOT_FOUND",
            ["input", "packageId"],
        ),
        (
            "createConsumer",
            _new(world, packageId=gid("Plant", world.plants[0].id)),
            "VALIDATION",
            ["input", "packageId"],
        ),
        (
            "createConsumer",
            _new(world, plantId=gid("Plant", 999999)),
            "NOT_FOUND",
            ["input", "plantId"],
        ),
        ("createConsumer", _new(world, plantId="Plant:1"), "VALIDATION", ["input", "plantId"]),
        ("updateConsumer", {"id": gid("Consumer", 999999)}, "NOT_FOUND", ["input", "id"]),
        ("updateConsumer", {"id": gid("User", 1)}, "VALIDATION", ["input", "id"]),
        ("updateConsumer", {"id": target, "phone": "12345"}, "VALIDATION", ["input", "phone"]),
        ("updateConsumer", {"id": target, "phone": None}, "VALIDATION", ["input", "phone"]),
        ("updateConsumer", {"id": target, "name": ""}, "VALIDATION", ["input", "name"]),
        (
            "updateConsumer",
            {"id": target, "accountNumber": taken},
            "DUPLICATE",
            ["input", "accountNumber"],
        ),
        (
            "updateConsumer",
            {"id": target, "plantId": gid("Plant", 999999)},
            "NOT_FOUND",
            ["input", "plantId"],
        ),
    ]


async def test_bad_input_is_refused_with_the_field_and_nothing_changes(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    before = await snapshot(db)
    for name, input, code, field in _bad_inputs(world):
        error = await refused(client, name, input, token=admin)
        assert (error["code"], error["field"]) == (code, field), (name, input, error)
    assert await snapshot(db) == before


async def test_a_malformed_date_is_a_graphql_error(
    client: GraphQLClient, world: World, admin: str
) -> None:
    body = await client.request(
        MUTATIONS["createConsumer"],
        {"input": _new(world, connectedAt="03/02/2025")},
        token=admin,
    )
    assert body.get("errors")
    assert "INTERNAL_SERVER_ERROR" not in error_codes(body)
