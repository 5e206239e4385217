"""GraphQL types and root fields of product inventory: products, warehouses, stock
levels, the stock ledger and the overview bar.

Administration of products and warehouses is in ``schema.inventory.admin``, stock
mutations in ``schema.inventory.stock``, purchase requests in ``schema.inventory.purchases``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from models import inventory as models
from models.staff import Role
from resolvers.context import RequestContext
from resolvers.inventory import catalogue as resolvers
from resolvers.pagination import Page
from schema.context import Info
from schema.enums import ProductType, StockMovementKind
from schema.geography import State
from schema.money import Money
from schema.mutation import Guard
from schema.permissions import IsAuthenticated, requirement
from schema.relay import (
    Connection,
    ModelNode,
    connection_from_page,
    decode_id,
    page_args,
)
from schema.staff import User, staff_member

if TYPE_CHECKING:
    from schema.inventory.purchases import PurchaseRequest


STATE_NARROWING = (
    "In a list filtered by state (`products`, `inventory` with `filter.stateId`), only the "
    "warehouses of that state count; elsewhere every warehouse does."
)


@strawberry.type(description="A point on the map in decimal degrees (WGS 84).")
class Location:
    latitude: float
    longitude: float


@strawberry.type(description="A place where stock is kept. Each belongs to a state.")
class Warehouse(ModelNode[models.Warehouse]):
    id: relay.NodeID[int]
    code: str
    name: str
    address: str | None = strawberry.field(
        description="The street address, as written; null if none was given."
    )
    location: Location | None = strawberry.field(
        description="Where it is on the map; null if not known."
    )
    active: bool = strawberry.field(
        description="A closed (inactive) warehouse takes no purchase requests and no "
        "transfers in; what is left in it can still be moved out or written off."
    )
    state_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Warehouse) -> Warehouse:
        assert row.id is not None  # noqa: S101
        location = (
            Location(latitude=row.latitude, longitude=row.longitude)
            if row.latitude is not None and row.longitude is not None
            else None
        )
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            address=row.address,
            location=location,
            active=row.active,
            state_id=row.state_id,
        )

    @strawberry.field(description="The state the warehouse belongs to.")
    async def state(self, info: Info) -> State:
        row = await info.context.loaders.state_by_id.load(self.state_id)
        if row is None:  # pragma: no cover - a foreign key guarantees it
            raise LookupError("state missing")
        return State.from_model(row)

    @strawberry.field(description="Its stock of each product it has ever held, by product name.")
    async def stock(self, info: Info) -> list[StockLevel]:
        rows = await resolvers.stock_of_warehouse(info.context, self.id)
        return [StockLevel.from_model(row) for row in rows]

    @strawberry.field(description="Its stock ledger, newest first; optionally of one product.")
    async def movements(
        self,
        info: Info,
        product_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> StockMovementConnection:
        other = decode_id(product_id, "Product", ["productId"]) if product_id else None
        key = resolvers.MovementsKey(
            by_product=False, parent_id=self.id, other_id=other, page=page_args(first, after)
        )
        return movement_connection(await resolvers.movements_page(info.context, key))

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.Warehouse | None]:
        return await resolvers.warehouses_by_id(info.context, ids)


@strawberry.type(description="How many units of a product a warehouse holds.")
class StockLevel:
    on_hand: int = strawberry.field(description="Units in the warehouse.")
    reserved: int = strawberry.field(description="Units on hand promised but not yet issued.")
    available: int = strawberry.field(description="Units that can be issued: onHand - reserved.")
    updated_at: datetime = strawberry.field(description="When the level last changed.")
    product_id: strawberry.Private[int]
    warehouse_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.StockLevel) -> StockLevel:
        return cls(
            on_hand=row.on_hand,
            reserved=row.reserved,
            available=row.on_hand - row.reserved,
            updated_at=row.updated_at,
            product_id=row.product_id,
            warehouse_id=row.warehouse_id,
        )

    @strawberry.field(description="The product.")
    async def product(self, info: Info) -> Product:
        row = await resolvers.product_by_id(info.context, self.product_id)
        return Product.from_model(row, info.context.settings.currency)

    @strawberry.field(
        description="Where the units are: the warehouse, with its state and location."
    )
    async def warehouse(self, info: Info) -> Warehouse:
        row = await resolvers.warehouse_by_id(info.context, self.warehouse_id)
        return Warehouse.from_model(row)


@strawberry.type(description="An appliance the company stocks and sells through schemes.")
class Product(ModelNode[models.Product]):
    id: relay.NodeID[int]
    sku: str = strawberry.field(description="Stock-keeping unit: unique, upper case.")
    name: str
    product_type: ProductType = strawberry.field(name="type")
    unit_price: Money = strawberry.field(description="The price of one unit.")
    reorder_level: int = strawberry.field(
        description="At or below this many units available, the product needs re-ordering."
    )
    active: bool = strawberry.field(
        description="Discontinued (inactive) products cannot be purchased; their stock stays."
    )
    # The state a list was filtered by: stock fields count only its warehouses.
    stock_state_id: strawberry.Private[int | None]

    @classmethod
    def from_model(
        cls, row: models.Product, currency: str, stock_state_id: int | None = None
    ) -> Product:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            sku=row.sku,
            name=row.name,
            product_type=row.product_type,
            unit_price=Money.from_minor(row.unit_price_minor, currency),
            reorder_level=row.reorder_level,
            active=row.active,
            stock_state_id=stock_state_id,
        )

    async def _levels(self, info: Info) -> list[models.StockLevel]:
        return await resolvers.stock_of_product(info.context, self.id, self.stock_state_id)

    @strawberry.field(description=f"Units available (on hand, not reserved). {STATE_NARROWING}")
    async def units_available(self, info: Info) -> int:
        return sum(level.on_hand - level.reserved for level in await self._levels(info))

    @strawberry.field(
        description="Where the units are: a stock level per warehouse that holds or has held "
        f"the product, by warehouse name. {STATE_NARROWING}"
    )
    async def stock(self, info: Info) -> list[StockLevel]:
        return [StockLevel.from_model(row) for row in await self._levels(info)]

    @strawberry.field(
        description="Active, and units available at or below the reorder level (discontinued "
        f"products are never low: nobody re-orders them). {STATE_NARROWING}"
    )
    async def low_stock(self, info: Info) -> bool:
        available = sum(level.on_hand - level.reserved for level in await self._levels(info))
        return self.active and available <= self.reorder_level

    @strawberry.field(description="Its stock ledger, newest first; optionally at one warehouse.")
    async def movements(
        self,
        info: Info,
        warehouse_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> StockMovementConnection:
        other = decode_id(warehouse_id, "Warehouse", ["warehouseId"]) if warehouse_id else None
        key = resolvers.MovementsKey(
            by_product=True, parent_id=self.id, other_id=other, page=page_args(first, after)
        )
        return movement_connection(await resolvers.movements_page(info.context, key))

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.Product | None]:
        return await resolvers.products_by_id(info.context, ids)

    @classmethod
    def from_row(cls, info: Info, row: models.Product) -> Product:
        return cls.from_model(row, info.context.settings.currency)


@strawberry.type(
    description="One entry of the append-only stock ledger. A level is the sum of its movements."
)
class StockMovement(ModelNode[models.StockMovement]):
    id: relay.NodeID[int]
    kind: StockMovementKind
    quantity: int = strawberry.field(
        description="Units moved, signed: positive into the warehouse, negative out of it."
    )
    reason: str | None
    reference: str | None = strawberry.field(
        description="A delivery note, invoice or waybill number; both sides of a transfer "
        "share one. Null if none was given."
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")
    product_id: strawberry.Private[int]
    warehouse_id: strawberry.Private[int]
    actor_id: strawberry.Private[int | None]
    purchase_request_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.StockMovement) -> StockMovement:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            kind=row.kind,
            quantity=row.quantity,
            reason=row.reason,
            reference=row.reference,
            created_at=row.created_at,
            product_id=row.product_id,
            warehouse_id=row.warehouse_id,
            actor_id=row.actor_id,
            purchase_request_id=row.purchase_request_id,
        )

    @strawberry.field(description="The product moved.")
    async def product(self, info: Info) -> Product:
        row = await resolvers.product_by_id(info.context, self.product_id)
        return Product.from_model(row, info.context.settings.currency)

    @strawberry.field(description="The warehouse it moved into or out of.")
    async def warehouse(self, info: Info) -> Warehouse:
        row = await resolvers.warehouse_by_id(info.context, self.warehouse_id)
        return Warehouse.from_model(row)

    @strawberry.field(description="Who recorded it.")
    async def actor(self, info: Info) -> User | None:
        return await staff_member(info, self.actor_id)

    @strawberry.field(
        description="The purchase request a receipt was for; null when there is none or "
        "it is outside your state."
    )
    async def purchase_request(
        self, info: Info
    ) -> Annotated[PurchaseRequest, strawberry.lazy("schema.inventory.purchases")] | None:
        from resolvers.inventory.purchases import purchase_requests_by_id
        from schema.inventory.purchases import PurchaseRequest

        if self.purchase_request_id is None:
            return None
        (row,) = await purchase_requests_by_id(info.context, [self.purchase_request_id])
        return PurchaseRequest.from_model(row) if row else None

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.StockMovement | None]:
        return await resolvers.movements_by_id(info.context, ids)


@strawberry.type(description="A page of products.")
class ProductConnection(Connection[Product]):
    pass


@strawberry.type(description="A page of the stock ledger.")
class StockMovementConnection(Connection[StockMovement]):
    pass


def movement_connection(page: Page[Any]) -> StockMovementConnection:
    return connection_from_page(StockMovementConnection, page, StockMovement.from_model)


@strawberry.type(description="The overview bar of the inventory screen.")
class InventoryOverview:
    product_count: int = strawberry.field(description="Products in the list.")
    units_available: int = strawberry.field(description="Their units available, in total.")
    stock_value: Money = strawberry.field(description="Their units on hand at unit price.")
    low_stock_count: int = strawberry.field(
        description="Products at or below their reorder level (see `Product.lowStock`)."
    )


@strawberry.input(description="Narrows the product list (the inventory screen's filter).")
class ProductFilter:
    state_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Count only this state's warehouses: each product's unitsAvailable, "
        "stock and lowStock, and the overview's figures. Products with no stock there "
        "are still listed, with 0 units.",
    )
    types: list[ProductType] | None = strawberry.field(
        default=None, description="Only products of these types."
    )
    low_stock_only: bool | None = strawberry.field(
        default=False, description="Only products at or below their reorder level."
    )


def product_filter(given: ProductFilter | None) -> resolvers.ProductFilter:
    given = given or ProductFilter()
    return resolvers.ProductFilter(
        state_id=decode_id(given.state_id, "State", ["filter", "stateId"])
        if given.state_id is not None
        else None,
        types=tuple(given.types) if given.types is not None else None,
        low_stock_only=bool(given.low_stock_only),
    )


@strawberry.type
class InventoryQuery:
    @strawberry.field(
        description=requirement(
            "Every product matching the filter (active and discontinued), by name."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def products(self, info: Info, filter: ProductFilter | None = None) -> list[Product]:
        narrowed = product_filter(filter)
        rows = await resolvers.list_products(info.context, narrowed)
        currency = info.context.settings.currency
        return [Product.from_model(row, currency, narrowed.state_id) for row in rows]

    @strawberry.field(
        description=requirement(
            "The inventory screen: products matching the filter, by name, each with its units "
            "available and where they are."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def inventory(
        self,
        info: Info,
        filter: ProductFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProductConnection:
        narrowed = product_filter(filter)
        page = await resolvers.inventory_page(
            info.context, narrowed, page_args(first, after, last, before)
        )
        currency = info.context.settings.currency
        return connection_from_page(
            ProductConnection,
            page,
            lambda row: Product.from_model(row, currency, narrowed.state_id),
        )

    @strawberry.field(
        description=requirement(
            "The overview bar: totals over the products `inventory` lists for the same filter."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def inventory_overview(
        self, info: Info, filter: ProductFilter | None = None
    ) -> InventoryOverview:
        figures = await resolvers.inventory_overview(info.context, product_filter(filter))
        return InventoryOverview(
            product_count=figures.product_count,
            units_available=figures.units_available,
            stock_value=Money.from_minor(figures.stock_value_minor, info.context.settings.currency),
            low_stock_count=figures.low_stock_count,
        )

    @strawberry.field(
        description=requirement("Warehouses (open and closed), of one state or all, by name."),
        permission_classes=[IsAuthenticated],
    )
    async def warehouses(
        self, info: Info, state_id: strawberry.ID | None = None
    ) -> list[Warehouse]:
        state = decode_id(state_id, "State", ["stateId"]) if state_id is not None else None
        rows = await resolvers.list_warehouses(info.context, state)
        return [Warehouse.from_model(row) for row in rows]


def roles_only(action: str, roles: tuple[Role, ...]) -> Guard:
    """The guard of an inventory mutation: one of ``roles``, checked before the input is
    read, so that other roles get FORBIDDEN whatever they send. The resolver checks role
    and scope again."""

    def guard(ctx: RequestContext) -> None:
        resolvers.require_role(ctx, action, *roles)

    return guard
