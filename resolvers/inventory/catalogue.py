"""Product inventory: reading products, warehouses, stock levels and the stock ledger
(every signed-in user), who may act on which warehouse, and the checks of inventory input.

Administration of products and warehouses is ``resolvers.inventory.admin``; the ledger
itself (moving stock) is ``resolvers.inventory.stock``; purchase requests are
``resolvers.inventory.purchases``.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from auth.actor import Actor
from models.inventory import (
    Product,
    ProductType,
    StockLevel,
    StockMovement,
    Warehouse,
)
from models.staff import Role
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode, forbidden
from resolvers.pagination import Page, PageArgs, SortKey, paginate_partitioned
from resolvers.validation import (
    invalid,
)

# Quantities people type (a purchase, a receipt, a transfer, an adjustment): a positive
# whole number of units up to this. Far above any real delivery to a mini-grid
# warehouse, far below what would overflow the 32-bit level column.
MAX_QUANTITY = 100_000
# The stock_levels.on_hand column is a 32-bit INTEGER.
MAX_ON_HAND = 2**31 - 1
SKU_MAX_LENGTH = 32
SKU_PATTERN = re.compile(rf"^[A-Z0-9-]{{1,{SKU_MAX_LENGTH}}}$")
ADDRESS_MAX_LENGTH = 300
TEXT_MAX_LENGTH = 500  # reasons and notes: the columns' length
REFERENCE_MAX_LENGTH = 64


# Who may act on stock, and where.


def require_role(ctx: RequestContext, action: str, *roles: Role) -> Actor:
    """The actor, if their role is one of ``roles``: UNAUTHENTICATED or FORBIDDEN otherwise."""
    actor = ctx.require_actor()
    if actor.role not in roles:
        raise forbidden(action)
    return actor


async def state_of_actor(ctx: RequestContext, actor: Actor) -> int | None:
    """The state an in-charge works in: a state in-charge's own, a cluster in-charge's
    cluster's. None for everyone else (an ADMIN works everywhere)."""
    if actor.role is Role.STATE_INCHARGE:
        return actor.state_id
    if actor.role is Role.CLUSTER_INCHARGE and actor.cluster_id is not None:
        cluster = await ctx.loaders.cluster_by_id.load(actor.cluster_id)
        return cluster.state_id if cluster is not None else None
    return None


def warehouses_of_state(state_id: int) -> sa.Select[Any]:
    """The ids of a state's warehouses, as a subquery for ``IN``."""
    return sa.select(col(Warehouse.id)).where(col(Warehouse.state_id) == state_id)


def check_warehouse_in_state(
    actor: Actor, actor_state_id: int | None, warehouse: Warehouse, action: str, field: list[str]
) -> None:
    """FORBIDDEN unless an ADMIN, or the warehouse lies in the actor's state.

    Warehouses are catalogue data everyone may read, so this is FORBIDDEN, not
    NOT_FOUND: nothing is hidden by refusing.
    """
    if actor.is_admin:
        return
    if actor_state_id is None or warehouse.state_id != actor_state_id:
        raise DomainError(
            ErrorCode.FORBIDDEN, f"You may {action} only in warehouses of your state.", field
        )


# Checking what people type.


def check_quantity(value: int, field: list[str]) -> int:
    """A number of units: a whole number from 1 to MAX_QUANTITY."""
    if value <= 0:
        raise invalid("Give a quantity greater than zero.", field)
    if value > MAX_QUANTITY:
        raise invalid(f"A quantity is at most {MAX_QUANTITY:,} units.", field)
    return value


def check_delta(value: int, field: list[str]) -> int:
    """A signed change of units: not zero, at most MAX_QUANTITY either way."""
    if value == 0:
        raise invalid("A change of zero units changes nothing.", field)
    if abs(value) > MAX_QUANTITY:
        raise invalid(f"A change is at most {MAX_QUANTITY:,} units either way.", field)
    return value


def clean_text(
    value: str | None,
    field: list[str],
    *,
    required: bool,
    max_length: int = TEXT_MAX_LENGTH,
    what: str = "a reason",
) -> str | None:
    """Free text (a reason, a note): trimmed; empty is None unless ``required``."""
    text = (value or "").strip()
    if not text:
        if required:
            raise invalid(f"Give {what}.", field)
        return None
    if len(text) > max_length:
        raise invalid(f"At most {max_length} characters.", field)
    return text


