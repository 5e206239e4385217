"""Purchase requests: an in-charge asks for stock for a warehouse, the state in-charge
approves or rejects it, and approved stock is received (in one or more deliveries)
as RECEIPT movements of the ledger.

    PENDING --approve--> APPROVED --receive (all of it)--> RECEIVED
       |                   ^   |
       +--reject--> REJECTED   +--receive (part of it): stays APPROVED

Scope: a purchase request belongs to its warehouse's state. Cluster in-charges see
their cluster's state's, state in-charges their state's, administrators all; to
anyone else a request does not exist (NOT_FOUND, ``null``), so existence never leaks.

Every transition is one guarded UPDATE (``WHERE status = <the status the actor
acted on>``): of two approvers at once, one wins and the other gets CONFLICT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.actor import Actor
from core.db import write_session
from models.base import utcnow
from models.events import EventTopic, NotificationKind, OutboxEvent
from models.expressions import one_of
from models.inventory import (
    MovementKind,
    Product,
    PurchaseRequest,
    PurchaseStatus,
    StockMovement,
    Warehouse,
)
from models.staff import Role, User
from resolvers.admin import flush_checked, get_or_not_found
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode, not_found
from resolvers.events.notifications import notify, record_event
from resolvers.inventory.catalogue import (
    REFERENCE_MAX_LENGTH,
    check_quantity,
    check_warehouse_in_state,
    clean_text,
    require_role,
    state_of_actor,
    warehouses_of_state,
)
from resolvers.inventory.stock import Moved, apply_movement, record_stock_event
from resolvers.pagination import Page, PageArgs, SortKey
from resolvers.validation import input_field, invalid

READ_PURCHASES = "see purchase requests"
REQUEST_PURCHASE = "request purchases"
DECIDE_PURCHASE = "approve or reject purchase requests"
RECEIVE_PURCHASE = "receive purchased stock"
# Who raises purchase requests (and sees those of their state).
REQUESTER_ROLES = (Role.CLUSTER_INCHARGE, Role.STATE_INCHARGE, Role.ADMIN)
# Who decides them and receives the stock.
DECIDER_ROLES = (Role.STATE_INCHARGE, Role.ADMIN)
_REQUEST_ID = input_field("purchaseRequestId")
_PURCHASES = PurchaseRequest.__table__  # type: ignore[attr-defined]


def purchase_number(purchase_request_id: int) -> str:
    """The reference people read out: PUR-000042."""
    return f"PUR-{purchase_request_id:06d}"


async def visible_clause(ctx: RequestContext, actor: Actor) -> Any:
    """The purchase requests ``actor`` may see: those of warehouses in their state."""
    if actor.is_admin:
        return sa.true()
    if actor.role not in REQUESTER_ROLES:
        return sa.false()
    state_id = await state_of_actor(ctx, actor)
    if state_id is None:
        return sa.false()
    return col(PurchaseRequest.warehouse_id).in_(warehouses_of_state(state_id))


@dataclass(frozen=True, slots=True)
class PurchaseRequestFilter:
    statuses: tuple[PurchaseStatus, ...] | None = None
    state_id: int | None = None
    warehouse_ids: tuple[int, ...] | None = None
    product_ids: tuple[int, ...] | None = None
    requested_by_me: bool = False


# Newest first; (status, created_at) and (warehouse_id, created_at) index the filters.
PURCHASE_ORDER = (
    SortKey(col(PurchaseRequest.created_at), "created_at", descending=True),
    SortKey(col(PurchaseRequest.id), "id", descending=True),
)


async def list_purchase_requests(
    ctx: RequestContext, filter: PurchaseRequestFilter, page: PageArgs
) -> Page[PurchaseRequest]:
    """Purchase requests in the actor's state (all, for an ADMIN), newest first."""
    actor = require_role(ctx, READ_PURCHASES, *REQUESTER_ROLES)
    statement = sa.select(PurchaseRequest).where(await visible_clause(ctx, actor))
    if filter.statuses is not None:
        statement = statement.where(col(PurchaseRequest.status).in_(filter.statuses))
    if filter.state_id is not None:
        statement = statement.where(
            col(PurchaseRequest.warehouse_id).in_(warehouses_of_state(filter.state_id))
        )
    if filter.warehouse_ids is not None:
        statement = statement.where(col(PurchaseRequest.warehouse_id).in_(filter.warehouse_ids))
    if filter.product_ids is not None:
        statement = statement.where(col(PurchaseRequest.product_id).in_(filter.product_ids))
    if filter.requested_by_me:
        statement = statement.where(col(PurchaseRequest.requested_by_id) == actor.user_id)
    return await ctx.paginate(statement, PURCHASE_ORDER, page)


