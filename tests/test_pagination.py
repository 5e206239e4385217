"""Connections: keyset cursors stable under inserts, caps, both directions, cost."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Consumer
from tests.conftest import GraphQLClient, error_codes
from tests.factories import World

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String) {
  consumers(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def add_consumers(
    db: async_sessionmaker[AsyncSession], world: World, count: int, prefix: str
) -> None:
    plant = world.plants[0]
    rows = [
        {
            "account_number": f"{prefix}-{n:05d}",
            "name": f"{prefix} {n:05d}",
            "phone": f"+9177{n:08d}",
            "plant_id": plant.id,
            "package_id": world.packages[n % 3].id,
            "status": "ACTIVE",
            "connected_at": date(2025, 6, 1),
        }
        for n in range(count)
    ]
    async with db() as session:
        await session.execute(sa.insert(Consumer), rows)
        await session.commit()


async def walk(client: GraphQLClient, token: str, size: int) -> list[str]:
    names: list[str] = []
    after = None
    while True:
        data = await client.data(PAGE, {"first": size, "after": after}, token=token)
        connection = data["consumers"]
        names += [edge["node"]["name"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return names
        after = connection["pageInfo"]["endCursor"]


async def test_walking_pages_visits_every_row_once_in_order(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    await add_consumers(db, world, 45, "Walk")
    token = world.token("csa1")
    names = await walk(client, token, 7)
    assert len(names) == 45 + len(world.plant_consumers(0))
    assert names == sorted(names)
    assert len(set(names)) == len(names)


async def test_cursor_stays_valid_when_rows_are_inserted_before_it(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    await add_consumers(db, world, 10, "M")
    token = world.token("csa1")
    first = (await client.data(PAGE, {"first": 5}, token=token))["consumers"]
    seen = [edge["node"]["name"] for edge in first["edges"]]
    # Rows that sort before the cursor (A...) and after it (Z...) arrive meanwhile.
    await add_consumers(db, world, 3, "A")
    await add_consumers(db, world, 3, "Z")
    after = first["pageInfo"]["endCursor"]
    rest = (await client.data(PAGE, {"first": 100, "after": after}, token=token))["consumers"]
    names = [edge["node"]["name"] for edge in rest["edges"]]
    assert not set(names) & set(seen)
    assert names[0] > seen[-1]
    assert not any(name.startswith("A ") for name in names)
    assert sum(name.startswith("Z ") for name in names) == 3


async def test_backwards_pages_mirror_forward_pages(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    await add_consumers(db, world, 12, "B")
    token = world.token("csa1")
    everything = await walk(client, token, 100)
    last = (await client.data(PAGE, {"last": 4}, token=token))["consumers"]
    assert [e["node"]["name"] for e in last["edges"]] == everything[-4:]
    assert last["pageInfo"]["hasPreviousPage"] is True
    before = last["pageInfo"]["startCursor"]
    previous = (await client.data(PAGE, {"last": 4, "before": before}, token=token))["consumers"]
    assert [e["node"]["name"] for e in previous["edges"]] == everything[-8:-4]
    assert previous["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"last": 1000}, "last"),
        ({"first": 5, "last": 5}, "last"),
        ({"first": 5, "after": "not-a-cursor"}, "after"),
        ({"first": 5, "after": "WzEsMiwzXQ"}, "after"),  # a list, but of the wrong shape
    ],
)
async def test_bad_page_arguments_are_clear_errors(
    client: GraphQLClient, world: World, variables: dict[str, Any], field: str
) -> None:
    body = await client.request(PAGE, variables, token=world.token("csa1"))
    assert error_codes(body) == ["VALIDATION"]
    assert body["errors"][0]["extensions"]["field"] == [field]
    assert "Traceback" not in str(body)


async def test_default_page_size_and_empty_page(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    await add_consumers(db, world, 30, "D")
    token = world.token("csa1")
    default = (await client.data(PAGE, {}, token=token))["consumers"]
    assert len(default["edges"]) == 20 and default["pageInfo"]["hasNextPage"]
    empty = (await client.data(PAGE, {"first": 0}, token=token))["consumers"]
    assert empty["edges"] == [] and empty["pageInfo"]["endCursor"] is None


async def test_a_page_of_100_costs_the_same_statements_as_a_page_of_5(
    client: GraphQLClient,
    world: World,
    db: async_sessionmaker[AsyncSession],
    count_statements: Any,
) -> None:
    await add_consumers(db, world, 120, "N")
    query = """
    query($first: Int) {
      consumers(first: $first) {
        edges {
          node {
            name
            plant { name cluster { name state { name } } }
            package { name monthlyFee { amount } }
          }
        }
      }
    }
    """
    token = world.token("admin")
    counts = []
    for size in (5, 100):
        with count_statements() as counter:
            data = await client.data(query, {"first": size}, token=token)
        assert len(data["consumers"]["edges"]) == size
        counts.append(counter.count)
    assert counts[0] == counts[1]
    # actor, page, plants, packages, clusters, states: nothing per row.
    assert counts[1] <= 6, counts


async def test_total_count_is_only_computed_when_asked(
    client: GraphQLClient, world: World, count_statements: Any
) -> None:
    token = world.token("admin")
    with count_statements() as without:
        await client.data("{ consumers(first: 5) { edges { node { id } } } }", token=token)
    with count_statements() as with_count:
        await client.data("{ consumers(first: 5) { totalCount } }", token=token)
    # Asked for, it is counted: in a statement of its own, or (a compiled document) in
    # the page's statement; not asked for, nowhere.
    assert with_count.count <= without.count + 1
    assert any("count(" in s.lower() for s in with_count.statements)
    assert not any("count(" in s.lower() for s in without.statements)


NESTED = """
query($first: Int, $after: String, $status: ConsumerStatus) {
  plants(first: 100) {
    edges {
      node {
        id
        consumers(first: $first, after: $after, filter: { status: $status }) {
          totalCount
          edges { node { name plant { id } } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
}
"""


async def test_nested_consumer_pages_are_right_and_cost_one_statement_for_all_plants(
    client: GraphQLClient,
    world: World,
    db: async_sessionmaker[AsyncSession],
    count_statements: Any,
) -> None:
    await add_consumers(db, world, 7, "Q")  # plant1 now has 3 + 7 consumers
    with count_statements() as admin_counter:
        data = await client.data(NESTED, {"first": 2}, token=world.token("admin"))
    plants = [edge["node"] for edge in data["plants"]["edges"]]
    assert len(plants) == 4
    for plant in plants:
        connection = plant["consumers"]
        assert len(connection["edges"]) == 2
        assert {e["node"]["plant"]["id"] for e in connection["edges"]} == {plant["id"]}
        assert connection["pageInfo"]["hasNextPage"] is True
    totals = sorted(plant["consumers"]["totalCount"] for plant in plants)
    assert totals == [3, 3, 3, 10]

    # A state in-charge sees three of the four plants: same statements, fewer rows.
    with count_statements() as state_counter:
        data = await client.data(NESTED, {"first": 2}, token=world.token("state1"))
    assert len(data["plants"]["edges"]) == 3
    # actor with its scope, plants, consumer pages, plants of consumers, counts.
    assert state_counter.count == admin_counter.count
    assert admin_counter.count <= 5, admin_counter.statements


async def test_nested_pages_continue_from_their_cursor(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    await add_consumers(db, world, 7, "Q")
    query = """
    query($id: ID!, $after: String) {
      node(id: $id) {
        ... on Plant { consumers(first: 4, after: $after) {
          edges { node { name } } pageInfo { hasNextPage endCursor } } }
      }
    }
    """
    from schema.relay import encode_id

    plant_id = encode_id("Plant", world.plants[0].id or 0)
    token = world.token("csa1")
    names: list[str] = []
    after = None
    while True:
        data = await client.data(query, {"id": plant_id, "after": after}, token=token)
        connection = data["node"]["consumers"]
        names += [edge["node"]["name"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(names) == 10 and names == sorted(names)


def _forged(values: list[object]) -> str:
    raw = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


FORGED = [
    _forged(["zzz", 99999999999999999999]),  # an id no column holds
    _forged(["zzz", 2**31]),  # past a 32-bit key
    _forged(["zzz", "12"]),  # an id as text
    _forged([1, 2]),  # a name as a number
    _forged([{"t": "2026-01-01T00:00:00"}, 1]),  # an instant without offset
    _forged([{"t": "0001-01-01T00:00:00+05:30"}, 1]),  # not representable in UTC
    _forged([{"d": "2026-01-01"}, "1"]),  # a day, with an id as text
    _forged(["nul \x00", 1]),
    _forged([True, 1]),
]


@pytest.mark.parametrize("cursor", FORGED)
@pytest.mark.parametrize(
    "query",
    [
        "query($c: String) { consumers(first: 2, after: $c) { edges { cursor } } }",
        "query($c: String) { consumers(last: 2, before: $c) { edges { cursor } } }",
        "query($c: String) { packageRequests(first: 2, after: $c) { edges { cursor } } }",
        "query($c: String) { schemeEnrollments(first: 2, after: $c,"
        " orderBy: MOST_IN_ARREARS_FIRST) { edges { cursor } } }",
    ],
    ids=["consumers", "consumers-backwards", "requests", "enrolments-by-arrears"],
)
async def test_a_forged_cursor_is_a_validation_error(
    client: GraphQLClient, world: World, query: str, cursor: str
) -> None:
    body = await client.request(query, {"c": cursor}, token=world.token("admin"))
    assert error_codes(body) == ["VALIDATION"], body
    assert "cursor" in body["errors"][0]["message"]