def clean_sku(value: str, field: list[str]) -> str:
    """A stock-keeping unit: 1-32 of A-Z, 0-9 and '-', stored in upper case."""
    sku = value.strip().upper()
    if not SKU_PATTERN.fullmatch(sku):
        raise invalid(
            f"A SKU is 1 to {SKU_MAX_LENGTH} letters, digits or '-' (for example FAN-1200).",
            field,
        )
    return sku


def check_reorder_level(value: int, field: list[str]) -> int:
    if not 0 <= value <= MAX_QUANTITY:
        raise invalid(f"A reorder level is from 0 to {MAX_QUANTITY:,} units.", field)
    return value


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float


def check_location(value: Location, field: list[str]) -> Location:
    """A point on Earth in decimal degrees."""
    if not (math.isfinite(value.latitude) and -90 <= value.latitude <= 90):
        raise invalid("Latitude is between -90 and 90 degrees.", [*field, "latitude"])
    if not (math.isfinite(value.longitude) and -180 <= value.longitude <= 180):
        raise invalid("Longitude is between -180 and 180 degrees.", [*field, "longitude"])
    return value


def clean_address(value: str | None, field: list[str]) -> str | None:
    return clean_text(value, field, required=False, max_length=ADDRESS_MAX_LENGTH)


# Reading: products and the inventory list.


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """Narrows the product list. ``state_id`` also narrows each product's stock to the
    warehouses of that state (units available, stock per warehouse, low stock)."""

    state_id: int | None = None
    types: tuple[ProductType, ...] | None = None
    low_stock_only: bool = False


PRODUCT_ORDER = (SortKey(col(Product.name), "name"), SortKey(col(Product.id), "id"))


def units_available(state_id: int | None) -> Any:
    """Per product (correlated): units on hand and not reserved, in ``state_id``'s
    warehouses or in all. Served by the stock_levels primary key (product_id, ...)."""
    levels = sa.select(
        sa.func.coalesce(sa.func.sum(col(StockLevel.on_hand) - col(StockLevel.reserved)), 0)
    ).where(col(StockLevel.product_id) == col(Product.id))
    if state_id is not None:
        levels = levels.where(col(StockLevel.warehouse_id).in_(warehouses_of_state(state_id)))
    return levels.scalar_subquery()


def units_on_hand(state_id: int | None) -> Any:
    """Per product (correlated): units on hand, as a 64-bit number for multiplying."""
    levels = sa.select(
        sa.func.coalesce(sa.func.sum(sa.cast(col(StockLevel.on_hand), sa.BigInteger)), 0)
    ).where(col(StockLevel.product_id) == col(Product.id))
    if state_id is not None:
        levels = levels.where(col(StockLevel.warehouse_id).in_(warehouses_of_state(state_id)))
    return levels.scalar_subquery()


def low_stock_clause(available: Any) -> Any:
    """At or below the reorder level; discontinued products are never re-ordered."""
    return sa.and_(col(Product.active).is_(True), available <= col(Product.reorder_level))


def is_low_stock(product: Product, available: int) -> bool:
    """:func:`low_stock_clause`, for a product already loaded."""
    return product.active and available <= product.reorder_level


def _product_conditions(filter: ProductFilter) -> list[Any]:
    conditions: list[Any] = []
    if filter.types is not None:
        conditions.append(col(Product.product_type).in_(filter.types))
    if filter.low_stock_only:
        conditions.append(low_stock_clause(units_available(filter.state_id)))
    return conditions


def products_statement(ctx: RequestContext, filter: ProductFilter) -> sa.Select[Any]:
    ctx.require_actor()
    return sa.select(Product).where(*_product_conditions(filter))


async def list_products(ctx: RequestContext, filter: ProductFilter) -> list[Product]:
    """Every product matching ``filter``, active or discontinued, in name order."""
    statement = products_statement(ctx, filter).order_by(col(Product.name), col(Product.id))
    async with ctx.sessions() as session:
        return list((await session.execute(statement)).scalars().all())


async def inventory_page(
    ctx: RequestContext, filter: ProductFilter, page: PageArgs
) -> Page[Product]:
    """The inventory list: a page of products matching ``filter``, in name order."""
    return await ctx.paginate(products_statement(ctx, filter), PRODUCT_ORDER, page)


