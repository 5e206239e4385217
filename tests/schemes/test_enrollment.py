"""enrollInScheme: the happy path, the refusals (nothing changes), idempotency."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.consumers import Consumer, ConsumerStatus
from models.events import EventTopic, OutboxEvent
from models.inventory import MovementKind, StockLevel, StockMovement
from models.schemes.codes import generate_code, is_valid
from models.schemes.tables import PaymentKind, SchemeEnrollment, SchemeInstallment, SchemePayment
from resolvers.schemes import enrollment as enrollment_resolvers
from schema.relay import decode_id
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.schemes.api import codes, enroll
from tests.schemes.factories import SchemeWorld, snapshot


async def _on_hand(db: async_sessionmaker[AsyncSession], schemes: SchemeWorld, wh: str) -> int:
    async with db() as session:
        level = await session.get(
            StockLevel, (schemes.product.id if schemes.product else 0, schemes.warehouses[wh].id)
        )
        return level.on_hand if level else 0


async def test_enrolment_issues_a_unit_records_down_payment_and_schedule(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    payload = await enroll(
        client, world, "csa1", consumerId=schemes.consumer(0), schemeId=schemes.scheme("fan")
    )
    assert payload["errors"] == []
    enrollment = payload["enrollment"]
    assert is_valid(enrollment["schemeCode"])
    assert enrollment["warehouse"]["id"] == schemes.warehouse("wh1")  # the most units
    assert enrollment["amountPaid"]["amount"] == "200.00"
    assert enrollment["outstanding"]["amount"] == "1000.00"
    assert enrollment["repaymentStatus"] == "ON_TRACK"
    assert len(enrollment["installments"]) == 10
    assert enrollment["installments"][0]["amount"]["amount"] == "100.00"
    assert await _on_hand(db, schemes, "wh1") == 9
    enrollment_id = decode_id(enrollment["id"], "SchemeEnrollment", [])
    async with db() as session:
        movement = (
            await session.execute(
                sa.select(StockMovement).where(col(StockMovement.enrollment_id) == enrollment_id)
            )
        ).scalar_one()
        assert movement.kind is MovementKind.ISSUE and movement.quantity == -1
        payment = (
            await session.execute(
                sa.select(SchemePayment).where(col(SchemePayment.enrollment_id) == enrollment_id)
            )
        ).scalar_one()
        assert payment.kind is PaymentKind.DOWN_PAYMENT and payment.amount_minor == 20_000
        assert payment.reference == f"DOWN-{enrollment['schemeCode']}"
        count = sa.select(sa.func.count()).where(
            col(SchemeInstallment.enrollment_id) == enrollment_id
        )
        assert (await session.execute(count)).scalar_one() == 10
        events = (
            await session.execute(
                sa.select(OutboxEvent).where(
                    col(OutboxEvent.topic) == EventTopic.SCHEME_ENROLLMENT.value,
                    col(OutboxEvent.subject_id) == enrollment_id,
                )
            )
        ).scalars()
        assert len(list(events)) == 1


async def test_a_given_warehouse_is_used(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    payload = await enroll(
        client,
        world,
        "csa1",
        consumerId=schemes.consumer(0),
        schemeId=schemes.scheme("fan"),
        warehouseId=schemes.warehouse("wh1b"),
    )
    assert payload["errors"] == []
    assert await _on_hand(db, schemes, "wh1b") == 1
    other_state = await enroll(
        client,
        world,
        "csa1",
        consumerId=schemes.consumer(0, 1),
        schemeId=schemes.scheme("fan"),
        warehouseId=schemes.warehouse("wh2"),
    )
    assert codes(other_state) == ["VALIDATION"]


async def test_out_of_stock_changes_nothing(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    for n in range(2):
        first = await enroll(
            client,
            world,
            "cluster1",
            consumerId=schemes.consumer(0, n),
            schemeId=schemes.scheme("fan"),
            warehouseId=schemes.warehouse("wh1b"),
        )
        assert first["errors"] == []
    before = await snapshot(db)
    payload = await enroll(
        client,
        world,
        "cluster1",
        consumerId=schemes.consumer(0, 2),
        schemeId=schemes.scheme("fan"),
        warehouseId=schemes.warehouse("wh1b"),
    )
    assert codes(payload) == ["OUT_OF_STOCK"]
    assert await snapshot(db) == before


async def test_no_stock_anywhere_in_the_state_is_out_of_stock(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session, session.begin():
        await session.execute(sa.update(StockLevel).values(on_hand=0))
    before = await snapshot(db)
    payload = await enroll(
        client, world, "csa1", consumerId=schemes.consumer(0), schemeId=schemes.scheme("fan")
    )
    assert codes(payload) == ["OUT_OF_STOCK"]
    assert await snapshot(db) == before


async def test_refusals_change_nothing(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    banned = world.plant_consumers(0)[2]
    async with db() as session, session.begin():
        await session.execute(
            sa.update(Consumer)
            .where(col(Consumer.id) == banned.id)
            .values(status=ConsumerStatus.BANNED)
        )
    before = await snapshot(db)
    cases = [
        ("csa1", schemes.consumer(0, 2), "fan", "VALIDATION"),  # banned
        ("csa1", schemes.consumer(0), "expired", "VALIDATION"),
        ("csa1", schemes.consumer(0), "inactive", "VALIDATION"),
        ("csa1", schemes.consumer(0), "state2only", "VALIDATION"),  # not offered in state1
        ("csa1", schemes.consumer(2), "fan", "NOT_FOUND"),  # plant3: not csa1's
        ("cluster1", schemes.consumer(3), "fan", "NOT_FOUND"),  # another state
    ]
    for user, consumer, scheme, code in cases:
        payload = await enroll(
            client, world, user, consumerId=consumer, schemeId=schemes.scheme(scheme)
        )
        assert codes(payload) == [code], (user, scheme, payload)
    assert await snapshot(db) == before


async def test_idempotency_key_replays_the_first_enrolment(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    variables = {
        "consumerId": schemes.consumer(0),
        "schemeId": schemes.scheme("fan"),
        "idempotencyKey": "retry-1",
    }
    first = await enroll(client, world, "csa1", **variables)
    again = await enroll(client, world, "csa1", **variables)
    assert first["errors"] == [] and again["errors"] == []
    assert again["enrollment"]["id"] == first["enrollment"]["id"]
    assert await _on_hand(db, schemes, "wh1") == 9
    different = await enroll(
        client, world, "csa1", **{**variables, "consumerId": schemes.consumer(0, 1)}
    )
    assert codes(different) == ["VALIDATION"]
    async with db() as session:
        count = sa.select(sa.func.count()).select_from(SchemeEnrollment)
        assert (await session.execute(count)).scalar_one() == 1


async def test_a_clashing_scheme_code_is_replaced(
    client: GraphQLClient,
    world: World,
    schemes: SchemeWorld,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await enroll(
        client, world, "csa1", consumerId=schemes.consumer(0), schemeId=schemes.scheme("fan")
    )
    taken = first["enrollment"]["schemeCode"]
    fresh = iter([taken, taken, generate_code()])
    monkeypatch.setattr(enrollment_resolvers, "generate_code", lambda: next(fresh))
    second = await enroll(
        client, world, "csa1", consumerId=schemes.consumer(0, 1), schemeId=schemes.scheme("fan")
    )
    assert second["errors"] == []
    assert second["enrollment"]["schemeCode"] not in (taken, None)


async def test_payment_node_is_scoped(
    client: GraphQLClient, world: World, schemes: SchemeWorld
) -> None:
    made = await enroll(
        client, world, "csa1", consumerId=schemes.consumer(0), schemeId=schemes.scheme("fan")
    )
    body = await client.document(
        "SchemeEnrollmentByCode.graphql",
        {"code": made["enrollment"]["schemeCode"]},
        token=world.token("csa1"),
    )
    assert body["data"]["schemeEnrollmentByCode"]["payments"][0]["kind"] == "DOWN_PAYMENT"
    query = """query($id: ID!) { node(id: $id) {
      ... on SchemeEnrollment { payments { id } } } }"""
    seen = await client.data(query, {"id": made["enrollment"]["id"]}, token=world.token("csa1"))
    payment_id = seen["node"]["payments"][0]["id"]
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await client.data(node, {"id": payment_id}, token=world.token("csa1")))["node"] == {
        "id": payment_id
    }
    assert (await client.data(node, {"id": payment_id}, token=world.token("csa3")))["node"] is None