async def purchase_requests_by_id(
    ctx: RequestContext, ids: Sequence[int]
) -> list[PurchaseRequest | None]:
    """Purchase requests by id, None for those the actor may not see; batched."""

    async def batch(keys: list[int]) -> list[PurchaseRequest | None]:
        actor = ctx.actor
        if actor is None:
            return [None for _ in keys]
        statement = sa.select(PurchaseRequest).where(
            one_of(col(PurchaseRequest.id), keys), await visible_clause(ctx, actor)
        )
        async with ctx.sessions() as session:
            found = {row.id: row for row in (await session.execute(statement)).scalars()}
        return [found.get(key) for key in keys]

    loader = ctx.loaders.named("purchase_request_by_id", batch)
    return list(await loader.load_many(list(ids)))


async def receipts_of(ctx: RequestContext, purchase_request_id: int) -> list[StockMovement]:
    """The RECEIPT movements of a (visible) purchase request, oldest first; batched."""

    async def batch(keys: list[int]) -> list[list[StockMovement]]:
        statement = (
            sa.select(StockMovement)
            .where(one_of(col(StockMovement.purchase_request_id), keys))
            .order_by(col(StockMovement.id))
        )
        grouped: dict[int, list[StockMovement]] = defaultdict(list)
        async with ctx.sessions() as session:
            for movement in (await session.execute(statement)).scalars():
                if movement.purchase_request_id is not None:
                    grouped[movement.purchase_request_id].append(movement)
        return [grouped.get(key, []) for key in keys]

    loader = ctx.loaders.named("receipts_of_purchase_request", batch)
    return await loader.load(purchase_request_id)


# The workflow.


@dataclass(frozen=True, slots=True)
class NewPurchaseRequest:
    product_id: int
    warehouse_id: int
    quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class Loaded:
    """A purchase request the actor may act on, with what messages name."""

    request: PurchaseRequest
    product: Product
    warehouse: Warehouse

    @property
    def id(self) -> int:
        assert self.request.id is not None  # noqa: S101 - a stored row
        return self.request.id

    @property
    def number(self) -> str:
        return purchase_number(self.id)


async def _load_in_scope(
    session: AsyncSession, actor: Actor, actor_state: int | None, purchase_request_id: int
) -> Loaded:
    """The request, in the actor's state; NOT_FOUND whether absent or out of scope."""
    statement = (
        sa.select(PurchaseRequest, Product, Warehouse)
        .join(Product, col(Product.id) == col(PurchaseRequest.product_id))
        .join(Warehouse, col(Warehouse.id) == col(PurchaseRequest.warehouse_id))
        .where(col(PurchaseRequest.id) == purchase_request_id)
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        raise not_found("Purchase request", _REQUEST_ID)
    request, product, warehouse = row
    if not actor.is_admin and (actor_state is None or warehouse.state_id != actor_state):
        raise not_found("Purchase request", _REQUEST_ID)
    return Loaded(request, product, warehouse)


def _check_status(loaded: Loaded, expected: PurchaseStatus, action: str) -> None:
    status = loaded.request.status
    if status is not expected:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"{loaded.number} is {status.value}: only a {expected.value} request can be {action}.",
        )


