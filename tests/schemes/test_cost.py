"""The enrolment list costs the same SQL statements for a long page as for a short one."""

from __future__ import annotations

from typing import Any

from tests.conftest import QUERIES_DIR, GraphQLClient
from tests.schemes.api import enroll
from tests.schemes.factories import SchemeWorld


async def test_a_page_of_12_enrolments_costs_the_same_statements_as_a_page_of_2(
    client: GraphQLClient, schemes: SchemeWorld, count_statements: Any
) -> None:
    world = schemes.world
    for plant_index in range(3):  # the state1 plants: 9 consumers, 12 units in state1
        for n in range(3):
            payload = await enroll(
                client,
                world,
                "admin",
                consumerId=schemes.consumer(plant_index, n),
                schemeId=schemes.scheme("fan"),
            )
            assert payload["errors"] == [], payload
    document = (QUERIES_DIR / "SchemeEnrollments.graphql").read_text()
    counts = []
    for size, order_by in (
        (2, "ENROLLED_NEWEST_FIRST"),
        (9, "ENROLLED_NEWEST_FIRST"),
        (2, "MOST_IN_ARREARS_FIRST"),
        (9, "MOST_IN_ARREARS_FIRST"),
    ):
        with count_statements() as counter:
            body = await client.request(
                document, {"first": size, "orderBy": order_by}, token=world.token("state1")
            )
        assert not body.get("errors"), body
        assert len(body["data"]["schemeEnrollments"]["edges"]) == size
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[2] == counts[3], counts
