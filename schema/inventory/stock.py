"""The stock mutations: adjusting a level and transferring between warehouses."""

from __future__ import annotations

import strawberry

from models.staff import Role
from resolvers.inventory import stock as resolvers
from resolvers.inventory.catalogue import MAX_QUANTITY, REFERENCE_MAX_LENGTH, TEXT_MAX_LENGTH
from resolvers.validation import input_field
from schema.admin import ERRORS_DESCRIPTION
from schema.context import Info
from schema.errors import UserError
from schema.inventory.catalogue import StockLevel, StockMovement, roles_only
from schema.mutation import payload_mutation
from schema.permissions import IsAuthenticated, requirement
from schema.relay import decode_id

SCOPE_NOTE = (
    "A STATE_INCHARGE may act only on warehouses of their state (FORBIDDEN otherwise); "
    "an ADMIN on any."
)


@strawberry.input(description="A correction of one stock level.")
class AdjustStockInput:
    product_id: strawberry.ID
    warehouse_id: strawberry.ID
    delta: int = strawberry.field(
        description=f"Units to add (positive) or remove (negative); not 0, at most "
        f"{MAX_QUANTITY:,} either way. The level never goes below zero (OUT_OF_STOCK)."
    )
    reason: str = strawberry.field(
        description=f"Why: a count, damage, loss... Required; up to {TEXT_MAX_LENGTH} characters."
    )


@strawberry.input(description="Units to move from one warehouse to another.")
class TransferStockInput:
    product_id: strawberry.ID
    from_warehouse_id: strawberry.ID
    to_warehouse_id: strawberry.ID = strawberry.field(
        description="Another warehouse, open (active)."
    )
    quantity: int = strawberry.field(
        description=f"Units to move: 1 to {MAX_QUANTITY:,}, no more than are available."
    )
    reason: str | None = strawberry.field(
        default=None, description=f"Why, optionally; up to {TEXT_MAX_LENGTH} characters."
    )
    reference: str | None = strawberry.field(
        default=None,
        description=f"A waybill number, up to {REFERENCE_MAX_LENGTH} characters; one is "
        "generated if left out. Both movements carry it.",
    )


@strawberry.type(description="The result of adjustStock.")
class AdjustStockPayload:
    stock_level: StockLevel | None = strawberry.field(
        default=None, description="The level after the adjustment."
    )
    movement: StockMovement | None = strawberry.field(
        default=None, description="The ADJUSTMENT movement recorded."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of transferStock.")
class TransferStockPayload:
    source: StockLevel | None = strawberry.field(
        default=None, description="The level left in the warehouse the units came from."
    )
    destination: StockLevel | None = strawberry.field(
        default=None, description="The level in the warehouse they went to."
    )
    movements: list[StockMovement] | None = strawberry.field(
        default=None, description="The TRANSFER_OUT and TRANSFER_IN movements, in that order."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type
class StockMutation:
    @strawberry.mutation(
        description=requirement(
            "Correct a stock level after a count, damage or loss: an ADJUSTMENT movement, "
            f"in one transaction with the level. {SCOPE_NOTE}",
            *resolvers.STOCK_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=roles_only(resolvers.ADJUST_STOCK, resolvers.STOCK_ROLES))
    async def adjust_stock(self, info: Info, input: AdjustStockInput) -> AdjustStockPayload:
        moved = await resolvers.adjust_stock(
            info.context,
            product_id=decode_id(input.product_id, "Product", input_field("productId")),
            warehouse_id=decode_id(input.warehouse_id, "Warehouse", input_field("warehouseId")),
            delta=input.delta,
            reason=input.reason,
        )
        return AdjustStockPayload(
            stock_level=StockLevel.from_model(moved.level),
            movement=StockMovement.from_model(moved.movement),
        )

    @strawberry.mutation(
        description=requirement(
            "Move units between two warehouses: TRANSFER_OUT and TRANSFER_IN, both in one "
            f"transaction. {SCOPE_NOTE} A STATE_INCHARGE needs both warehouses in their state.",
            Role.STATE_INCHARGE,
            Role.ADMIN,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=roles_only(resolvers.TRANSFER_STOCK, resolvers.STOCK_ROLES))
    async def transfer_stock(self, info: Info, input: TransferStockInput) -> TransferStockPayload:
        transferred = await resolvers.transfer_stock(
            info.context,
            product_id=decode_id(input.product_id, "Product", input_field("productId")),
            from_warehouse_id=decode_id(
                input.from_warehouse_id, "Warehouse", input_field("fromWarehouseId")
            ),
            to_warehouse_id=decode_id(
                input.to_warehouse_id, "Warehouse", input_field("toWarehouseId")
            ),
            quantity=input.quantity,
            reason=input.reason,
            reference=input.reference,
        )
        return TransferStockPayload(
            source=StockLevel.from_model(transferred.out.level),
            destination=StockLevel.from_model(transferred.into.level),
            movements=[
                StockMovement.from_model(transferred.out.movement),
                StockMovement.from_model(transferred.into.movement),
            ],
        )
