"""amountOverdue: what the instalments due up to today ask, less what was paid toward
them; and the list filter for enrolments with an amount overdue (#19)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.dates import today
from schema.relay import decode_id
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.schemes.api import cancel, enroll, pay
from tests.schemes.factories import SchemeWorld, backdate


async def _enrol(
    client: GraphQLClient, world: World, schemes: SchemeWorld, n: int, **more: Any
) -> dict[str, Any]:
    payload = await enroll(
        client,
        world,
        "cluster1",
        consumerId=schemes.consumer(0, n),
        schemeId=schemes.scheme("fan"),
        **more,
    )
    assert payload["errors"] == []
    enrollment: dict[str, Any] = payload["enrollment"]
    return enrollment


async def _rows(client: GraphQLClient, world: World, **variables: Any) -> dict[str, dict[str, Any]]:
    body = await client.document(
        "SchemeEnrollments.graphql", variables, token=world.token("cluster1")
    )
    assert not body.get("errors"), body
    return {edge["node"]["id"]: edge["node"] for edge in body["data"]["schemeEnrollments"]["edges"]}


def _pk(enrollment_id: str) -> int:
    return decode_id(enrollment_id, "SchemeEnrollment", [])


async def test_amount_overdue_follows_the_schedule_and_the_payments(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    # 1200.00: 200.00 down, then ten monthly instalments of 100.00.
    enrollment_id = (await _enrol(client, world, schemes, 0))["id"]
    assert (await _rows(client, world))[enrollment_id]["amountOverdue"]["amount"] == "0.00"
    # Made 100 days ago: three instalments (about 30, 61 and 91 days on) are due.
    await backdate(db, _pk(enrollment_id), 100)
    row = (await _rows(client, world))[enrollment_id]
    assert row["amountOverdue"] == {"amount": "300.00", "currency": "INR"}
    assert row["outstanding"]["amount"] == "1000.00"
    paid = await pay(
        client, world, "csa1", enrollmentId=enrollment_id, amount="100", reference="R1"
    )
    assert paid["errors"] == []
    assert (await _rows(client, world))[enrollment_id]["amountOverdue"]["amount"] == "200.00"
    await pay(client, world, "csa1", enrollmentId=enrollment_id, amount="250", reference="R2")
    row = (await _rows(client, world))[enrollment_id]
    # Paid ahead by 50.00: nothing overdue, however much is still outstanding.
    assert (row["amountOverdue"]["amount"], row["outstanding"]["amount"]) == ("0.00", "650.00")
    assert row["repaymentStatus"] == "ON_TRACK"


async def test_an_instalment_due_today_is_overdue_though_not_yet_in_arrears(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    enrollment = await _enrol(client, world, schemes, 0)
    first_due = date.fromisoformat(enrollment["installments"][0]["dueDate"])
    await backdate(db, _pk(enrollment["id"]), (first_due - today(world.settings.zone)).days)
    row = (await _rows(client, world))[enrollment["id"]]
    assert row["nextDueDate"] == today(world.settings.zone).isoformat()
    assert row["amountOverdue"]["amount"] == "100.00"
    assert (row["daysInArrears"], row["repaymentStatus"]) == (0, "ON_TRACK")


async def test_the_overdue_filter_agrees_with_the_amount(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    fresh = (await _enrol(client, world, schemes, 0))["id"]
    behind = (await _enrol(client, world, schemes, 1))["id"]
    cancelled = (await _enrol(client, world, schemes, 2))["id"]
    caught_up = (await _enrol(client, world, schemes, 0, additionalUnit=True))["id"]
    for enrollment_id in (behind, cancelled, caught_up):
        await backdate(db, _pk(enrollment_id), 70)
    assert (await cancel(client, world, "cluster1", cancelled))["errors"] == []
    await pay(client, world, "csa1", enrollmentId=caught_up, amount="200", reference="ALL-DUE")

    everything = await _rows(client, world)
    amounts = {key: row["amountOverdue"]["amount"] for key, row in everything.items()}
    assert amounts == {fresh: "0.00", behind: "200.00", cancelled: "0.00", caught_up: "0.00"}
    assert set(await _rows(client, world, hasAmountOverdue=True)) == {behind}
    assert set(await _rows(client, world, hasAmountOverdue=False)) == {fresh, cancelled, caught_up}
    # With the other filters, in keyset pages of the arrears order.
    both = await _rows(
        client,
        world,
        hasAmountOverdue=True,
        repaymentStatus=["BEHIND"],
        orderBy="MOST_IN_ARREARS_FIRST",
    )
    assert set(both) == {behind}
    assert await _rows(client, world, hasAmountOverdue=True, repaymentStatus=["ON_TRACK"]) == {}


async def test_the_filter_stays_in_scope_and_refuses_roles_that_may_not_read(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    enrollment_id = (await _enrol(client, world, schemes, 0))["id"]
    await backdate(db, _pk(enrollment_id), 70)
    for user, seen in (
        ("csa1", 1),
        ("cluster1", 1),
        ("state1", 1),
        ("admin", 1),
        ("csa3", 0),
        ("state2", 0),
    ):
        body = await client.document(
            "SchemeEnrollments.graphql", {"hasAmountOverdue": True}, token=world.token(user)
        )
        assert not body.get("errors"), (user, body)
        assert body["data"]["schemeEnrollments"]["totalCount"] == seen, user
    for user in ("tech1", "operator1"):
        body = await client.document(
            "SchemeEnrollments.graphql", {"hasAmountOverdue": True}, token=world.token(user)
        )
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], user
