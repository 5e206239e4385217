"""Enrolling a new customer (#19): enrollInScheme with the customer's details connects
them and enrols them in one transaction; CSAs and cluster in-charges inside their plants."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.consumers import Consumer, ConsumerHistoryEntry, ConsumerStatus
from schema.relay import decode_id, encode_id
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.schemes.factories import SchemeWorld, snapshot

NEW = ["input", "newCustomer"]


def _customer(world: World, plant: int = 0, package: int = 1, **fields: Any) -> dict[str, Any]:
    return {
        "name": "Asha Devi",
        "phone": "+91 98450-12345",
        "plantId": encode_id("Plant", world.plants[plant].id or 0),
        "packageId": encode_id("Package", world.packages[package].id or 0),
        **fields,
    }


async def _enrol_new(
    client: GraphQLClient,
    world: World,
    schemes: SchemeWorld,
    user: str,
    scheme: str = "fan",
    **variables: Any,
) -> dict[str, Any]:
    body = await client.document(
        "EnrollNewCustomer.graphql",
        {**_customer(world), "schemeId": schemes.scheme(scheme), **variables},
        token=world.token(user),
    )
    assert not body.get("errors"), body
    payload: dict[str, Any] = body["data"]["enrollInScheme"]
    return payload


def _refusal(payload: dict[str, Any]) -> tuple[str, list[str] | None]:
    assert payload["enrollment"] is None, payload
    (error,) = payload["errors"]
    return error["code"], error["field"]


async def _state(db: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """The scheme tables and every consumer and history row: a refusal changes none."""
    rows: dict[str, Any] = dict(await snapshot(db))
    async with db() as session:
        for table in ("consumers", "consumer_history"):
            result = await session.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608
            rows[table] = sorted((tuple(row) for row in result), key=repr)
    return rows


async def test_a_csa_connects_and_enrols_a_new_customer_in_one_step(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    payload = await _enrol_new(client, world, schemes, "csa1", idempotencyKey="new-1")
    assert payload["errors"] == []
    enrollment = payload["enrollment"]
    consumer = enrollment["consumer"]
    assert (consumer["name"], consumer["phone"], consumer["status"]) == (
        "Asha Devi",
        "+919845012345",  # normalised as everywhere
        "ACTIVE",
    )
    assert consumer["plant"]["id"] == encode_id("Plant", world.plants[0].id or 0)
    assert consumer["package"]["id"] == encode_id("Package", world.packages[1].id or 0)
    assert consumer["accountNumber"].startswith(f"{world.plants[0].code}-")
    assert enrollment["amountPaid"]["amount"] == "200.00"
    assert len(enrollment["installments"]) == 10
    consumer_id = decode_id(consumer["id"], "Consumer", [])
    async with db() as session:
        row = await session.get(Consumer, consumer_id)
        assert row is not None and row.status is ConsumerStatus.ACTIVE
        history = (
            (
                await session.execute(
                    sa.select(ConsumerHistoryEntry).where(
                        col(ConsumerHistoryEntry.consumer_id) == consumer_id
                    )
                )
            )
            .scalars()
            .all()
        )
    assert [(h.to_status, h.actor_id) for h in history] == [
        (ConsumerStatus.ACTIVE, world.users["csa1"].id)
    ]
    # Retried with its key: the same enrolment and customer, nothing created twice.
    before = await _state(db)
    again = await _enrol_new(client, world, schemes, "csa1", idempotencyKey="new-1")
    assert again["enrollment"]["id"] == enrollment["id"]
    assert again["enrollment"]["consumer"]["id"] == consumer["id"]
    assert await _state(db) == before
    # The new consumer is an ordinary one: it can be enrolled again by id, and the guard
    # against duplicates knows its enrolment.
    body = await client.document(
        "EnrollInScheme.graphql",
        {"consumerId": consumer["id"], "schemeId": schemes.scheme("fan")},
        token=world.token("csa1"),
    )
    assert [e["code"] for e in body["data"]["enrollInScheme"]["errors"]] == ["DUPLICATE"]


async def test_who_may_enrol_a_new_customer_and_where(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    # Inside their plants: CSA (plant1), cluster in-charge (plant2 of their cluster), admin.
    for user, plant in (("csa1", 0), ("cluster1", 1), ("admin", 3)):
        payload = await _enrol_new(client, world, schemes, user, **_customer(world, plant))
        assert payload["errors"] == [], (user, payload)
    before = await _state(db)
    # Outside their plants: as if the plant did not exist.
    for user, plant in (("csa1", 1), ("csa3", 0), ("cluster1", 2), ("cluster2", 3)):
        payload = await _enrol_new(client, world, schemes, user, **_customer(world, plant))
        assert _refusal(payload) == ("NOT_FOUND", [*NEW, "plantId"]), user
    # Roles that may not enrol, before the input is read.
    for user in ("state1", "tech1", "operator1"):
        payload = await _enrol_new(client, world, schemes, user, **_customer(world, 0))
        assert _refusal(payload) == ("FORBIDDEN", None), user
    assert await _state(db) == before


async def test_bad_details_are_refused_and_leave_no_customer_behind(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    before = await _state(db)
    cases: list[tuple[dict[str, Any], str, tuple[str, list[str]]]] = [
        ({"phone": "98450 12345"}, "fan", ("VALIDATION", [*NEW, "phone"])),
        ({"phone": "+91 abc"}, "fan", ("VALIDATION", [*NEW, "phone"])),
        ({"name": "   "}, "fan", ("VALIDATION", [*NEW, "name"])),
        (
            {"packageId": encode_id("Package", world.packages[3].id or 0)},
            "fan",
            ("VALIDATION", [*NEW, "packageId"]),
        ),
        ({"packageId": encode_id("Package", 999999)}, "fan", ("NOT_FOUND", [*NEW, "packageId"])),
        (
            {"plantId": encode_id("Package", world.packages[0].id or 0)},
            "fan",
            ("VALIDATION", [*NEW, "plantId"]),
        ),
        # The consumer would be created, then the enrolment refused: both roll back.
        ({}, "state2only", ("VALIDATION", ["input", "schemeId"])),
        ({}, "expired", ("VALIDATION", ["input", "schemeId"])),
    ]
    for fields, scheme, refusal in cases:
        payload = await _enrol_new(client, world, schemes, "cluster1", scheme, **fields)
        assert _refusal(payload) == refusal, fields
    assert await _state(db) == before


async def test_exactly_one_of_consumer_and_new_customer(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    mutation = """mutation($input: EnrollInSchemeInput!) {
      enrollInScheme(input: $input) { enrollment { id } errors { code field } }
    }"""
    before = await _state(db)
    for extra in (
        {},
        {"consumerId": schemes.consumer(0), "newCustomer": _customer(world)},
    ):
        body = await client.request(
            mutation,
            {"input": {"schemeId": schemes.scheme("fan"), **extra}},
            token=world.token("csa1"),
        )
        assert body["data"]["enrollInScheme"]["errors"] == [
            {"code": "VALIDATION", "field": ["input", "consumerId"]}
        ]
    assert await _state(db) == before


async def test_retries_of_a_new_customer_at_once_connect_them_once(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session:
        counted = sa.select(sa.func.count()).select_from(Consumer)
        consumers_before = (await session.execute(counted)).scalar_one()
    results = await asyncio.gather(
        *(_enrol_new(client, world, schemes, "csa1", idempotencyKey="flaky-new") for _ in range(4))
    )
    assert all(r["errors"] == [] for r in results), results
    assert len({r["enrollment"]["id"] for r in results}) == 1
    assert len({r["enrollment"]["consumer"]["id"] for r in results}) == 1
    async with db() as session:
        assert (await session.execute(counted)).scalar_one() == consumers_before + 1