async def _transition(
    session: AsyncSession, loaded: Loaded, *, guard: list[Any], values: dict[str, Any]
) -> PurchaseRequest:
    """Apply ``values`` if the request is still as the actor saw it (``guard``);
    CONFLICT when someone else got there first."""
    statement = (
        sa.update(_PURCHASES)
        .where(_PURCHASES.c.id == loaded.id, *guard)
        .values(**values, updated_at=utcnow())
        .returning(*_PURCHASES.c)
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"Someone acted on {loaded.number} at the same time; reload it and try again.",
        )
    return PurchaseRequest(**row._mapping)


async def _purchase_event(
    session: AsyncSession,
    loaded: Loaded,
    action: str,
    request: PurchaseRequest,
    actor: Actor,
    **extra: Any,
) -> OutboxEvent:
    return await record_event(
        session,
        topic=EventTopic.PURCHASE_REQUEST,
        subject_type="PurchaseRequest",
        subject_id=loaded.id,
        actor_id=actor.user_id,
        payload={
            "action": action,
            "status": request.status.value,
            "warehouseId": loaded.warehouse.id,
            "stateId": loaded.warehouse.state_id,
            **extra,
        },
    )


async def _state_incharges(session: AsyncSession, state_id: int) -> list[int]:
    statement = sa.select(col(User.id)).where(
        col(User.role) == Role.STATE_INCHARGE,
        col(User.state_id) == state_id,
        col(User.active).is_(True),
    )
    return [user_id for user_id in (await session.execute(statement)).scalars() if user_id]


def _units(quantity: int) -> str:
    return f"{quantity} unit{'s' if quantity != 1 else ''}"


