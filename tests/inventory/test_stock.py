"""adjustStock and transferStock through the app's documents: levels, movements and
outbox events."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from strawberry import relay

from models import Notification, OutboxEvent, StockMovement
from tests.conftest import GraphQLClient
from tests.inventory.api import mutate_ok, refused
from tests.inventory.factories import Inventory, gid, snapshot


async def stock_events(db: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with db() as session:
        rows = await session.execute(
            sa.select(col(OutboxEvent.subject_id), col(OutboxEvent.payload))
            .where(col(OutboxEvent.topic) == "stock")
            .order_by(col(OutboxEvent.id))
        )
        return [{"productId": subject_id, **payload} for subject_id, payload in rows]


async def test_adjust(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    world = inventory.world
    payload = await mutate_ok(
        client,
        "adjustStock",
        {
            "productId": inventory.product("fan"),
            "warehouseId": inventory.warehouse("wh1"),
            "delta": -3,
            "reason": " Damaged in the rain ",
        },
        token=world.token("state1"),
    )
    assert payload["stockLevel"]["onHand"] == payload["stockLevel"]["available"] == 17
    movement = payload["movement"]
    assert (movement["kind"], movement["quantity"], movement["reason"]) == (
        "ADJUSTMENT",
        -3,
        "Damaged in the rain",
    )
    assert movement["actor"]["id"] == gid("User", world.users["state1"])
    (event,) = await stock_events(db)
    wh1 = inventory.warehouses["wh1"]
    assert event == {
        "productId": inventory.products["fan"].id,
        "action": "ADJUST",
        "warehouseId": wh1.id,
        "stateId": wh1.state_id,
        "movementIds": [int(_node_id(movement["id"]))],
    }
    async with db() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def _node_id(global_id: str) -> str:
    return relay.GlobalID.from_id(global_id).node_id


async def test_a_first_adjustment_creates_the_level(
    client: GraphQLClient, inventory: Inventory
) -> None:
    """A discontinued product found in a warehouse that never had it: admin books it in."""
    payload = await mutate_ok(
        client,
        "adjustStock",
        {
            "productId": inventory.product("fridge"),
            "warehouseId": inventory.warehouse("wh2"),
            "delta": 2,
            "reason": "Found in the count",
        },
        token=inventory.world.token("admin"),
    )
    assert payload["stockLevel"]["onHand"] == 2


TRANSFERRED = """
query($id: ID!) { node(id: $id) { ... on Product { stock { onHand warehouse { id } } } } }
"""


async def test_transfer(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    world = inventory.world
    payload = await mutate_ok(
        client,
        "transferStock",
        {
            "productId": inventory.product("tv"),
            "fromWarehouseId": inventory.warehouse("wh1"),
            "toWarehouseId": inventory.warehouse("wh1b"),
            "quantity": 2,
            "reason": "Depot demand",
        },
        token=world.token("state1"),
    )
    assert payload["source"] == {
        "onHand": 1,
        "available": 1,
        "warehouse": {"id": inventory.warehouse("wh1"), "code": inventory.warehouses["wh1"].code},
    }
    # The depot never had a TV: its level is created by the transfer.
    assert payload["destination"]["onHand"] == 2
    out, into = payload["movements"]
    assert (out["kind"], out["quantity"], out["warehouse"]["id"]) == (
        "TRANSFER_OUT",
        -2,
        inventory.warehouse("wh1"),
    )
    assert (into["kind"], into["quantity"], into["warehouse"]["id"]) == (
        "TRANSFER_IN",
        2,
        inventory.warehouse("wh1b"),
    )
    assert out["reference"] == into["reference"]
    assert out["reference"].startswith("TRF-")
    assert [e["action"] for e in await stock_events(db)] == ["TRANSFER", "TRANSFER"]

    # Back again, towards the lower id, with a waybill: the payload still reads out, in.
    back = await mutate_ok(
        client,
        "transferStock",
        {
            "productId": inventory.product("tv"),
            "fromWarehouseId": inventory.warehouse("wh1b"),
            "toWarehouseId": inventory.warehouse("wh1"),
            "quantity": 2,
            "reference": "WB-77",
        },
        token=world.token("state1"),
    )
    assert [m["kind"] for m in back["movements"]] == ["TRANSFER_OUT", "TRANSFER_IN"]
    assert {m["reference"] for m in back["movements"]} == {"WB-77"}
    data = await client.data(
        TRANSFERRED, {"id": inventory.product("tv")}, token=world.token("csa1")
    )
    assert {(s["warehouse"]["id"], s["onHand"]) for s in data["node"]["stock"]} == {
        (inventory.warehouse("wh1"), 3),
        (inventory.warehouse("wh1b"), 0),
        (inventory.warehouse("wh2"), 1),
    }


async def test_an_admin_transfers_between_states(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    await mutate_ok(
        client,
        "transferStock",
        {
            "productId": inventory.product("fan"),
            "fromWarehouseId": inventory.warehouse("wh2"),
            "toWarehouseId": inventory.warehouse("wh1"),
            "quantity": 7,
        },
        token=inventory.world.token("admin"),
    )
    events = await stock_events(db)
    assert {e["stateId"] for e in events} == {s.id for s in inventory.world.states}


async def test_a_closed_warehouse_takes_nothing_in_but_can_be_emptied(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    world = inventory.world
    await mutate_ok(
        client,
        "updateWarehouse",
        {"id": inventory.warehouse("wh1b"), "active": False},
        token=world.token("admin"),
    )
    before = await snapshot(db)
    into = {
        "productId": inventory.product("fan"),
        "fromWarehouseId": inventory.warehouse("wh1"),
        "toWarehouseId": inventory.warehouse("wh1b"),
        "quantity": 1,
    }
    error = await refused(client, "transferStock", into, token=world.token("state1"))
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "toWarehouseId"])
    request = {
        "productId": inventory.product("fan"),
        "warehouseId": inventory.warehouse("wh1b"),
        "quantity": 1,
        "reason": "Restock",
    }
    error = await refused(client, "createPurchaseRequest", request, token=world.token("cluster1"))
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "warehouseId"])
    assert await snapshot(db) == before
    out = {
        **into,
        "fromWarehouseId": into["toWarehouseId"],
        "toWarehouseId": into["fromWarehouseId"],
    }
    await mutate_ok(client, "transferStock", {**out, "quantity": 4}, token=world.token("state1"))
    async with db() as session:
        total = await session.scalar(
            sa.select(sa.func.sum(col(StockMovement.quantity))).where(
                col(StockMovement.warehouse_id) == inventory.warehouses["wh1b"].id,
                col(StockMovement.product_id) == inventory.products["fan"].id,
            )
        )
    assert total == 0
