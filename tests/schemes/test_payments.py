"""recordSchemePayment and cancelSchemeEnrollment, through GraphQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.inventory import MovementKind, StockLevel, StockMovement
from models.schemes.tables import SchemeEnrollment, SchemePayment
from schema.relay import decode_id
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.schemes.api import cancel, codes, enroll, pay
from tests.schemes.factories import SchemeWorld, backdate, snapshot


async def _enrolled(client: GraphQLClient, world: World, schemes: SchemeWorld) -> str:
    payload = await enroll(
        client, world, "csa1", consumerId=schemes.consumer(0), schemeId=schemes.scheme("fan")
    )
    assert payload["errors"] == []
    enrollment_id: str = payload["enrollment"]["id"]
    return enrollment_id


async def test_payments_are_allocated_to_instalments_in_order(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    enrollment_id = await _enrolled(client, world, schemes)
    # Enrolled 100 days ago: instalments 1-3 (monthly) are due, none paid.
    await backdate(db, decode_id(enrollment_id, "SchemeEnrollment", []), 100)
    body = await client.document(
        "SchemeEnrollmentByCode.graphql",
        {"code": await _code(db, enrollment_id)},
        token=world.token("csa1"),
    )
    state = body["data"]["schemeEnrollmentByCode"]
    assert state["repaymentStatus"] == "DEFAULTED" or state["daysInArrears"] > 0
    first_arrears = state["daysInArrears"]
    assert first_arrears >= 60
    # Paying the first instalment moves arrears to the second one.
    paid = await pay(
        client, world, "csa1", enrollmentId=enrollment_id, amount="100", reference="R1"
    )
    assert paid["errors"] == []
    assert paid["enrollment"]["amountPaid"]["amount"] == "300.00"
    assert 0 < paid["enrollment"]["daysInArrears"] < first_arrears
    assert paid["enrollment"]["repaymentStatus"] == "BEHIND"
    # Paying what is due clears the arrears.
    paid = await pay(
        client, world, "csa1", enrollmentId=enrollment_id, amount="300", reference="R2"
    )
    assert paid["enrollment"]["daysInArrears"] == 0
    assert paid["enrollment"]["repaymentStatus"] == "ON_TRACK"
    # The rest pays it off.
    paid = await pay(
        client, world, "csa1", enrollmentId=enrollment_id, amount="600", reference="R3"
    )
    assert paid["enrollment"]["repaymentStatus"] == "PAID_OFF"
    assert paid["enrollment"]["outstanding"]["amount"] == "0.00"
    assert paid["enrollment"]["nextDueDate"] is None


async def _code(db: async_sessionmaker[AsyncSession], enrollment_id: str) -> str:
    async with db() as session:
        row = await session.get(SchemeEnrollment, decode_id(enrollment_id, "SchemeEnrollment", []))
        assert row is not None
        return row.scheme_code


async def test_over_payment_and_bad_amounts_are_refused(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    enrollment_id = await _enrolled(client, world, schemes)
    before = await snapshot(db)
    over = await pay(
        client, world, "csa1", enrollmentId=enrollment_id, amount="1000.01", reference="X"
    )
    assert codes(over) == ["VALIDATION"] and "1000.00" in over["errors"][0]["message"]
    for amount in ("0", "-5", "10.001"):
        refused = await pay(
            client, world, "csa1", enrollmentId=enrollment_id, amount=amount, reference="X"
        )
        assert codes(refused) == ["VALIDATION"], amount
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    # Before the enrolment existed: the day before, and the first day there is.
    before_enrolment = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for paid_at in (future, before_enrolment, "0001-01-01T00:00:00+00:00"):
        refused = await pay(
            client,
            world,
            "csa1",
            enrollmentId=enrollment_id,
            amount="1",
            reference="X",
            paidAt=paid_at,
        )
        assert codes(refused) == ["VALIDATION"], paid_at
        assert refused["errors"][0]["field"] == ["input", "paidAt"]
    assert await snapshot(db) == before


async def test_reference_is_idempotent_and_another_amount_is_duplicate(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    enrollment_id = await _enrolled(client, world, schemes)
    first = await pay(
        client, world, "csa1", enrollmentId=enrollment_id, amount="50", reference="RCPT-9"
    )
    again = await pay(
        client, world, "csa1", enrollmentId=enrollment_id, amount="50.00", reference="RCPT-9"
    )
    assert again["errors"] == [] and again["payment"]["id"] == first["payment"]["id"]
    assert again["enrollment"]["amountPaid"]["amount"] == "250.00"
    other = await pay(
        client, world, "csa1", enrollmentId=enrollment_id, amount="60", reference="RCPT-9"
    )
    assert codes(other) == ["DUPLICATE"]


async def test_concurrent_payments_never_overpay(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    enrollment_id = await _enrolled(client, world, schemes)
    results = await asyncio.gather(
        *(
            pay(client, world, "csa1", enrollmentId=enrollment_id, amount="300", reference=f"C{n}")
            for n in range(5)
        )
    )
    assert sum(1 for r in results if r["errors"] == []) == 3
    async with db() as session:
        row = await session.get(SchemeEnrollment, decode_id(enrollment_id, "SchemeEnrollment", []))
        assert row is not None and row.amount_paid_minor == 110_000
        total = sa.select(sa.func.sum(col(SchemePayment.amount_minor))).where(
            col(SchemePayment.enrollment_id) == row.id
        )
        assert (await session.execute(total)).scalar_one() == 110_000


async def test_cancel_returns_the_unit_and_blocks_payments(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    enrollment_id = await _enrolled(client, world, schemes)
    assert codes(await cancel(client, world, "cluster1", enrollment_id, reason="  ")) == [
        "VALIDATION"
    ]
    done = await cancel(client, world, "cluster1", enrollment_id, reason="Customer returned it")
    assert done["errors"] == []
    assert done["enrollment"]["repaymentStatus"] == "CANCELLED"
    assert done["enrollment"]["amountPaid"]["amount"] == "200.00"  # payments stay
    async with db() as session:
        level = await session.get(
            StockLevel, (schemes.product.id if schemes.product else 0, schemes.warehouses["wh1"].id)
        )
        assert level is not None and level.on_hand == 10
        kinds = (
            await session.execute(
                sa.select(col(StockMovement.kind)).where(
                    col(StockMovement.enrollment_id)
                    == decode_id(enrollment_id, "SchemeEnrollment", [])
                )
            )
        ).scalars()
        assert sorted(kinds) == sorted([MovementKind.ISSUE, MovementKind.RECEIPT])
    assert codes(await cancel(client, world, "cluster1", enrollment_id)) == ["INVALID_TRANSITION"]
    refused = await pay(
        client, world, "csa1", enrollmentId=enrollment_id, amount="1", reference="L"
    )
    assert codes(refused) == ["INVALID_TRANSITION"]
