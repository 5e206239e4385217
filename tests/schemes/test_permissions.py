"""The permission table: every scheme operation x every user of the world, in and out of
scope. A refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.dates import today
from tests.conftest import GraphQLClient, error_codes
from tests.factories import World
from tests.permissions.model import WORLD_USERS
from tests.schemes.api import cancel, codes, enroll, pay
from tests.schemes.factories import SchemeWorld, snapshot

# plant1 (cluster1, state1) is in scope of: admin, state1, cluster1, csa1, tech1, operator1.
IN_SCOPE = {"admin", "state1", "cluster1", "csa1", "tech1", "operator1"}
WRITERS = {"admin", "cluster1", "cluster2", "csa1", "csa3"}
CANCELLERS = {"admin", "cluster1", "cluster2"}
READERS = {"admin", "state1", "state2", "cluster1", "cluster2", "csa1", "csa3"}


def _expected(user: str, allowed: set[str]) -> str:
    if user not in allowed:
        return "FORBIDDEN"
    return "OK" if user in IN_SCOPE else "NOT_FOUND"


def _outcome(payload: dict[str, Any]) -> str:
    return codes(payload)[0] if payload["errors"] else "OK"


@pytest.mark.parametrize("user", WORLD_USERS)
async def test_scheme_operations(
    client: GraphQLClient,
    world: World,
    schemes: SchemeWorld,
    db: async_sessionmaker[AsyncSession],
    user: str,
) -> None:
    made = await enroll(
        client, world, "admin", consumerId=schemes.consumer(0), schemeId=schemes.scheme("fan")
    )
    enrollment = made["enrollment"]
    enrollment_id = enrollment["id"]

    # Writes: refused ones change nothing.
    before = await snapshot(db)
    outcome = _outcome(
        await enroll(
            client, world, user, consumerId=schemes.consumer(0, 1), schemeId=schemes.scheme("fan")
        )
    )
    assert outcome == _expected(user, WRITERS), "enroll"
    if outcome != "OK":
        assert await snapshot(db) == before
    before = await snapshot(db)
    outcome = _outcome(
        await pay(client, world, user, enrollmentId=enrollment_id, amount="10", reference="P")
    )
    assert outcome == _expected(user, WRITERS), "pay"
    if outcome != "OK":
        assert await snapshot(db) == before
    before = await snapshot(db)
    outcome = _outcome(await cancel(client, world, user, enrollment_id))
    assert outcome == _expected(user, CANCELLERS), "cancel"
    if outcome != "OK":
        assert await snapshot(db) == before

    # Reads.
    token = world.token(user)
    listed = await client.document("SchemeEnrollments.graphql", {}, token=token)
    # A fresh enrolment has nothing overdue: the filter (#19) finds it only when false.
    not_overdue = await client.document(
        "SchemeEnrollments.graphql", {"hasAmountOverdue": False}, token=token
    )
    overdue = await client.document(
        "SchemeEnrollments.graphql", {"hasAmountOverdue": True}, token=token
    )
    by_code = await client.document(
        "SchemeEnrollmentByCode.graphql", {"code": enrollment["schemeCode"]}, token=token
    )
    on = today(world.settings.zone).isoformat()
    stats = await client.document(
        "SchemeStats.graphql", {"range": {"from": on, "to": on}}, token=token
    )
    node = await client.data(
        "query($id: ID!) { node(id: $id) { id } }", {"id": enrollment_id}, token=token
    )
    catalogue = await client.document("SchemeFilterBar.graphql", {}, token=token)
    assert not catalogue.get("errors") and len(catalogue["data"]["schemes"]) == 4
    if user not in READERS:
        for body in (listed, by_code, stats, not_overdue, overdue):
            assert error_codes(body) == ["FORBIDDEN"]
            assert not any((body.get("data") or {}).values())
        assert node["node"] is None
        return
    visible = user in IN_SCOPE
    assert listed["data"]["schemeEnrollments"]["totalCount"] >= (1 if visible else 0)
    ids = {e["node"]["id"] for e in listed["data"]["schemeEnrollments"]["edges"]}
    assert (enrollment_id in ids) is visible
    assert (by_code["data"]["schemeEnrollmentByCode"] is not None) is visible
    if visible:
        assert by_code["data"]["schemeEnrollmentByCode"]["amountOverdue"] == {"amount": "0.00"}
    filtered = {e["node"]["id"] for e in not_overdue["data"]["schemeEnrollments"]["edges"]}
    assert (enrollment_id in filtered) is visible
    assert overdue["data"]["schemeEnrollments"]["edges"] == []
    assert bool(stats["data"]["schemeStats"]) is visible
    assert (node["node"] is not None) is visible
