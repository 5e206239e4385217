"""Factory functions for inventory tests: products, warehouses, stock (always through the
ledger, so that levels equal their movements) and purchase requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    MovementKind,
    Product,
    ProductType,
    PurchaseRequest,
    PurchaseStatus,
    State,
    User,
    Warehouse,
)
from models.base import utcnow
from resolvers.inventory.stock import move_stock
from schema.relay import encode_id
from tests.factories import World, unique

# Every table an inventory operation may write, to show that a refusal changed nothing.
INVENTORY_TABLES = (
    "products",
    "warehouses",
    "stock_levels",
    "stock_movements",
    "purchase_requests",
    "outbox_events",
    "notifications",
)


def gid(type_name: str, row: Any) -> str:
    """The global id of a row (or of a plain id)."""
    row_id = row if isinstance(row, int) else row.id
    assert row_id is not None
    return encode_id(type_name, row_id)


async def make_product(
    session: AsyncSession,
    *,
    product_type: ProductType = ProductType.FAN,
    unit_price_minor: int = 150_000,
    reorder_level: int = 5,
    **fields: Any,
) -> Product:
    sku = unique("SKU-")
    product = Product(
        **{
            "sku": sku,
            "name": f"Product {sku}",
            "product_type": product_type,
            "unit_price_minor": unit_price_minor,
            "reorder_level": reorder_level,
            **fields,
        }
    )
    session.add(product)
    await session.flush()
    return product


async def make_warehouse(session: AsyncSession, state: State, **fields: Any) -> Warehouse:
    code = unique("WH-")
    warehouse = Warehouse(
        **{
            "code": code,
            "name": f"Warehouse {code}",
            "state_id": state.id,
            "address": f"{code} Main Road",
            "latitude": 12.97,
            "longitude": 77.59,
            **fields,
        }
    )
    session.add(warehouse)
    await session.flush()
    return warehouse


async def receive(
    session: AsyncSession,
    product: Product,
    warehouse: Warehouse,
    units: int,
    actor: User | None = None,
) -> None:
    """Stock arriving, through the ledger (the caller's transaction)."""
    assert product.id is not None and warehouse.id is not None
    await move_stock(
        session,
        product_id=product.id,
        warehouse_id=warehouse.id,
        kind=MovementKind.RECEIPT,
        quantity=units,
        actor_id=actor.id if actor else None,
        reason="Opening stock",
        reference="OPENING",
    )


async def make_purchase_request(
    session: AsyncSession,
    product: Product,
    warehouse: Warehouse,
    requester: User,
    *,
    status: PurchaseStatus = PurchaseStatus.PENDING,
    quantity: int = 10,
    decider: User | None = None,
    **fields: Any,
) -> PurchaseRequest:
    decided = status is not PurchaseStatus.PENDING
    request = PurchaseRequest(
        **{
            "product_id": product.id,
            "warehouse_id": warehouse.id,
            "quantity": quantity,
            "reason": "Running low",
            "status": status,
            "requested_by_id": requester.id,
            "decided_by_id": decider.id if decided and decider else None,
            "decided_at": utcnow() if decided else None,
            **fields,
        }
    )
    session.add(request)
    await session.flush()
    return request


@dataclass
class Inventory:
    """Stock in the small world of tests/factories.py.

    state1: wh1 (fan 20, tv 3), wh1b (fan 4); state2: wh2 (fan 7, tv 1).
    fridge: discontinued, 2 left at wh1b. Purchase requests: PENDING by cluster1 at wh1
    (pending1) and by cluster2 at wh1b (pending1b); APPROVED by cluster1 at wh1, for 8
    TVs (approved1) and 5 fans (approved1b); PENDING by state2 at wh2 (pending2).
    """

    world: World
    products: dict[str, Product] = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    requests: dict[str, PurchaseRequest] = field(default_factory=dict)

    def product(self, name: str) -> str:
        return gid("Product", self.products[name])

    def warehouse(self, name: str) -> str:
        return gid("Warehouse", self.warehouses[name])

    def request(self, name: str) -> str:
        return gid("PurchaseRequest", self.requests[name])


ValidInput = Callable[[Inventory], dict[str, Any]]

# A valid input of each purchase and stock mutation in this world, which every role allowed
# the mutation may send as it is: the permission table sends it as every role, and each
# bad-input case replaces some of its fields.
VALID_INPUTS: dict[str, ValidInput] = {
    "createPurchaseRequest": lambda i: {
        "productId": i.product("fan"),
        "warehouseId": i.warehouse("wh1"),
        "quantity": 5,
        "reason": "Scheme demand",
    },
    "approvePurchaseRequest": lambda i: {"purchaseRequestId": i.request("pending1")},
    "rejectPurchaseRequest": lambda i: {
        "purchaseRequestId": i.request("pending1"),
        "reason": "No budget",
    },
    "receivePurchase": lambda i: {
        "purchaseRequestId": i.request("approved1"),
        "quantityReceived": 2,
    },
    "adjustStock": lambda i: {
        "productId": i.product("fan"),
        "warehouseId": i.warehouse("wh1"),
        "delta": -2,
        "reason": "Damaged",
    },
    "transferStock": lambda i: {
        "productId": i.product("fan"),
        "fromWarehouseId": i.warehouse("wh1"),
        "toWarehouseId": i.warehouse("wh1b"),
        "quantity": 3,
    },
}


async def build_inventory(db: async_sessionmaker[AsyncSession], world: World) -> Inventory:
    inventory = Inventory(world=world)
    state1, state2 = world.states
    users = world.users
    async with db() as session, session.begin():
        fan = await make_product(session, product_type=ProductType.FAN, reorder_level=5)
        tv = await make_product(
            session, product_type=ProductType.TELEVISION, unit_price_minor=1_250_000
        )
        fridge = await make_product(
            session, product_type=ProductType.REFRIGERATOR, reorder_level=10, active=False
        )
        wh1 = await make_warehouse(session, state1)
        wh1b = await make_warehouse(session, state1)
        wh2 = await make_warehouse(session, state2, latitude=None, longitude=None)
        for product, warehouse, units in (
            (fan, wh1, 20),
            (tv, wh1, 3),
            (fan, wh1b, 4),
            (fridge, wh1b, 2),
            (fan, wh2, 7),
            (tv, wh2, 1),
        ):
            await receive(session, product, warehouse, units, users["admin"])
        inventory.products = {"fan": fan, "tv": tv, "fridge": fridge}
        inventory.warehouses = {"wh1": wh1, "wh1b": wh1b, "wh2": wh2}
        inventory.requests = {
            "pending1": await make_purchase_request(session, fan, wh1, users["cluster1"]),
            "approved1": await make_purchase_request(
                session,
                tv,
                wh1,
                users["cluster1"],
                status=PurchaseStatus.APPROVED,
                quantity=8,
                decider=users["state1"],
            ),
            "pending1b": await make_purchase_request(session, fan, wh1b, users["cluster2"]),
            "approved1b": await make_purchase_request(
                session,
                fan,
                wh1,
                users["cluster1"],
                status=PurchaseStatus.APPROVED,
                quantity=5,
                decider=users["state1"],
            ),
            "pending2": await make_purchase_request(session, fan, wh2, users["state2"]),
        }
    return inventory


async def snapshot(db: async_sessionmaker[AsyncSession]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables inventory operations write."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with db() as session:
        for table in INVENTORY_TABLES:
            result = await session.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608
            rows[table] = sorted((tuple(row) for row in result), key=repr)
    return rows
