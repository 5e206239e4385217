"""Administration of the catalogue: products and warehouses (ADMIN)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import GraphQLClient
from tests.factories import World
from tests.inventory.api import mutate_ok, refused
from tests.inventory.factories import Inventory, gid, make_warehouse, snapshot


@pytest.fixture
def admin(world: World) -> str:
    return world.token("admin")


async def test_create_and_update_a_product(client: GraphQLClient, world: World, admin: str) -> None:
    created = await mutate_ok(
        client,
        "createProduct",
        {"sku": " fan-1200 ", "name": "  Ceiling   fan ", "type": "FAN", "unitPrice": "1499.5"},
        token=admin,
    )
    product = created["product"]
    assert product | {"id": None} == {
        "id": None,
        "sku": "FAN-1200",
        "name": "Ceiling fan",
        "type": "FAN",
        "unitPrice": {"amount": "1499.50", "currency": "INR"},
        "reorderLevel": 0,
        "active": True,
    }
    updated = await mutate_ok(
        client,
        "updateProduct",
        {"id": product["id"], "reorderLevel": 15, "active": False},
        token=admin,
    )
    assert updated["product"] == {**product, "reorderLevel": 15, "active": False}


PRODUCT_MISTAKES: list[tuple[dict[str, Any], str]] = [
    ({"sku": "bad sku!"}, "sku"),
    ({"sku": "S" * 33}, "sku"),
    ({"name": "  "}, "name"),
    ({"unitPrice": "-1"}, "unitPrice"),
    ({"unitPrice": "1.001"}, "unitPrice"),
    ({"reorderLevel": -1}, "reorderLevel"),
    ({"reorderLevel": 100_001}, "reorderLevel"),
]


async def test_product_validation(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    valid = {"sku": "TV-32", "name": "TV", "type": "TELEVISION", "unitPrice": "9999"}
    before = await snapshot(db)
    for mistake, field in PRODUCT_MISTAKES:
        error = await refused(client, "createProduct", {**valid, **mistake}, token=admin)
        assert (error["code"], error["field"]) == ("VALIDATION", ["input", field]), mistake
    assert await snapshot(db) == before


async def test_duplicates_and_nulls(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    admin = inventory.world.token("admin")
    fan, tv = inventory.products["fan"], inventory.products["tv"]
    before = await snapshot(db)
    error = await refused(
        client,
        "createProduct",
        {"sku": fan.sku.lower(), "name": "Again", "type": "FAN", "unitPrice": "1"},
        token=admin,
    )
    assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "sku"])
    error = await refused(
        client, "updateProduct", {"id": gid("Product", tv), "sku": fan.sku}, token=admin
    )
    assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "sku"])
    error = await refused(
        client, "updateProduct", {"id": gid("Product", tv), "unitPrice": None}, token=admin
    )
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "unitPrice"])
    wh1, wh2 = inventory.warehouses["wh1"], inventory.warehouses["wh2"]
    error = await refused(
        client, "updateWarehouse", {"id": gid("Warehouse", wh2), "code": wh1.code}, token=admin
    )
    assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "code"])
    assert await snapshot(db) == before


async def test_create_and_update_a_warehouse(
    client: GraphQLClient, world: World, admin: str
) -> None:
    state1, state2 = (gid("State", s) for s in world.states)
    created = await mutate_ok(
        client,
        "createWarehouse",
        {
            "stateId": state1,
            "code": "wh-blr",
            "name": "Bengaluru",
            "address": "  12 Main Road ",
            "location": {"latitude": 12.97, "longitude": 77.59},
        },
        token=admin,
    )
    warehouse = created["warehouse"]
    assert (warehouse["code"], warehouse["address"], warehouse["state"]["id"]) == (
        "WH-BLR",
        "12 Main Road",
        state1,
    )
    assert warehouse["location"] == {"latitude": 12.97, "longitude": 77.59}
    # null clears; left out keeps; a warehouse with no history may change state.
    updated = await mutate_ok(
        client,
        "updateWarehouse",
        {"id": warehouse["id"], "location": None, "address": None, "stateId": state2},
        token=admin,
    )
    assert updated["warehouse"] == {
        **warehouse,
        "location": None,
        "address": None,
        "state": {"id": state2},
    }


WAREHOUSE_MISTAKES: list[tuple[dict[str, Any], str, list[str]]] = [
    ({"location": {"latitude": 91, "longitude": 0}}, "VALIDATION", ["location", "latitude"]),
    ({"location": {"latitude": 0, "longitude": -181}}, "VALIDATION", ["location", "longitude"]),
    ({"address": "a" * 301}, "VALIDATION", ["address"]),
    ({"code": "no spaces"}, "VALIDATION", ["code"]),
    ({"stateId": "U3RhdGU6OTk5OTk5"}, "NOT_FOUND", ["stateId"]),  # State:999999
]


async def test_warehouse_validation(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    valid = {"stateId": gid("State", world.states[0]), "code": "WH-X", "name": "X"}
    before = await snapshot(db)
    for mistake, code, field in WAREHOUSE_MISTAKES:
        error = await refused(client, "createWarehouse", {**valid, **mistake}, token=admin)
        assert (error["code"], error["field"]) == (code, ["input", *field]), mistake
    assert await snapshot(db) == before


async def test_a_warehouse_with_history_stays_in_its_state(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    admin = inventory.world.token("admin")
    state2 = gid("State", inventory.world.states[1])
    before = await snapshot(db)
    error = await refused(
        client,
        "updateWarehouse",
        {"id": inventory.warehouse("wh1b"), "stateId": state2},
        token=admin,
    )
    assert (error["code"], error["field"]) == ("CONFLICT", ["input", "stateId"])
    assert await snapshot(db) == before
    async with db() as session, session.begin():
        empty = await make_warehouse(session, inventory.world.states[0])
    moved = await mutate_ok(
        client, "updateWarehouse", {"id": gid("Warehouse", empty), "stateId": state2}, token=admin
    )
    assert moved["warehouse"]["state"]["id"] == state2


async def test_a_discontinued_product_cannot_be_requested(
    client: GraphQLClient, inventory: Inventory
) -> None:
    world = inventory.world
    await mutate_ok(
        client,
        "updateProduct",
        {"id": inventory.product("tv"), "active": False},
        token=world.token("admin"),
    )
    error = await refused(
        client,
        "createPurchaseRequest",
        {
            "productId": inventory.product("tv"),
            "warehouseId": inventory.warehouse("wh1"),
            "quantity": 3,
            "reason": "Demand",
        },
        token=world.token("cluster1"),
    )
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "productId"])
