"""Reading: the list (filters in SQL agree with the computed state), orders, by code,
statistics, the consumer's enrolments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.schemes.codes import format_for_reading
from resolvers.dates import today
from schema.relay import decode_id
from tests.conftest import GraphQLClient, error_codes
from tests.factories import World
from tests.schemes.api import cancel, enroll, pay
from tests.schemes.factories import SchemeWorld, backdate

STATUSES = ["ON_TRACK", "BEHIND", "DEFAULTED", "PAID_OFF", "CANCELLED"]


async def _five_states(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> dict[str, str]:
    """One enrolment in each repayment status, on plant1 (csa1's)."""
    ids: dict[str, str] = {}
    consumers = [schemes.consumer(0, n) for n in range(3)] + [
        schemes.consumer(1, n) for n in range(2)
    ]
    for status, consumer in zip(STATUSES, consumers, strict=True):
        payload = await enroll(
            client, world, "cluster1", consumerId=consumer, schemeId=schemes.scheme("fan")
        )
        assert payload["errors"] == []
        ids[status] = payload["enrollment"]["id"]
    await backdate(db, decode_id(ids["BEHIND"], "SchemeEnrollment", []), 45)
    await backdate(db, decode_id(ids["DEFAULTED"], "SchemeEnrollment", []), 200)
    paid = await pay(
        client, world, "cluster1", enrollmentId=ids["PAID_OFF"], amount="1000", reference="ALL"
    )
    assert paid["errors"] == []
    assert (await cancel(client, world, "cluster1", ids["CANCELLED"]))["errors"] == []
    return ids


async def _list(
    client: GraphQLClient, world: World, user: str = "cluster1", **variables: Any
) -> dict[str, Any]:
    body = await client.document("SchemeEnrollments.graphql", variables, token=world.token(user))
    assert not body.get("errors"), body
    listed: dict[str, Any] = body["data"]["schemeEnrollments"]
    return listed


async def test_repayment_status_filter_agrees_with_the_computed_status(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    ids = await _five_states(client, world, schemes, db)
    everything = await _list(client, world)
    computed = {e["node"]["id"]: e["node"]["repaymentStatus"] for e in everything["edges"]}
    assert computed == {enrollment_id: status for status, enrollment_id in ids.items()}
    for status in STATUSES:
        listed = await _list(client, world, repaymentStatus=[status])
        assert [e["node"]["id"] for e in listed["edges"]] == [ids[status]], status
    both = await _list(client, world, repaymentStatus=["BEHIND", "DEFAULTED"])
    assert both["totalCount"] == 2
    row = everything["edges"][0]["node"]
    assert row["callLink"] == f"tel:{row['consumerPhone']}"


async def test_most_in_arrears_first_pages_by_keyset(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    ids = await _five_states(client, world, schemes, db)
    seen: list[str] = []
    after = None
    while True:
        page = await _list(client, world, orderBy="MOST_IN_ARREARS_FIRST", first=2, after=after)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen[:2] == [ids["DEFAULTED"], ids["BEHIND"]]
    assert sorted(seen) == sorted(ids.values())


async def test_filters_scope_and_dates(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    ids = await _five_states(client, world, schemes, db)
    on = today(world.settings.zone)
    recent = await _list(
        client,
        world,
        enrolledIn={"from": (on - timedelta(days=10)).isoformat(), "to": on.isoformat()},
    )
    assert ids["DEFAULTED"] not in {e["node"]["id"] for e in recent["edges"]}
    assert recent["totalCount"] == 3
    assert (await _list(client, world, "csa1"))["totalCount"] == 3  # plant1 only
    assert (await _list(client, world, "csa3"))["totalCount"] == 0
    assert (await _list(client, world, "state2"))["totalCount"] == 0
    assert (await _list(client, world, schemeTypes=["FESTIVE"]))["totalCount"] == 0
    assert (await _list(client, world, consumerStatus="BANNED"))["totalCount"] == 0


async def test_by_code_normalises_and_refuses_mistyped_codes(
    client: GraphQLClient, world: World, schemes: SchemeWorld
) -> None:
    payload = await enroll(
        client, world, "csa1", consumerId=schemes.consumer(0), schemeId=schemes.scheme("fan")
    )
    code: str = payload["enrollment"]["schemeCode"]

    async def by_code(value: str, user: str = "csa1") -> dict[str, Any]:
        return await client.document(
            "SchemeEnrollmentByCode.graphql", {"code": value}, token=world.token(user)
        )

    found = await by_code(f" {format_for_reading(code).lower()} ")
    assert found["data"]["schemeEnrollmentByCode"]["schemeCode"] == code
    # One character changed: the check character catches it.
    wrong = code[:3] + ("A" if code[3] != "A" else "B") + code[4:]
    mistyped = await by_code(wrong)
    assert error_codes(mistyped) == ["VALIDATION"]
    assert "mistyped" in mistyped["errors"][0]["message"]
    assert error_codes(await by_code("ABC")) == ["VALIDATION"]
    # Valid but not visible: null, as if it did not exist.
    unseen = await by_code(code, "csa3")
    assert not unseen.get("errors") and unseen["data"]["schemeEnrollmentByCode"] is None


async def test_stats_per_scheme(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    await _five_states(client, world, schemes, db)
    on = today(world.settings.zone).isoformat()
    body = await client.document(
        "SchemeStats.graphql", {"range": {"from": on, "to": on}}, token=world.token("state1")
    )
    assert not body.get("errors"), body
    (stat,) = body["data"]["schemeStats"]
    # Three enrolled today (two were backdated): two live, one cancelled (its unit went
    # back, it owes nothing); the paid-off one owes nothing. Collected today: 5 down
    # payments of 200 + 1000 (a cancelled enrolment's payments stay).
    assert (stat["enrollments"], stat["cancelled"], stat["units"]) == (2, 1, 2)
    assert stat["collected"]["amount"] == "2000.00"
    assert stat["outstanding"]["amount"] == "1000.00"
    other_state = await client.document(
        "SchemeStats.graphql", {"range": {"from": on, "to": on}}, token=world.token("state2")
    )
    assert other_state["data"]["schemeStats"] == []


async def test_consumer_and_node_show_enrolments_in_scope(
    client: GraphQLClient, world: World, schemes: SchemeWorld
) -> None:
    payload = await enroll(
        client, world, "csa1", consumerId=schemes.consumer(0), schemeId=schemes.scheme("fan")
    )
    enrollment_id = payload["enrollment"]["id"]
    query = """query($c: ID!, $e: ID!) {
      node(id: $c) { ... on Consumer { schemeEnrollments { id } } }
      enrollment: node(id: $e) { ... on SchemeEnrollment { id scheme { name states { id } } } }
    }"""
    variables = {"c": schemes.consumer(0), "e": enrollment_id}
    seen = await client.data(query, variables, token=world.token("csa1"))
    assert seen["node"]["schemeEnrollments"] == [{"id": enrollment_id}]
    assert seen["enrollment"]["id"] == enrollment_id
    for user in ("tech1", "operator1"):
        hidden = await client.data(query, variables, token=world.token(user))
        assert hidden["node"]["schemeEnrollments"] == []
        assert hidden["enrollment"] is None