@dataclass(frozen=True, slots=True)
class InventoryOverview:
    """The overview bar's figures; stock value in minor units."""

    product_count: int
    units_available: int
    stock_value_minor: int
    low_stock_count: int


async def inventory_overview(ctx: RequestContext, filter: ProductFilter) -> InventoryOverview:
    """Totals over the products of ``filter`` (and their stock in its state), one statement."""
    ctx.require_actor()
    available = units_available(filter.state_id)
    per_product = (
        sa.select(
            available.label("available"),
            (units_on_hand(filter.state_id) * col(Product.unit_price_minor)).label("value"),
            sa.case((low_stock_clause(available), 1), else_=0).label("low"),
        )
        .where(*_product_conditions(filter))
        .subquery()
    )
    statement = sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(per_product.c.available), 0),
        sa.func.coalesce(sa.func.sum(per_product.c.value), 0),
        sa.func.coalesce(sa.func.sum(per_product.c.low), 0),
    )
    async with ctx.sessions() as session:
        count, units, value, low = (await session.execute(statement)).one()
    return InventoryOverview(
        product_count=int(count),
        units_available=int(units),
        stock_value_minor=int(value),
        low_stock_count=int(low),
    )


async def list_warehouses(ctx: RequestContext, state_id: int | None) -> list[Warehouse]:
    """Warehouses, active or not, of one state or all, in name order."""
    ctx.require_actor()
    statement = sa.select(Warehouse).order_by(col(Warehouse.name), col(Warehouse.id))
    if state_id is not None:
        statement = statement.where(col(Warehouse.state_id) == state_id)
    async with ctx.sessions() as session:
        return list((await session.execute(statement)).scalars().all())


# Loaders: every relation of the inventory types resolves through one of these.


def _by_id_batch(ctx: RequestContext, model: Any) -> Any:
    async def batch(ids: list[int]) -> list[Any]:
        statement = sa.select(model).where(col(model.id).in_(ids))
        async with ctx.sessions() as session:
            found = {row.id: row for row in (await session.execute(statement)).scalars()}
        return [found.get(i) for i in ids]

    return batch


async def products_by_id(ctx: RequestContext, ids: Sequence[int]) -> list[Product | None]:
    """Products (catalogue: everyone may read them) by id; batched per request."""
    loader = ctx.loaders.named("product_by_id", _by_id_batch(ctx, Product))
    return list(await loader.load_many(list(ids)))


async def product_by_id(ctx: RequestContext, product_id: int) -> Product:
    """A product another row refers to (a foreign key guarantees it exists)."""
    (product,) = await products_by_id(ctx, [product_id])
    if product is None:  # pragma: no cover - only if the database lost a foreign key
        raise LookupError(f"product {product_id} missing")
    return product


async def warehouses_by_id(ctx: RequestContext, ids: Sequence[int]) -> list[Warehouse | None]:
    """Warehouses (catalogue: everyone may read them) by id; batched per request."""
    loader = ctx.loaders.named("warehouse_by_id", _by_id_batch(ctx, Warehouse))
    return list(await loader.load_many(list(ids)))


async def warehouse_by_id(ctx: RequestContext, warehouse_id: int) -> Warehouse:
    """A warehouse another row refers to (a foreign key guarantees it exists)."""
    (warehouse,) = await warehouses_by_id(ctx, [warehouse_id])
    if warehouse is None:  # pragma: no cover - only if the database lost a foreign key
        raise LookupError(f"warehouse {warehouse_id} missing")
    return warehouse


async def movements_by_id(ctx: RequestContext, ids: Sequence[int]) -> list[StockMovement | None]:
    loader = ctx.loaders.named("stock_movement_by_id", _by_id_batch(ctx, StockMovement))
    return list(await loader.load_many(list(ids)))


def _prime_warehouses(ctx: RequestContext, warehouses: Sequence[Warehouse]) -> None:
    """Warehouses read alongside stock levels need no second trip for ``level.warehouse``."""
    loader = ctx.loaders.named("warehouse_by_id", _by_id_batch(ctx, Warehouse))
    for warehouse in warehouses:
        loader.prime(warehouse.id, warehouse)