async def create_purchase_request(ctx: RequestContext, new: NewPurchaseRequest) -> PurchaseRequest:
    """Ask to buy stock of an active product for an active warehouse in your state; the
    state's in-charges are notified."""
    actor = require_role(ctx, REQUEST_PURCHASE, *REQUESTER_ROLES)
    quantity = check_quantity(new.quantity, input_field("quantity"))
    reason = clean_text(new.reason, input_field("reason"), required=True) or ""
    actor_state = await state_of_actor(ctx, actor)
    async with write_session(ctx.sessions) as session:
        product = await get_or_not_found(
            session, Product, new.product_id, "Product", input_field("productId")
        )
        warehouse = await get_or_not_found(
            session, Warehouse, new.warehouse_id, "Warehouse", input_field("warehouseId")
        )
        check_warehouse_in_state(
            actor, actor_state, warehouse, REQUEST_PURCHASE, input_field("warehouseId")
        )
        if not product.active:
            raise invalid("That product is discontinued.", input_field("productId"))
        if not warehouse.active:
            raise invalid("That warehouse is closed.", input_field("warehouseId"))
        now = utcnow()
        request = PurchaseRequest(
            product_id=new.product_id,
            warehouse_id=new.warehouse_id,
            quantity=quantity,
            reason=reason,
            status=PurchaseStatus.PENDING,
            requested_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(request)
        await flush_checked(session, [])
        loaded = Loaded(request, product, warehouse)
        event = await _purchase_event(session, loaded, "CREATE", request, actor)
        await notify(
            session,
            recipients=await _state_incharges(session, warehouse.state_id),
            kind=NotificationKind.PURCHASE_REQUESTED,
            title=f"Purchase request {loaded.number}",
            body=f"{actor.name} asks for {_units(quantity)} of {product.name} for "
            f"{warehouse.name}: {reason}",
            actor_id=actor.user_id,
            event=event,
            purchase_request_id=loaded.id,
        )
    return request


async def _decide(
    ctx: RequestContext,
    purchase_request_id: int,
    *,
    approve: bool,
    note: str | None,
) -> PurchaseRequest:
    actor = require_role(ctx, DECIDE_PURCHASE, *DECIDER_ROLES)
    note = clean_text(
        note, input_field("note" if approve else "reason"), required=not approve, what="a reason"
    )
    actor_state = await state_of_actor(ctx, actor)
    status = PurchaseStatus.APPROVED if approve else PurchaseStatus.REJECTED
    async with write_session(ctx.sessions) as session:
        loaded = await _load_in_scope(session, actor, actor_state, purchase_request_id)
        _check_status(loaded, PurchaseStatus.PENDING, status.value.lower())
        now = utcnow()
        request = await _transition(
            session,
            loaded,
            guard=[_PURCHASES.c.status == PurchaseStatus.PENDING],
            values={
                "status": status,
                "decided_by_id": actor.user_id,
                "decided_at": now,
                "decision_note": note,
            },
        )
        event = await _purchase_event(
            session, loaded, "APPROVE" if approve else "REJECT", request, actor
        )
        verdict = "approved" if approve else "rejected"
        await notify(
            session,
            recipients=[request.requested_by_id],
            kind=NotificationKind.PURCHASE_APPROVED
            if approve
            else NotificationKind.PURCHASE_REJECTED,
            title=f"Purchase request {loaded.number} {verdict}",
            body=f"{actor.name} {verdict} {_units(request.quantity)} of {loaded.product.name} "
            f"for {loaded.warehouse.name}." + (f" {note}" if note else ""),
            actor_id=actor.user_id,
            event=event,
            purchase_request_id=loaded.id,
        )
    return request


async def approve_purchase_request(
    ctx: RequestContext, purchase_request_id: int, note: str | None
) -> PurchaseRequest:
    """Approve a PENDING request (state in-charge of its state, or ADMIN); the requester
    is notified."""
    return await _decide(ctx, purchase_request_id, approve=True, note=note)


async def reject_purchase_request(
    ctx: RequestContext, purchase_request_id: int, reason: str
) -> PurchaseRequest:
    """Reject a PENDING request, with the reason; the requester is notified."""
    return await _decide(ctx, purchase_request_id, approve=False, note=reason)


@dataclass(frozen=True, slots=True)
class Received:
    request: PurchaseRequest
    moved: Moved


async def receive_purchase(
    ctx: RequestContext,
    purchase_request_id: int,
    quantity_received: int,
    reference: str | None = None,
) -> Received:
    """Book a delivery against an APPROVED request: a RECEIPT movement into its
    warehouse. Deliveries may come in parts, never more than approved in total; the
    request is RECEIVED when all of it has arrived."""
    actor = require_role(ctx, RECEIVE_PURCHASE, *DECIDER_ROLES)
    field = input_field("quantityReceived")
    quantity = check_quantity(quantity_received, field)
    cleaned_reference = clean_text(
        reference, input_field("reference"), required=False, max_length=REFERENCE_MAX_LENGTH
    )
    actor_state = await state_of_actor(ctx, actor)
    async with write_session(ctx.sessions) as session:
        loaded = await _load_in_scope(session, actor, actor_state, purchase_request_id)
        _check_status(loaded, PurchaseStatus.APPROVED, "received")
        seen = loaded.request.quantity_received
        remaining = loaded.request.quantity - seen
        if quantity > remaining:
            raise invalid(
                f"Only {_units(remaining)} of the {loaded.request.quantity} approved remain "
                f"to be received for {loaded.number}.",
                field,
            )
        received = seen + quantity
        request = await _transition(
            session,
            loaded,
            # The same delivery booked twice at once: only one of them counts.
            guard=[
                _PURCHASES.c.status == PurchaseStatus.APPROVED,
                _PURCHASES.c.quantity_received == seen,
            ],
            values={
                "quantity_received": received,
                "status": PurchaseStatus.RECEIVED
                if received == loaded.request.quantity
                else PurchaseStatus.APPROVED,
            },
        )
        moved = await apply_movement(
            session,
            product_id=request.product_id,
            warehouse_id=request.warehouse_id,
            kind=MovementKind.RECEIPT,
            quantity=quantity,
            actor_id=actor.user_id,
            reason=f"Purchase {loaded.number} received",
            reference=cleaned_reference,
            purchase_request_id=loaded.id,
            field=field,
        )
        await _purchase_event(
            session, loaded, "RECEIVE", request, actor, movementId=moved.movement.id
        )
        await record_stock_event(
            session,
            action="RECEIVE",
            product_id=request.product_id,
            warehouse=loaded.warehouse,
            movements=[moved.movement],
            actor_id=actor.user_id,
        )
    return Received(request, moved)
