"""A cancelled enrolment owes nothing: no outstanding, no due date, never in arrears, last
in the arrears order, and it takes no payments (#19)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.schemes.tables import EnrollmentStatus
from resolvers.schemes.repayment import RepaymentStatus, repayment_state
from schema.relay import decode_id
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.schemes.api import cancel, codes, enroll, pay
from tests.schemes.factories import SchemeWorld, backdate, snapshot


async def _enrol(client: GraphQLClient, world: World, schemes: SchemeWorld, n: int) -> str:
    payload = await enroll(
        client, world, "cluster1", consumerId=schemes.consumer(0, n), schemeId=schemes.scheme("fan")
    )
    assert payload["errors"] == []
    enrollment_id: str = payload["enrollment"]["id"]
    return enrollment_id


async def _rows(client: GraphQLClient, world: World, **variables: Any) -> list[dict[str, Any]]:
    body = await client.document(
        "SchemeEnrollments.graphql", variables, token=world.token("cluster1")
    )
    assert not body.get("errors"), body
    return [edge["node"] for edge in body["data"]["schemeEnrollments"]["edges"]]


def _owes_nothing(row: dict[str, Any]) -> None:
    assert row["repaymentStatus"] == "CANCELLED"
    assert row["outstanding"]["amount"] == "0.00"
    assert row["nextDueDate"] is None
    assert row["daysInArrears"] == 0


async def test_a_cancelled_enrolment_owes_nothing_and_sorts_last(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    live = await _enrol(client, world, schemes, 0)
    old = await _enrol(client, world, schemes, 1)
    today_cancelled = await _enrol(client, world, schemes, 2)
    # Both older ones are 200 days in arrears; the oldest is cancelled, as is one made today.
    for enrollment_id in (live, old):
        await backdate(db, decode_id(enrollment_id, "SchemeEnrollment", []), 200)
    for enrollment_id in (old, today_cancelled):
        assert (await cancel(client, world, "cluster1", enrollment_id))["errors"] == []

    by_id = {row["id"]: row for row in await _rows(client, world)}
    _owes_nothing(by_id[old])
    _owes_nothing(by_id[today_cancelled])
    assert by_id[old]["amountPaid"]["amount"] == "200.00"  # the down payment stays
    assert by_id[live]["repaymentStatus"] == "DEFAULTED"
    assert by_id[live]["daysInArrears"] > 90
    assert by_id[live]["outstanding"]["amount"] == "1000.00"

    ordered = await _rows(client, world, orderBy="MOST_IN_ARREARS_FIRST")
    assert ordered[0]["id"] == live
    assert {row["id"] for row in ordered[1:]} == {old, today_cancelled}
    in_arrears = await _rows(client, world, repaymentStatus=["BEHIND", "DEFAULTED"])
    assert [row["id"] for row in in_arrears] == [live]


async def test_a_cancelled_enrolment_refuses_payments_and_changes_nothing(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    enrollment_id = await _enrol(client, world, schemes, 0)
    assert (await cancel(client, world, "cluster1", enrollment_id))["errors"] == []
    before = await snapshot(db)
    for user in ("csa1", "cluster1", "admin"):
        refused = await pay(
            client, world, user, enrollmentId=enrollment_id, amount="100", reference=f"R-{user}"
        )
        assert codes(refused) == ["INVALID_TRANSITION"]
        assert refused["errors"][0]["message"] == "A cancelled enrolment takes no payments."
        assert refused["errors"][0]["field"] == ["input", "enrollmentId"]
        assert refused["payment"] is None
    assert await snapshot(db) == before


def test_the_rule_owes_nothing_once_cancelled_whatever_the_schedule() -> None:
    enrollment = SimpleNamespace(
        status=EnrollmentStatus.CANCELLED, amount_paid_minor=20_000, total_price_minor=120_000
    )
    installments = [
        SimpleNamespace(due_date=date(2026, month, 1), cumulative_due_minor=20_000 + 10_000 * month)
        for month in range(1, 11)
    ]
    state = repayment_state(enrollment, installments, date(2026, 12, 1))  # type: ignore[arg-type]
    assert state.status is RepaymentStatus.CANCELLED
    assert (state.outstanding_minor, state.next_due_date, state.days_in_arrears) == (0, None, 0)
    assert state.amount_paid_minor == 20_000