async def stock_of_product(
    ctx: RequestContext, product_id: int, state_id: int | None
) -> list[StockLevel]:
    """A product's stock levels, in warehouse name order; in one state's warehouses if
    ``state_id`` is given. Every product of a page costs one statement together."""

    async def batch(keys: list[tuple[int, int | None]]) -> list[list[StockLevel]]:
        by_state: dict[int | None, list[int]] = defaultdict(list)
        for key_product, key_state in keys:
            by_state[key_state].append(key_product)
        grouped: dict[tuple[int, int | None], list[StockLevel]] = defaultdict(list)
        async with ctx.sessions() as session:
            for key_state, product_ids in by_state.items():
                statement = (
                    sa.select(StockLevel, Warehouse)
                    .join(Warehouse, col(Warehouse.id) == col(StockLevel.warehouse_id))
                    .where(col(StockLevel.product_id).in_(product_ids))
                    .order_by(col(Warehouse.name), col(Warehouse.id))
                )
                if key_state is not None:
                    statement = statement.where(col(Warehouse.state_id) == key_state)
                rows = (await session.execute(statement)).all()
                _prime_warehouses(ctx, [warehouse for _, warehouse in rows])
                for level, _ in rows:
                    grouped[(level.product_id, key_state)].append(level)
        return [grouped.get(key, []) for key in keys]

    loader = ctx.loaders.named("stock_of_product", batch)
    return await loader.load((product_id, state_id))


async def stock_of_warehouse(ctx: RequestContext, warehouse_id: int) -> list[StockLevel]:
    """A warehouse's stock levels, in product name order, batched across warehouses."""

    async def batch(warehouse_ids: list[int]) -> list[list[StockLevel]]:
        statement = (
            sa.select(StockLevel)
            .join(Product, col(Product.id) == col(StockLevel.product_id))
            .where(col(StockLevel.warehouse_id).in_(warehouse_ids))
            .order_by(col(Product.name), col(Product.id))
        )
        grouped: dict[int, list[StockLevel]] = defaultdict(list)
        async with ctx.sessions() as session:
            for level in (await session.execute(statement)).scalars():
                grouped[level.warehouse_id].append(level)
        return [grouped.get(warehouse_id, []) for warehouse_id in warehouse_ids]

    loader = ctx.loaders.named("stock_of_warehouse", batch)
    return await loader.load(warehouse_id)


# The ledger, newest first: ids grow with time, and (product_id, warehouse_id, id) and
# (warehouse_id, id) index it.
MOVEMENT_ORDER = (SortKey(col(StockMovement.id), "id", descending=True),)


@dataclass(frozen=True, slots=True)
class MovementsKey:
    """One page of a product's (``by_product``) or a warehouse's movements, optionally
    narrowed to one warehouse or product respectively."""

    by_product: bool
    parent_id: int
    other_id: int | None
    page: PageArgs


async def movements_page(ctx: RequestContext, key: MovementsKey) -> Page[StockMovement]:
    """A page of the ledger of a product or warehouse; every parent of a list together
    costs one statement (plus one count, if asked)."""

    async def batch(keys: list[MovementsKey]) -> list[Page[StockMovement]]:
        groups: dict[tuple[bool, int | None, PageArgs], list[int]] = defaultdict(list)
        for k in keys:
            groups[(k.by_product, k.other_id, k.page)].append(k.parent_id)
        pages: dict[tuple[bool, int | None, PageArgs, int], Page[StockMovement]] = {}
        for (by_product, other_id, page_args), parent_ids in groups.items():
            parent = col(StockMovement.product_id if by_product else StockMovement.warehouse_id)
            other = col(StockMovement.warehouse_id if by_product else StockMovement.product_id)
            statement = sa.select(StockMovement)
            if other_id is not None:
                statement = statement.where(other == other_id)
            by_parent = await paginate_partitioned(
                ctx.sessions,
                statement,
                StockMovement,
                parent,
                parent_ids,
                MOVEMENT_ORDER,
                page_args,
                default_size=ctx.settings.page_size_default,
                max_size=ctx.settings.page_size_max,
            )
            for parent_id, page in by_parent.items():
                pages[(by_product, other_id, page_args, parent_id)] = page
        return [pages[(k.by_product, k.other_id, k.page, k.parent_id)] for k in keys]

    ctx.require_actor()
    loader = ctx.loaders.named("stock_movements_page", batch)
    return await loader.load(key)
