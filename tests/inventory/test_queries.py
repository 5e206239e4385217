"""Reading inventory: the list and its filters, each product's stock narrowed to the
filter's state, the overview bar against a brute-force computation, warehouses, the
ledger as a connection, and what a page costs in SQL statements."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models import Product, ProductType, StockLevel, Warehouse
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.inventory.api import mutate_ok
from tests.inventory.factories import (
    Inventory,
    gid,
    make_product,
    make_warehouse,
    receive,
)

INVENTORY = """
query($f: ProductFilter, $first: Int, $after: String) {
  inventory(filter: $f, first: $first, after: $after) {
    totalCount
    edges { node { id name unitsAvailable lowStock
      stock { onHand available warehouse { id state { id } } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
OVERVIEW = """
query($f: ProductFilter) {
  inventoryOverview(filter: $f) {
    productCount unitsAvailable stockValue { amount currency } lowStockCount
  }
}
"""


async def inventory_rows(
    client: GraphQLClient, token: str, filter: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    data = await client.data(INVENTORY, {"f": filter, "first": 100}, token=token)
    return [edge["node"] for edge in data["inventory"]["edges"]]


async def test_each_product_with_units_and_where(
    client: GraphQLClient, inventory: Inventory
) -> None:
    rows = await inventory_rows(client, inventory.world.token("operator1"))
    by_id = {row["id"]: row for row in rows}
    fan = by_id[inventory.product("fan")]
    assert fan["unitsAvailable"] == 31
    assert {(s["warehouse"]["id"], s["onHand"]) for s in fan["stock"]} == {
        (inventory.warehouse("wh1"), 20),
        (inventory.warehouse("wh1b"), 4),
        (inventory.warehouse("wh2"), 7),
    }
    assert by_id[inventory.product("tv")]["lowStock"] is True  # 4 <= 5
    assert by_id[inventory.product("fridge")]["lowStock"] is False  # discontinued


async def test_a_state_filter_narrows_each_products_stock(
    client: GraphQLClient, inventory: Inventory
) -> None:
    token = inventory.world.token("csa1")
    state2 = gid("State", inventory.world.states[1])
    rows = await inventory_rows(client, token, {"stateId": state2})
    by_id = {row["id"]: row for row in rows}
    # Every product is listed; units and stock count only state2's warehouse.
    assert set(by_id) == {inventory.product(p) for p in ("fan", "tv", "fridge")}
    assert by_id[inventory.product("fan")]["unitsAvailable"] == 7
    assert [s["warehouse"]["id"] for s in by_id[inventory.product("fan")]["stock"]] == [
        inventory.warehouse("wh2")
    ]
    fridge = by_id[inventory.product("fridge")]
    assert (fridge["unitsAvailable"], fridge["stock"]) == (0, [])
    # The same product by id is not narrowed.
    data = await client.data(
        "query($id: ID!) { node(id: $id) { ... on Product { unitsAvailable } } }",
        {"id": inventory.product("fan")},
        token=token,
    )
    assert data["node"]["unitsAvailable"] == 31


async def test_type_and_low_stock_filters(client: GraphQLClient, inventory: Inventory) -> None:
    token = inventory.world.token("tech4")
    fans = await inventory_rows(client, token, {"types": ["FAN", "IRON"]})
    assert [row["id"] for row in fans] == [inventory.product("fan")]
    low = await inventory_rows(client, token, {"lowStockOnly": True})
    assert [row["id"] for row in low] == [inventory.product("tv")]
    # In state2 alone the fan (7 > 5) is fine and the TV (1 unit) is low.
    state2 = gid("State", inventory.world.states[1])
    low2 = await inventory_rows(client, token, {"lowStockOnly": True, "stateId": state2})
    assert [row["id"] for row in low2] == [inventory.product("tv")]
    state1 = gid("State", inventory.world.states[0])
    low1 = await inventory_rows(client, token, {"lowStockOnly": True, "stateId": state1})
    assert [row["id"] for row in low1] == [inventory.product("tv")]  # 3 units
    data = await client.data(
        "query($f: ProductFilter) { products(filter: $f) { id unitsAvailable } }",
        {"f": {"stateId": state2, "types": ["TELEVISION"]}},
        token=token,
    )
    assert data["products"] == [{"id": inventory.product("tv"), "unitsAvailable": 1}]


async def test_pages_walk_every_product_once(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session, session.begin():
        for _ in range(7):
            await make_product(session)
    seen: list[str] = []
    after = None
    while True:
        data = await client.data(INVENTORY, {"first": 3, "after": after}, token=world.token("csa1"))
        connection = data["inventory"]
        seen += [edge["node"]["name"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == 7 and seen == sorted(seen)


async def _varied_stock(db: async_sessionmaker[AsyncSession], world: World) -> None:
    """Products of several types, prices and reorder levels, some discontinued, stocked
    unevenly in warehouses of both states, some units reserved."""
    rng = random.Random(4)  # fixed: the same world on every run
    types = [ProductType.FAN, ProductType.TELEVISION, ProductType.LIGHTING, ProductType.IRON]
    async with db() as session, session.begin():
        warehouses = [await make_warehouse(session, world.states[n % 2]) for n in range(4)]
        for n in range(14):
            product = await make_product(
                session,
                product_type=types[n % len(types)],
                unit_price_minor=rng.randrange(0, 5_000_000),
                reorder_level=rng.randrange(0, 30),
                active=n % 5 != 0,
            )
            for warehouse in rng.sample(warehouses, rng.randrange(0, 4)):
                await receive(session, product, warehouse, rng.randrange(1, 60))
        # 40,000 units at Rs 49,999: a stock value beyond 32-bit paise.
        big = await make_product(session, unit_price_minor=4_999_900, reorder_level=0)
        await receive(session, big, warehouses[0], 40_000)
        await session.execute(
            sa.update(StockLevel).where(col(StockLevel.on_hand) > 10).values(reserved=3)
        )


async def _brute_force(
    db: async_sessionmaker[AsyncSession], filter: dict[str, Any], states: dict[str, int]
) -> dict[str, Any]:
    async with db() as session:
        products = list((await session.scalars(sa.select(Product))).all())
        warehouse_state: dict[int, int] = dict(
            (await session.execute(sa.select(col(Warehouse.id), col(Warehouse.state_id)))).all()  # type: ignore[arg-type]
        )
        levels = list((await session.scalars(sa.select(StockLevel))).all())
    state_id = states.get(filter.get("stateId", ""))
    available: dict[int, int] = defaultdict(int)
    on_hand: dict[int, int] = defaultdict(int)
    for level in levels:
        if state_id is None or warehouse_state[level.warehouse_id] == state_id:
            available[level.product_id] += level.on_hand - level.reserved
            on_hand[level.product_id] += level.on_hand
    listed = [
        p for p in products if ("types" not in filter or p.product_type.value in filter["types"])
    ]

    def low(p: Product) -> bool:
        return p.active and available[p.id or 0] <= p.reorder_level

    if filter.get("lowStockOnly"):
        listed = [p for p in listed if low(p)]
    value = sum(on_hand[p.id or 0] * p.unit_price_minor for p in listed)
    return {
        "productCount": len(listed),
        "unitsAvailable": sum(available[p.id or 0] for p in listed),
        "stockValue": {"amount": str(Decimal(value).scaleb(-2)), "currency": "INR"},
        "lowStockCount": sum(low(p) for p in listed),
        "rows": {gid("Product", p): (available[p.id or 0], low(p)) for p in listed},
    }


async def test_overview_equals_a_brute_force_computation(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    await _varied_stock(db, world)
    state1, state2 = (gid("State", s) for s in world.states)
    states = {state1: world.states[0].id or 0, state2: world.states[1].id or 0}
    token = world.token("cluster2")
    for filter in (
        {},
        {"stateId": state1},
        {"stateId": state2},
        {"types": ["FAN", "IRON"]},
        {"lowStockOnly": True},
        {"stateId": state2, "lowStockOnly": True, "types": ["TELEVISION", "LIGHTING"]},
    ):
        expected = await _brute_force(db, filter, states)
        rows = expected.pop("rows")
        overview = (await client.data(OVERVIEW, {"f": filter}, token=token))["inventoryOverview"]
        assert overview == expected, filter
        listed = await inventory_rows(client, token, filter)
        assert {r["id"]: (r["unitsAvailable"], r["lowStock"]) for r in listed} == rows, filter
    everything = (await client.data(OVERVIEW, {"f": {}}, token=token))["inventoryOverview"]
    assert Decimal(everything["stockValue"]["amount"]) > Decimal(2**31) / 100


async def test_warehouses(client: GraphQLClient, inventory: Inventory) -> None:
    token = inventory.world.token("tech1")
    state1 = gid("State", inventory.world.states[0])
    data = await client.data(
        """query($s: ID) { warehouses(stateId: $s) {
             id code active location { latitude longitude } state { id }
             stock { onHand product { id } } } }""",
        {"s": state1},
        token=token,
    )
    warehouses = {w["id"]: w for w in data["warehouses"]}
    assert set(warehouses) == {inventory.warehouse("wh1"), inventory.warehouse("wh1b")}
    wh1 = warehouses[inventory.warehouse("wh1")]
    assert wh1["state"]["id"] == state1
    assert wh1["location"] == {"latitude": 12.97, "longitude": 77.59}
    assert {(s["product"]["id"], s["onHand"]) for s in wh1["stock"]} == {
        (inventory.product("fan"), 20),
        (inventory.product("tv"), 3),
    }


MOVEMENTS = """
query($id: ID!, $warehouseId: ID, $first: Int, $after: String) {
  node(id: $id) {
    ... on Product {
      movements(warehouseId: $warehouseId, first: $first, after: $after) {
        totalCount
        edges { node { id kind quantity warehouse { id } actor { id } } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""


async def test_a_products_ledger_newest_first(client: GraphQLClient, inventory: Inventory) -> None:
    world = inventory.world
    state1 = world.token("state1")
    for delta in (-1, -2, 5):
        await mutate_ok(
            client,
            "adjustStock",
            {
                "productId": inventory.product("fan"),
                "warehouseId": inventory.warehouse("wh1"),
                "delta": delta,
                "reason": "Count",
            },
            token=state1,
        )
    token = world.token("operator1")
    quantities: list[int] = []
    after = None
    while True:
        data = await client.data(
            MOVEMENTS,
            {
                "id": inventory.product("fan"),
                "warehouseId": inventory.warehouse("wh1"),
                "first": 2,
                "after": after,
            },
            token=token,
        )
        connection = data["node"]["movements"]
        assert connection["totalCount"] == 4
        quantities += [edge["node"]["quantity"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert quantities == [5, -2, -1, 20]
    everywhere = await client.data(MOVEMENTS, {"id": inventory.product("fan")}, token=token)
    assert everywhere["node"]["movements"]["totalCount"] == 6
    first = everywhere["node"]["movements"]["edges"][0]["node"]
    assert (first["kind"], first["actor"]["id"]) == (
        "ADJUSTMENT",
        gid("User", world.users["state1"]),
    )
    # A movement is a node too.
    data = await client.data(
        "query($id: ID!) { node(id: $id) { ... on StockMovement { quantity product { id } } } }",
        {"id": first["id"]},
        token=token,
    )
    assert data["node"] == {"quantity": 5, "product": {"id": inventory.product("fan")}}


async def test_warehouse_ledgers_in_a_list_cost_one_statement(
    client: GraphQLClient, inventory: Inventory, count_statements: Any
) -> None:
    query = """{ warehouses { code movements(first: 1) { edges { node { quantity } } } } }"""
    with count_statements() as counter:
        data = await client.data(query, token=inventory.world.token("admin"))
    assert all(len(w["movements"]["edges"]) == 1 for w in data["warehouses"])
    # actor, warehouses, one page of movements for all of them.
    assert counter.count == 3, counter.statements


async def _many_products(db: async_sessionmaker[AsyncSession], world: World, count: int) -> None:
    async with db() as session, session.begin():
        warehouses = [await make_warehouse(session, world.states[n % 2]) for n in range(3)]
        for n in range(count):
            product = await make_product(session)
            for warehouse in warehouses[: 1 + n % 3]:
                await receive(session, product, warehouse, 1 + n)


PAGE = """
query($first: Int) {
  inventory(first: $first) {
    edges { node { name unitsAvailable lowStock
      stock { onHand available warehouse { code location { latitude } state { name } } } } }
  }
}
"""


@pytest.mark.parametrize("role", ["admin", "operator1"])
async def test_a_page_of_50_costs_the_same_statements_as_a_page_of_5(
    client: GraphQLClient,
    world: World,
    db: async_sessionmaker[AsyncSession],
    count_statements: Any,
    role: str,
) -> None:
    await _many_products(db, world, 55)
    counts = []
    for size in (5, 50):
        with count_statements() as counter:
            data = await client.data(PAGE, {"first": size}, token=world.token(role))
        assert len(data["inventory"]["edges"]) == size
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    # The actor with its scope, then the page and the stock levels with their warehouses
    # (and states, one more statement, when the document runs the standard way; it is
    # compiled once seen often): nothing per row.
    assert counts[1] <= 4, counter.statements
