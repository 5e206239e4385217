"""Administration of the inventory catalogue (ADMIN): create and update products and
warehouses."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from models import inventory as models
from models.staff import Role
from resolvers.admin import UNCHANGED, Unchanged
from resolvers.inventory import admin
from resolvers.inventory import catalogue as resolvers
from resolvers.validation import input_field
from schema.admin import (
    CODE_DESCRIPTION,
    ERRORS_DESCRIPTION,
    NAME_DESCRIPTION,
    admin_only,
    id_change,
    optional_change,
    required_change,
)
from schema.context import Info
from schema.enums import ProductType
from schema.errors import UserError
from schema.inventory.catalogue import Product, Warehouse
from schema.mutation import payload_mutation
from schema.permissions import IsAuthenticated, requirement
from schema.relay import (
    decode_id,
)

# Administration (ADMIN): create and update products and warehouses.

SKU_DESCRIPTION = "1 to 32 letters, digits or '-'; stored in upper case; unique."
UNIT_PRICE_DESCRIPTION = 'In the company\'s currency, e.g. "1499.00"; at most 2 decimal places.'
REORDER_LEVEL_DESCRIPTION = (
    f"Units available at or below which it needs re-ordering; 0 to {resolvers.MAX_QUANTITY:,}."
)
ADDRESS_DESCRIPTION = f"Up to {resolvers.ADDRESS_MAX_LENGTH} characters."


@strawberry.input(description="A point on the map in decimal degrees.")
class LocationInput:
    latitude: float = strawberry.field(description="-90 to 90.")
    longitude: float = strawberry.field(description="-180 to 180.")


@strawberry.input(description="A new product.")
class CreateProductInput:
    sku: str = strawberry.field(description=SKU_DESCRIPTION)
    name: str = strawberry.field(description=NAME_DESCRIPTION)
    type: ProductType
    unit_price: Decimal = strawberry.field(description=UNIT_PRICE_DESCRIPTION)
    reorder_level: int = strawberry.field(default=0, description=REORDER_LEVEL_DESCRIPTION)
    active: bool = strawberry.field(default=True, description="Whether it can be purchased.")


@strawberry.input(description="Changes to a product. Fields left out keep their value.")
class UpdateProductInput:
    id: strawberry.ID = strawberry.field(description="The product to change.")
    sku: str | None = strawberry.field(default=strawberry.UNSET, description=SKU_DESCRIPTION)
    name: str | None = strawberry.field(default=strawberry.UNSET, description=NAME_DESCRIPTION)
    type: ProductType | None = strawberry.field(default=strawberry.UNSET)
    unit_price: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description=UNIT_PRICE_DESCRIPTION
    )
    reorder_level: int | None = strawberry.field(
        default=strawberry.UNSET, description=REORDER_LEVEL_DESCRIPTION
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="false: discontinued; it can no longer be purchased, its stock stays.",
    )


@strawberry.input(description="A new warehouse in a state.")
class CreateWarehouseInput:
    state_id: strawberry.ID = strawberry.field(description="The state it belongs to.")
    code: str = strawberry.field(description=CODE_DESCRIPTION)
    name: str = strawberry.field(description=NAME_DESCRIPTION)
    address: str | None = strawberry.field(default=None, description=ADDRESS_DESCRIPTION)
    location: LocationInput | None = None
    active: bool = strawberry.field(default=True, description="Whether it is open.")


@strawberry.input(
    description="Changes to a warehouse. Fields left out keep their value; null clears "
    "address or location."
)
class UpdateWarehouseInput:
    id: strawberry.ID = strawberry.field(description="The warehouse to change.")
    code: str | None = strawberry.field(default=strawberry.UNSET, description=CODE_DESCRIPTION)
    name: str | None = strawberry.field(default=strawberry.UNSET, description=NAME_DESCRIPTION)
    state_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Correct its state: only while it has no stock movements or purchase "
        "requests (CONFLICT otherwise).",
    )
    address: str | None = strawberry.field(
        default=strawberry.UNSET, description=ADDRESS_DESCRIPTION
    )
    location: LocationInput | None = strawberry.field(default=strawberry.UNSET)
    active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="false: closed to purchase requests and transfers in.",
    )


@strawberry.type(description="The result of createProduct or updateProduct.")
class ProductPayload:
    product: Product | None = strawberry.field(default=None, description="The product as saved.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of createWarehouse or updateWarehouse.")
class WarehousePayload:
    warehouse: Warehouse | None = strawberry.field(
        default=None, description="The warehouse as saved."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


def _location(value: LocationInput | None) -> resolvers.Location | None:
    if value is None:
        return None
    return resolvers.Location(latitude=value.latitude, longitude=value.longitude)


def _location_change(value: LocationInput | None) -> resolvers.Location | Unchanged | None:
    given = optional_change(value)
    if given is UNCHANGED:
        return UNCHANGED
    return _location(given)


def _product_saved(info: Info, row: models.Product) -> ProductPayload:
    return ProductPayload(product=Product.from_model(row, info.context.settings.currency))


@strawberry.type
class InventoryMutation:
    @strawberry.mutation(
        description=requirement("Add a product to the catalogue.", Role.ADMIN),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(admin.MANAGE_CATALOGUE))
    async def create_product(self, info: Info, input: CreateProductInput) -> ProductPayload:
        new = admin.NewProduct(
            sku=input.sku,
            name=input.name,
            product_type=input.type,
            unit_price=input.unit_price,
            reorder_level=input.reorder_level,
            active=input.active,
        )
        return _product_saved(info, await admin.create_product(info.context, new))

    @strawberry.mutation(
        description=requirement(
            "Change a product: SKU, name, type, price, reorder level, or discontinue it.",
            Role.ADMIN,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(admin.MANAGE_CATALOGUE))
    async def update_product(self, info: Info, input: UpdateProductInput) -> ProductPayload:
        product_id = decode_id(input.id, "Product", input_field("id"))
        changes = admin.ProductChanges(
            sku=required_change(input.sku, "sku"),
            name=required_change(input.name, "name"),
            product_type=required_change(input.type, "type"),
            unit_price=required_change(input.unit_price, "unitPrice"),
            reorder_level=required_change(input.reorder_level, "reorderLevel"),
            active=required_change(input.active, "active"),
        )
        row = await admin.update_product(info.context, product_id, changes)
        return _product_saved(info, row)

    @strawberry.mutation(
        description=requirement("Open a warehouse in a state.", Role.ADMIN),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(admin.MANAGE_CATALOGUE))
    async def create_warehouse(self, info: Info, input: CreateWarehouseInput) -> WarehousePayload:
        new = admin.NewWarehouse(
            state_id=decode_id(input.state_id, "State", input_field("stateId")),
            code=input.code,
            name=input.name,
            address=input.address,
            location=_location(input.location),
            active=input.active,
        )
        row = await admin.create_warehouse(info.context, new)
        return WarehousePayload(warehouse=Warehouse.from_model(row))

    @strawberry.mutation(
        description=requirement(
            "Change a warehouse: code, name, address, location, open or close it, or correct "
            "its state while it has no stock history.",
            Role.ADMIN,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(admin.MANAGE_CATALOGUE))
    async def update_warehouse(self, info: Info, input: UpdateWarehouseInput) -> WarehousePayload:
        warehouse_id = decode_id(input.id, "Warehouse", input_field("id"))
        changes = admin.WarehouseChanges(
            code=required_change(input.code, "code"),
            name=required_change(input.name, "name"),
            state_id=id_change(input.state_id, "State", "stateId"),
            address=optional_change(input.address),
            location=_location_change(input.location),
            active=required_change(input.active, "active"),
        )
        row = await admin.update_warehouse(info.context, warehouse_id, changes)
        return WarehousePayload(warehouse=Warehouse.from_model(row))
