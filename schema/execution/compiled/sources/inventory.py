"""Products, warehouses and stock levels (schema.inventory).

A product's stock, units available and low-stock flag count every warehouse, except for
the products of the ``inventory`` list filtered by a state, which count only that state's
warehouses (``Product.stock_state_id``): the list's rows read from ``PRODUCT_OF_INVENTORY``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause

from models.inventory import Product, StockLevel, Warehouse
from schema.execution.compiled.sources import (
    Build,
    Column,
    Computed,
    Embedded,
    FromList,
    NodeId,
    ObjectSource,
    ToMany,
    ToOne,
    money,
)
from schema.execution.compiled.values import enum_name, instant

WAREHOUSES = Warehouse.__table__  # type: ignore[attr-defined]

WAREHOUSE = ObjectSource(
    "Warehouse",
    WAREHOUSES,
    {
        "id": NodeId(),
        "code": Column("code"),
        "name": Column("name"),
        "address": Column("address"),
        "location": Embedded(
            "Location",
            {"latitude": Column("latitude"), "longitude": Column("longitude")},
            present=("latitude", "longitude"),
        ),
        "active": Column("active"),
        "state": ToOne("State", "state_id"),
        # resolvers.inventory.catalogue.stock_of_warehouse: by product name.
        "stock": ToMany(
            "StockLevel",
            "warehouse_id",
            order=(("Product.name", False), ("Product.id", False)),
            joined=("Product", "product_id"),
        ),
    },
)

STOCK_LEVEL = ObjectSource(
    "StockLevel",
    StockLevel.__table__,  # type: ignore[attr-defined]
    {
        "onHand": Column("on_hand"),
        "reserved": Column("reserved"),
        "available": Computed(("on_hand", "reserved"), lambda _s, on_hand, held: on_hand - held),
        "updatedAt": Column("updated_at", instant),
        "product": ToOne("Product", "product_id"),
        "warehouse": ToOne("Warehouse", "warehouse_id"),
    },
    key="product_id",
)


def _in_filtered_state(build: Build, levels: FromClause) -> ColumnElement[bool] | None:
    """Levels in the warehouses of the state ``inventory`` is filtered by, if it is."""
    if not getattr(build.shape, "state", False):
        return None
    state = build.value("state_id", sa.Integer(), "state")
    in_state = sa.select(WAREHOUSES.c.id).where(WAREHOUSES.c.state_id == state)
    return levels.c.warehouse_id.in_(in_state)


def _available(_settings: Any, levels: list[tuple[int, int]]) -> int:
    return sum(on_hand - held for on_hand, held in levels)


def _low(_settings: Any, active: bool, reorder_level: int, levels: list[tuple[int, int]]) -> bool:
    """``Product.low_stock``: active, and at or below its reorder level."""
    return active and _available(_settings, levels) <= reorder_level


def _product(source_name: str, narrowed: bool) -> ObjectSource:
    stock = ToMany(
        "StockLevel",
        "product_id",
        order=(("Warehouse.name", False), ("Warehouse.id", False)),
        where=_in_filtered_state if narrowed else None,
        joined=("Warehouse", "warehouse_id"),
    )
    held = ("on_hand", "reserved")
    return ObjectSource(
        "Product",
        Product.__table__,  # type: ignore[attr-defined]
        {
            "id": NodeId(),
            "sku": Column("sku"),
            "name": Column("name"),
            "type": Column("product_type", enum_name),
            "unitPrice": money("unit_price_minor"),
            "reorderLevel": Column("reorder_level"),
            "active": Column("active"),
            "unitsAvailable": FromList((), stock, held, _available),
            "lowStock": FromList(("active", "reorder_level"), stock, held, _low),
            "stock": stock,
        },
        source_name=source_name,
    )


PRODUCT = _product("Product", narrowed=False)
PRODUCT_OF_INVENTORY = _product("Product@inventory", narrowed=True)

SOURCES = (WAREHOUSE, STOCK_LEVEL, PRODUCT, PRODUCT_OF_INVENTORY)
