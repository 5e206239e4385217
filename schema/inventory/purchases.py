"""GraphQL types, root field and mutations of purchase requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry
from strawberry import relay

from models import inventory as models
from resolvers.inventory import purchases as resolvers
from resolvers.inventory.catalogue import (
    MAX_QUANTITY,
    REFERENCE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    product_by_id,
    warehouse_by_id,
)
from resolvers.validation import input_field
from schema.admin import ERRORS_DESCRIPTION
from schema.context import Info
from schema.enums import PurchaseRequestStatus
from schema.errors import UserError
from schema.inventory.catalogue import (
    Product,
    StockLevel,
    StockMovement,
    Warehouse,
    roles_only,
)
from schema.mutation import payload_mutation
from schema.permissions import IsAuthenticated, requirement, roles_permission
from schema.relay import (
    Connection,
    ModelNode,
    connection_from_page,
    decode_id,
    decode_ids,
    page_args,
)
from schema.staff import User, staff_member

SCOPE_NOTE = (
    "A purchase request belongs to its warehouse's state: outside your state it is NOT_FOUND."
)


@strawberry.type(description="A request to buy stock of a product for a warehouse.")
class PurchaseRequest(ModelNode[models.PurchaseRequest]):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="The reference people read out: PUR-000042.")
    quantity: int = strawberry.field(description="Units asked for (and, once approved, approved).")
    quantity_received: int = strawberry.field(description="Units delivered so far.")
    reason: str
    status: PurchaseRequestStatus
    decided_at: datetime | None = strawberry.field(
        description="When it was approved or rejected; null while PENDING."
    )
    decision_note: str | None = strawberry.field(
        description="The approver's note, or the reason it was rejected; null while PENDING "
        "and when it was approved without a note."
    )
    created_at: datetime
    updated_at: datetime
    product_id: strawberry.Private[int]
    warehouse_id: strawberry.Private[int]
    requested_by_id: strawberry.Private[int]
    decided_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.PurchaseRequest) -> PurchaseRequest:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            number=resolvers.purchase_number(row.id),
            quantity=row.quantity,
            quantity_received=row.quantity_received,
            reason=row.reason,
            status=row.status,
            decided_at=row.decided_at,
            decision_note=row.decision_note,
            created_at=row.created_at,
            updated_at=row.updated_at,
            product_id=row.product_id,
            warehouse_id=row.warehouse_id,
            requested_by_id=row.requested_by_id,
            decided_by_id=row.decided_by_id,
        )

    @strawberry.field(description="Units approved and not yet delivered (0 unless APPROVED).")
    def quantity_outstanding(self) -> int:
        if self.status is not models.PurchaseStatus.APPROVED:
            return 0
        return self.quantity - self.quantity_received

    @strawberry.field(description="The product to buy.")
    async def product(self, info: Info) -> Product:
        row = await product_by_id(info.context, self.product_id)
        return Product.from_model(row, info.context.settings.currency)

    @strawberry.field(description="The warehouse it is for.")
    async def warehouse(self, info: Info) -> Warehouse:
        row = await warehouse_by_id(info.context, self.warehouse_id)
        return Warehouse.from_model(row)

    @strawberry.field(description="Who asked.")
    async def requested_by(self, info: Info) -> User:
        user = await staff_member(info, self.requested_by_id)
        if user is None:  # pragma: no cover - a foreign key guarantees it
            raise LookupError("requester missing")
        return user

    @strawberry.field(description="Who approved or rejected it; null while PENDING.")
    async def decided_by(self, info: Info) -> User | None:
        return await staff_member(info, self.decided_by_id)

    @strawberry.field(
        description="The deliveries booked against it (RECEIPT movements), oldest first."
    )
    async def receipts(self, info: Info) -> list[StockMovement]:
        rows = await resolvers.receipts_of(info.context, self.id)
        return [StockMovement.from_model(row) for row in rows]

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.PurchaseRequest | None]:
        return await resolvers.purchase_requests_by_id(info.context, ids)


@strawberry.type(description="A page of purchase requests.")
class PurchaseRequestConnection(Connection[PurchaseRequest]):
    pass


@strawberry.input(description="Narrows the purchase-request list.")
class PurchaseRequestFilter:
    statuses: list[PurchaseRequestStatus] | None = None
    state_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only requests for warehouses of this state."
    )
    warehouse_ids: list[strawberry.ID] | None = None
    product_ids: list[strawberry.ID] | None = None
    requested_by_me: bool | None = strawberry.field(
        default=False, description="Only the requests you raised."
    )


def _filter(given: PurchaseRequestFilter | None) -> resolvers.PurchaseRequestFilter:
    given = given or PurchaseRequestFilter()
    warehouse_ids = decode_ids(given.warehouse_ids, "Warehouse", ["filter", "warehouseIds"])
    product_ids = decode_ids(given.product_ids, "Product", ["filter", "productIds"])
    return resolvers.PurchaseRequestFilter(
        statuses=tuple(given.statuses) if given.statuses is not None else None,
        state_id=decode_id(given.state_id, "State", ["filter", "stateId"])
        if given.state_id is not None
        else None,
        warehouse_ids=tuple(warehouse_ids) if warehouse_ids is not None else None,
        product_ids=tuple(product_ids) if product_ids is not None else None,
        requested_by_me=bool(given.requested_by_me),
    )


@strawberry.type
class PurchasesQuery:
    @strawberry.field(
        description=requirement(
            "Purchase requests, newest first: a CLUSTER_INCHARGE's and a STATE_INCHARGE's "
            "of their state, an ADMIN's all.",
            *resolvers.REQUESTER_ROLES,
        ),
        permission_classes=[IsAuthenticated, roles_permission(*resolvers.REQUESTER_ROLES)],
    )
    async def purchase_requests(
        self,
        info: Info,
        filter: PurchaseRequestFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PurchaseRequestConnection:
        page = await resolvers.list_purchase_requests(
            info.context, _filter(filter), page_args(first, after, last, before)
        )
        return connection_from_page(PurchaseRequestConnection, page, PurchaseRequest.from_model)


@strawberry.input(description="A request to buy stock.")
class CreatePurchaseRequestInput:
    product_id: strawberry.ID = strawberry.field(description="An active product.")
    warehouse_id: strawberry.ID = strawberry.field(
        description="An open warehouse in your state (any, for an ADMIN)."
    )
    quantity: int = strawberry.field(description=f"Units to buy: 1 to {MAX_QUANTITY:,}.")
    reason: str = strawberry.field(
        description=f"Why it is needed; required, up to {TEXT_MAX_LENGTH} characters."
    )


@strawberry.input(description="Approve a PENDING purchase request.")
class ApprovePurchaseRequestInput:
    purchase_request_id: strawberry.ID
    note: str | None = strawberry.field(
        default=None, description=f"For the requester, optionally; up to {TEXT_MAX_LENGTH}."
    )


@strawberry.input(description="Reject a PENDING purchase request.")
class RejectPurchaseRequestInput:
    purchase_request_id: strawberry.ID
    reason: str = strawberry.field(
        description=f"Why, for the requester; required, up to {TEXT_MAX_LENGTH} characters."
    )


@strawberry.input(description="A delivery against an APPROVED purchase request.")
class ReceivePurchaseInput:
    purchase_request_id: strawberry.ID
    quantity_received: int = strawberry.field(
        description="Units delivered now: at least 1, at most what remains of the approved "
        "quantity. Partial deliveries keep the request APPROVED; the last one makes it "
        "RECEIVED."
    )
    reference: str | None = strawberry.field(
        default=None,
        description=f"The delivery note or invoice number, up to {REFERENCE_MAX_LENGTH} "
        "characters.",
    )


@strawberry.type(
    description="The result of createPurchaseRequest, approvePurchaseRequest or "
    "rejectPurchaseRequest."
)
class PurchaseRequestPayload:
    purchase_request: PurchaseRequest | None = strawberry.field(
        default=None, description="The purchase request as saved."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of receivePurchase.")
class ReceivePurchasePayload:
    purchase_request: PurchaseRequest | None = strawberry.field(
        default=None, description="The purchase request, with what has been received so far."
    )
    movement: StockMovement | None = strawberry.field(
        default=None, description="The RECEIPT movement recorded."
    )
    stock_level: StockLevel | None = strawberry.field(
        default=None, description="The warehouse's level of the product after the receipt."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


def _request_id(value: strawberry.ID) -> int:
    return decode_id(value, "PurchaseRequest", input_field("purchaseRequestId"))


def _request_saved(row: models.PurchaseRequest) -> PurchaseRequestPayload:
    return PurchaseRequestPayload(purchase_request=PurchaseRequest.from_model(row))


@strawberry.type
class PurchasesMutation:
    @strawberry.mutation(
        description=requirement(
            "Ask to buy stock for a warehouse of your state (a CLUSTER_INCHARGE: of their "
            "cluster's state; FORBIDDEN elsewhere). The state's in-charges are notified.",
            *resolvers.REQUESTER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=roles_only(resolvers.REQUEST_PURCHASE, resolvers.REQUESTER_ROLES))
    async def create_purchase_request(
        self, info: Info, input: CreatePurchaseRequestInput
    ) -> PurchaseRequestPayload:
        new = resolvers.NewPurchaseRequest(
            product_id=decode_id(input.product_id, "Product", input_field("productId")),
            warehouse_id=decode_id(input.warehouse_id, "Warehouse", input_field("warehouseId")),
            quantity=input.quantity,
            reason=input.reason,
        )
        return _request_saved(await resolvers.create_purchase_request(info.context, new))

    @strawberry.mutation(
        description=requirement(
            "Approve a PENDING purchase request; the requester is notified. Of two deciders "
            f"at once, one wins and the other gets CONFLICT. {SCOPE_NOTE}",
            *resolvers.DECIDER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=roles_only(resolvers.DECIDE_PURCHASE, resolvers.DECIDER_ROLES))
    async def approve_purchase_request(
        self, info: Info, input: ApprovePurchaseRequestInput
    ) -> PurchaseRequestPayload:
        row = await resolvers.approve_purchase_request(
            info.context, _request_id(input.purchase_request_id), input.note
        )
        return _request_saved(row)

    @strawberry.mutation(
        description=requirement(
            "Reject a PENDING purchase request with a reason; the requester is notified. "
            f"{SCOPE_NOTE}",
            *resolvers.DECIDER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=roles_only(resolvers.DECIDE_PURCHASE, resolvers.DECIDER_ROLES))
    async def reject_purchase_request(
        self, info: Info, input: RejectPurchaseRequestInput
    ) -> PurchaseRequestPayload:
        row = await resolvers.reject_purchase_request(
            info.context, _request_id(input.purchase_request_id), input.reason
        )
        return _request_saved(row)

    @strawberry.mutation(
        description=requirement(
            "Book a delivery against an APPROVED purchase request: a RECEIPT movement into "
            "its warehouse, in one transaction with the level. Never more than approved in "
            f"total. {SCOPE_NOTE}",
            *resolvers.DECIDER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=roles_only(resolvers.RECEIVE_PURCHASE, resolvers.DECIDER_ROLES))
    async def receive_purchase(
        self, info: Info, input: ReceivePurchaseInput
    ) -> ReceivePurchasePayload:
        received = await resolvers.receive_purchase(
            info.context,
            _request_id(input.purchase_request_id),
            input.quantity_received,
            input.reference,
        )
        return ReceivePurchasePayload(
            purchase_request=PurchaseRequest.from_model(received.request),
            movement=StockMovement.from_model(received.moved.movement),
            stock_level=StockLevel.from_model(received.moved.level),
        )
