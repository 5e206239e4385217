"""``inventory``: the product list (``resolvers.inventory.catalogue.inventory_page``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause

from models.inventory import StockLevel, Warehouse
from resolvers.errors import DomainError
from schema.execution.compiled.roots import ConnectionRoot, Shape, SortKey
from schema.execution.compiled.sources import Build, Call, Fallback, literals
from schema.relay import decode_id

LEVELS = StockLevel.__table__  # type: ignore[attr-defined]
WAREHOUSES = Warehouse.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class InventoryShape:
    state: bool
    types: tuple[str, ...] | None
    low_stock_only: bool


def prepare(call: Call) -> Shape:
    """``schema.inventory.catalogue.product_filter``'s reading of the filter."""
    given = call.arguments.get("filter") or {}
    state_id = given.get("stateId")
    if state_id is not None:
        try:
            call.values["state_id"] = decode_id(state_id, "State", ["filter", "stateId"])
        except DomainError as error:
            raise Fallback("state refused") from error
    types = given.get("types")
    return InventoryShape(
        state=state_id is not None,
        types=tuple(sorted({str(getattr(t, "value", t)) for t in types}))
        if types is not None
        else None,
        low_stock_only=bool(given.get("lowStockOnly")),
    )


def units_available(
    build: Build, products: FromClause, shape: InventoryShape
) -> ColumnElement[int]:
    """``resolvers.inventory.catalogue.units_available`` of each product row."""
    levels = LEVELS.alias()
    available = sa.select(
        sa.func.coalesce(sa.func.sum(levels.c.on_hand - levels.c.reserved), 0)
    ).where(levels.c.product_id == products.c.id)
    if shape.state:
        state = build.value("state_id", sa.Integer(), "state")
        in_state = sa.select(WAREHOUSES.c.id).where(WAREHOUSES.c.state_id == state)
        available = available.where(levels.c.warehouse_id.in_(in_state))
    return available.scalar_subquery()


def conditions(build: Build, products: FromClause, shape: Shape) -> list[ColumnElement[bool]]:
    assert isinstance(shape, InventoryShape)  # noqa: S101
    found: list[ColumnElement[bool]] = []
    if shape.types is not None:
        found.append(products.c.product_type.in_(literals(shape.types)))
    if shape.low_stock_only:
        available = units_available(build, products, shape)
        found.append(sa.and_(products.c.active.is_(True), available <= products.c.reorder_level))
    return found


def order(_shape: Shape) -> tuple[SortKey, ...]:
    return (SortKey("name", False), SortKey("id", False))


INVENTORY = ConnectionRoot("Product", prepare, conditions, order, node_source="Product@inventory")
