"""Administration of the inventory catalogue (ADMIN): create and update products and
warehouses, in one transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import write_session
from models.base import utcnow
from models.geography import State
from models.inventory import (
    Product,
    ProductType,
    PurchaseRequest,
    StockMovement,
    Warehouse,
)
from resolvers.admin import (
    UNCHANGED,
    Unchanged,
    UniqueField,
    clean_change,
    ensure_unique,
    flush_checked,
    get_or_not_found,
    require_admin,
)
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode
from resolvers.inventory.catalogue import (
    Location,
    check_location,
    check_reorder_level,
    clean_address,
    clean_sku,
)
from resolvers.validation import (
    clean_code,
    clean_name,
    input_field,
    money_to_minor,
)

MANAGE_CATALOGUE = "manage products and warehouses"
PRODUCT_SKU = UniqueField(Product, "sku", input_field("sku"), "SKU")
WAREHOUSE_CODE = UniqueField(Warehouse, "code", input_field("code"), "Warehouse code")


@dataclass(frozen=True, slots=True)
class NewProduct:
    sku: str
    name: str
    product_type: ProductType
    unit_price: Decimal
    reorder_level: int = 0
    active: bool = True


@dataclass(frozen=True, slots=True)
class ProductChanges:
    sku: str | Unchanged = UNCHANGED
    name: str | Unchanged = UNCHANGED
    product_type: ProductType | Unchanged = UNCHANGED
    unit_price: Decimal | Unchanged = UNCHANGED
    reorder_level: int | Unchanged = UNCHANGED
    active: bool | Unchanged = UNCHANGED


@dataclass(frozen=True, slots=True)
class NewWarehouse:
    state_id: int
    code: str
    name: str
    address: str | None = None
    location: Location | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class WarehouseChanges:
    code: str | Unchanged = UNCHANGED
    name: str | Unchanged = UNCHANGED
    state_id: int | Unchanged = UNCHANGED
    address: str | Unchanged | None = UNCHANGED
    location: Location | Unchanged | None = UNCHANGED
    active: bool | Unchanged = UNCHANGED


async def create_product(ctx: RequestContext, new: NewProduct) -> Product:
    """A new product with a unique SKU; the price is stored in minor units."""
    require_admin(ctx, MANAGE_CATALOGUE)
    now = utcnow()
    product = Product(
        sku=clean_sku(new.sku, input_field("sku")),
        name=clean_name(new.name, input_field("name")),
        product_type=new.product_type,
        unit_price_minor=money_to_minor(new.unit_price, input_field("unitPrice")),
        reorder_level=check_reorder_level(new.reorder_level, input_field("reorderLevel")),
        active=new.active,
        created_at=now,
        updated_at=now,
    )
    async with write_session(ctx.sessions) as session:
        await ensure_unique(session, PRODUCT_SKU, product.sku)
        session.add(product)
        await flush_checked(session, [PRODUCT_SKU])
    return product


async def update_product(ctx: RequestContext, product_id: int, changes: ProductChanges) -> Product:
    """Change a product. Its stock and ledger stay; a discontinued one cannot be purchased."""
    require_admin(ctx, MANAGE_CATALOGUE)
    sku = clean_change(changes.sku, clean_sku, input_field("sku"))
    name = clean_change(changes.name, clean_name, input_field("name"))
    price_minor = clean_change(changes.unit_price, money_to_minor, input_field("unitPrice"))
    reorder_level = clean_change(
        changes.reorder_level, check_reorder_level, input_field("reorderLevel")
    )
    async with write_session(ctx.sessions) as session:
        product = await get_or_not_found(session, Product, product_id, "Product", input_field("id"))
        if sku is not UNCHANGED:
            await ensure_unique(session, PRODUCT_SKU, sku, except_id=product_id)
            product.sku = sku
        if name is not UNCHANGED:
            product.name = name
        if changes.product_type is not UNCHANGED:
            product.product_type = changes.product_type
        if price_minor is not UNCHANGED:
            product.unit_price_minor = price_minor
        if reorder_level is not UNCHANGED:
            product.reorder_level = reorder_level
        if changes.active is not UNCHANGED:
            product.active = changes.active
        product.updated_at = utcnow()
        await flush_checked(session, [PRODUCT_SKU])
    return product


async def _require_state(session: AsyncSession, state_id: int) -> None:
    await get_or_not_found(session, State, state_id, "State", input_field("stateId"))


async def _ensure_no_history(session: AsyncSession, warehouse_id: int) -> None:
    """A warehouse with stock or purchases stays in its state: moving it would move them
    out of the hands of the in-charges who answer for them."""
    for model, column in (
        (StockMovement, StockMovement.warehouse_id),
        (PurchaseRequest, PurchaseRequest.warehouse_id),
    ):
        statement = sa.select(col(model.id)).where(col(column) == warehouse_id).limit(1)
        if (await session.execute(statement)).first() is not None:
            raise DomainError(
                ErrorCode.CONFLICT,
                "The warehouse has stock movements or purchase requests, so it stays in its "
                "state; create a warehouse in the other state and transfer the stock.",
                input_field("stateId"),
            )


def _set_location(warehouse: Warehouse, location: Location | None) -> None:
    warehouse.latitude = location.latitude if location else None
    warehouse.longitude = location.longitude if location else None


async def create_warehouse(ctx: RequestContext, new: NewWarehouse) -> Warehouse:
    """A new warehouse in a state, with a unique code."""
    require_admin(ctx, MANAGE_CATALOGUE)
    warehouse = Warehouse(
        code=clean_code(new.code, input_field("code")),
        name=clean_name(new.name, input_field("name")),
        state_id=new.state_id,
        address=clean_address(new.address, input_field("address")),
        active=new.active,
        created_at=utcnow(),
    )
    if new.location is not None:
        _set_location(warehouse, check_location(new.location, input_field("location")))
    async with write_session(ctx.sessions) as session:
        await _require_state(session, new.state_id)
        await ensure_unique(session, WAREHOUSE_CODE, warehouse.code)
        session.add(warehouse)
        await flush_checked(session, [WAREHOUSE_CODE])
    return warehouse


async def update_warehouse(
    ctx: RequestContext, warehouse_id: int, changes: WarehouseChanges
) -> Warehouse:
    """Change a warehouse. Its state can be corrected only while it has no stock history."""
    require_admin(ctx, MANAGE_CATALOGUE)
    code = clean_change(changes.code, clean_code, input_field("code"))
    name = clean_change(changes.name, clean_name, input_field("name"))
    address = (
        changes.address
        if changes.address is UNCHANGED
        else clean_address(changes.address, input_field("address"))
    )
    location = (
        changes.location
        if changes.location is UNCHANGED or changes.location is None
        else check_location(changes.location, input_field("location"))
    )
    async with write_session(ctx.sessions) as session:
        warehouse = await get_or_not_found(
            session, Warehouse, warehouse_id, "Warehouse", input_field("id")
        )
        if changes.state_id is not UNCHANGED and changes.state_id != warehouse.state_id:
            await _require_state(session, changes.state_id)
            await _ensure_no_history(session, warehouse_id)
            warehouse.state_id = changes.state_id
        if code is not UNCHANGED:
            await ensure_unique(session, WAREHOUSE_CODE, code, except_id=warehouse_id)
            warehouse.code = code
        if name is not UNCHANGED:
            warehouse.name = name
        if address is not UNCHANGED:
            warehouse.address = address
        if location is not UNCHANGED:
            _set_location(warehouse, location)
        if changes.active is not UNCHANGED:
            warehouse.active = changes.active
        await flush_checked(session, [WAREHOUSE_CODE])
    return warehouse
