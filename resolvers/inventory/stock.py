"""The stock ledger: every change of stock is an append-only movement, and the level of
the product in the warehouse changes with it, in the same transaction.

The level changes by ONE guarded statement, never read-then-write:

- taking units out is ``UPDATE stock_levels SET on_hand = on_hand + delta WHERE ...
  AND on_hand + delta >= reserved`` (reserved units are promised to someone, and the
  table requires ``reserved <= on_hand``; nothing reserves units yet, so today this is
  ``>= 0``). On PostgreSQL a concurrent update of the same row
  waits for the first to commit and then re-checks the WHERE against the new value, so
  twenty concurrent issues of the last five units give exactly five rows updated; on
  SQLite write transactions are serialised (BEGIN IMMEDIATE, see ``core.db``).
- putting units in is ``INSERT ... ON CONFLICT (product_id, warehouse_id) DO UPDATE``,
  which also creates the level at a warehouse's first receipt.

No row back means the guard refused: OUT_OF_STOCK. The CHECK constraints on the table
(``on_hand >= 0``, ``reserved <= on_hand``) are the last line of defence; a violation of
them is reported as OUT_OF_STOCK too. Because every level changes only here, together
with its movement, a level always equals the sum of its movements.

``move_stock`` is the entry point for other areas (issuing a unit to a scheme
enrolment); ``adjust_stock`` and ``transfer_stock`` are the inventory mutations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import write_session
from models.base import utcnow
from models.events import EventTopic
from models.inventory import MovementKind, Product, StockLevel, StockMovement, Warehouse
from models.staff import Role
from resolvers.admin import get_or_not_found
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode
from resolvers.events.notifications import record_event
from resolvers.inventory.catalogue import (
    MAX_ON_HAND,
    REFERENCE_MAX_LENGTH,
    check_delta,
    check_quantity,
    check_warehouse_in_state,
    clean_text,
    require_role,
    state_of_actor,
)
from resolvers.validation import input_field, invalid

# The sign each kind of movement must carry (None: either); the table checks it too.
SIGN_OF_KIND: dict[MovementKind, int | None] = {
    MovementKind.RECEIPT: 1,
    MovementKind.TRANSFER_IN: 1,
    MovementKind.ISSUE: -1,
    MovementKind.TRANSFER_OUT: -1,
    MovementKind.ADJUSTMENT: None,
}

_LEVELS = StockLevel.__table__  # type: ignore[attr-defined]
_LEVEL_COLUMNS = (_LEVELS.c.on_hand, _LEVELS.c.reserved, _LEVELS.c.updated_at)
# Constraint names (models/base.py naming convention) that mean "not enough stock".
_STOCK_CHECKS = ("on_hand_not_negative", "reserved_within_on_hand")


@dataclass(frozen=True, slots=True)
class Moved:
    """A movement appended to the ledger, and the level it left behind."""

    movement: StockMovement
    level: StockLevel


def _out_of_stock(message: str, field: list[str] | None) -> DomainError:
    return DomainError(ErrorCode.OUT_OF_STOCK, message, field)


def _check_sign(kind: MovementKind, quantity: int) -> None:
    """A wrong sign is a programming error, not something a user typed."""
    sign = SIGN_OF_KIND[kind]
    if quantity == 0 or (sign is not None and (quantity > 0) != (sign > 0)):
        raise ValueError(f"a {kind.value} movement cannot have quantity {quantity}")


def _upsert(session: AsyncSession) -> Any:
    """``insert`` of the session's dialect: both have ``on_conflict_do_update``."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _level_statement(
    session: AsyncSession, product_id: int, warehouse_id: int, delta: int, now: datetime
) -> Any:
    """The one guarded statement that applies ``delta`` and returns the new level."""
    if delta < 0:
        return (
            sa.update(_LEVELS)
            .where(
                _LEVELS.c.product_id == product_id,
                _LEVELS.c.warehouse_id == warehouse_id,
                _LEVELS.c.on_hand + delta >= _LEVELS.c.reserved,
            )
            .values(on_hand=_LEVELS.c.on_hand + delta, updated_at=now)
            .returning(*_LEVEL_COLUMNS)
        )
    insert = _upsert(session)(_LEVELS).values(
        product_id=product_id, warehouse_id=warehouse_id, on_hand=delta, reserved=0, updated_at=now
    )
    return insert.on_conflict_do_update(
        index_elements=[_LEVELS.c.product_id, _LEVELS.c.warehouse_id],
        set_={
            "on_hand": _LEVELS.c.on_hand + insert.excluded.on_hand,
            "updated_at": insert.excluded.updated_at,
        },
        # 64-bit arithmetic, so that the guard itself cannot overflow the column's type.
        where=sa.cast(_LEVELS.c.on_hand, sa.BigInteger) + insert.excluded.on_hand <= MAX_ON_HAND,
    ).returning(*_LEVEL_COLUMNS)


async def _units_available(session: AsyncSession, product_id: int, warehouse_id: int) -> int:
    """For the message of a refused movement only: the decision was the guarded write's."""
    statement = sa.select(_LEVELS.c.on_hand - _LEVELS.c.reserved).where(
        _LEVELS.c.product_id == product_id, _LEVELS.c.warehouse_id == warehouse_id
    )
    return int((await session.execute(statement)).scalar_one_or_none() or 0)


async def _change_level(
    session: AsyncSession,
    product_id: int,
    warehouse_id: int,
    delta: int,
    now: datetime,
    field: list[str] | None,
) -> StockLevel:
    statement = _level_statement(session, product_id, warehouse_id, delta, now)
    try:
        row = (await session.execute(statement)).one_or_none()
    except IntegrityError as error:
        if any(name in str(error.orig) for name in _STOCK_CHECKS):
            raise _out_of_stock("Not enough units in stock for this.", field) from error
        raise DomainError(
            ErrorCode.CONFLICT,
            "Someone changed related records at the same time; reload and try again.",
        ) from error
    if row is None:
        if delta > 0:
            raise DomainError(
                ErrorCode.VALIDATION,
                "That would take the stock level past its largest value.",
                field,
            )
        available = await _units_available(session, product_id, warehouse_id)
        raise _out_of_stock(
            f"Only {available} unit{'s' if available != 1 else ''} available here; {-delta} asked.",
            field,
        )
    on_hand, reserved, updated_at = row
    return StockLevel(
        product_id=product_id,
        warehouse_id=warehouse_id,
        on_hand=on_hand,
        reserved=reserved,
        updated_at=updated_at,
    )


async def apply_movement(
    session: AsyncSession,
    *,
    product_id: int,
    warehouse_id: int,
    kind: MovementKind,
    quantity: int,
    actor_id: int | None,
    reason: str | None = None,
    reference: str | None = None,
    enrollment_id: int | None = None,
    purchase_request_id: int | None = None,
    field: list[str] | None = None,
) -> Moved:
    """:func:`move_stock`, also returning the level as the movement left it."""
    _check_sign(kind, quantity)
    now = utcnow()
    level = await _change_level(session, product_id, warehouse_id, quantity, now, field)
    movement = StockMovement(
        product_id=product_id,
        warehouse_id=warehouse_id,
        kind=kind,
        quantity=quantity,
        actor_id=actor_id,
        reason=reason,
        reference=reference,
        enrollment_id=enrollment_id,
        purchase_request_id=purchase_request_id,
        created_at=now,
    )
    session.add(movement)
    try:
        await session.flush()
    except IntegrityError as error:
        raise DomainError(
            ErrorCode.CONFLICT,
            "Someone changed related records at the same time; reload and try again.",
        ) from error
    return Moved(movement, level)


async def move_stock(
    session: AsyncSession,
    *,
    product_id: int,
    warehouse_id: int,
    kind: MovementKind,
    quantity: int,
    actor_id: int | None,
    reason: str | None = None,
    reference: str | None = None,
    enrollment_id: int | None = None,
    purchase_request_id: int | None = None,
    field: list[str] | None = None,
) -> StockMovement:
    """Append one movement to the ledger and change the level with it, in the caller's
    transaction (open it with ``core.db.write_session``).

    ``quantity`` is signed, as stored: positive for RECEIPT and TRANSFER_IN, negative
    for ISSUE and TRANSFER_OUT, either for ADJUSTMENT (a wrong sign or zero is a
    ValueError: a bug in the caller). Taking out more than is available (on hand, not
    reserved) raises ``DomainError(OUT_OF_STOCK)`` naming ``field``; the caller's
    transaction must then be rolled back, which ``write_session`` does. The product and
    the warehouse must exist, and the caller has checked the actor may do this.
    """
    moved = await apply_movement(
        session,
        product_id=product_id,
        warehouse_id=warehouse_id,
        kind=kind,
        quantity=quantity,
        actor_id=actor_id,
        reason=reason,
        reference=reference,
        enrollment_id=enrollment_id,
        purchase_request_id=purchase_request_id,
        field=field,
    )
    return moved.movement


async def record_stock_event(
    session: AsyncSession,
    *,
    action: str,
    product_id: int,
    warehouse: Warehouse,
    movements: list[StockMovement],
    actor_id: int,
) -> None:
    """The outbox event of a change of stock: ids only, for dashboards to refetch."""
    await record_event(
        session,
        topic=EventTopic.STOCK,
        subject_type="Product",
        subject_id=product_id,
        actor_id=actor_id,
        payload={
            "action": action,
            "warehouseId": warehouse.id,
            "stateId": warehouse.state_id,
            "movementIds": [m.id for m in movements],
        },
    )


# The inventory mutations on stock: STATE_INCHARGE (in their state) and ADMIN.

ADJUST_STOCK = "adjust stock"
TRANSFER_STOCK = "transfer stock"
STOCK_ROLES = (Role.STATE_INCHARGE, Role.ADMIN)


async def _product(session: AsyncSession, product_id: int) -> Product:
    return await get_or_not_found(session, Product, product_id, "Product", input_field("productId"))


async def _warehouse(session: AsyncSession, warehouse_id: int, name: str) -> Warehouse:
    return await get_or_not_found(session, Warehouse, warehouse_id, "Warehouse", input_field(name))


async def adjust_stock(
    ctx: RequestContext, *, product_id: int, warehouse_id: int, delta: int, reason: str
) -> Moved:
    """Correct a level after a count, damage or loss: an ADJUSTMENT movement of ``delta``
    units (never below zero), with the reason. Discontinued products and inactive
    warehouses may be adjusted: that is how the last units are written off."""
    actor = require_role(ctx, ADJUST_STOCK, *STOCK_ROLES)
    delta = check_delta(delta, input_field("delta"))
    cleaned_reason = clean_text(reason, input_field("reason"), required=True)
    actor_state = await state_of_actor(ctx, actor)
    async with write_session(ctx.sessions) as session:
        await _product(session, product_id)
        warehouse = await _warehouse(session, warehouse_id, "warehouseId")
        check_warehouse_in_state(
            actor, actor_state, warehouse, ADJUST_STOCK, input_field("warehouseId")
        )
        moved = await apply_movement(
            session,
            product_id=product_id,
            warehouse_id=warehouse_id,
            kind=MovementKind.ADJUSTMENT,
            quantity=delta,
            actor_id=actor.user_id,
            reason=cleaned_reason,
            field=input_field("delta"),
        )
        await record_stock_event(
            session,
            action="ADJUST",
            product_id=product_id,
            warehouse=warehouse,
            movements=[moved.movement],
            actor_id=actor.user_id,
        )
    return moved


@dataclass(frozen=True, slots=True)
class Transferred:
    """Both sides of a transfer, written in one transaction under one reference."""

    out: Moved
    into: Moved


def new_transfer_reference() -> str:
    """What ties the two movements of a transfer together when no waybill is given."""
    return f"TRF-{uuid.uuid4().hex[:12].upper()}"


async def transfer_stock(
    ctx: RequestContext,
    *,
    product_id: int,
    from_warehouse_id: int,
    to_warehouse_id: int,
    quantity: int,
    reason: str | None,
    reference: str | None = None,
) -> Transferred:
    """Move units between two warehouses: TRANSFER_OUT and TRANSFER_IN, one transaction.

    A state in-charge needs both warehouses in their state; an ADMIN may move stock
    between states. The destination must be active.
    """
    actor = require_role(ctx, TRANSFER_STOCK, *STOCK_ROLES)
    quantity = check_quantity(quantity, input_field("quantity"))
    if from_warehouse_id == to_warehouse_id:
        raise invalid("Transfer to a different warehouse.", input_field("toWarehouseId"))
    cleaned_reason = clean_text(reason, input_field("reason"), required=False)
    cleaned_reference = clean_text(
        reference, input_field("reference"), required=False, max_length=REFERENCE_MAX_LENGTH
    )
    actor_state = await state_of_actor(ctx, actor)
    async with write_session(ctx.sessions) as session:
        await _product(session, product_id)
        source = await _warehouse(session, from_warehouse_id, "fromWarehouseId")
        destination = await _warehouse(session, to_warehouse_id, "toWarehouseId")
        for warehouse, name in ((source, "fromWarehouseId"), (destination, "toWarehouseId")):
            check_warehouse_in_state(
                actor, actor_state, warehouse, TRANSFER_STOCK, input_field(name)
            )
        if not destination.active:
            raise invalid(
                "That warehouse is closed: transfer to an active one.", input_field("toWarehouseId")
            )
        transfer_reference = cleaned_reference or new_transfer_reference()
        sides = {
            from_warehouse_id: (MovementKind.TRANSFER_OUT, -quantity),
            to_warehouse_id: (MovementKind.TRANSFER_IN, quantity),
        }
        moved: dict[int, Moved] = {}
        # Rows are always locked in warehouse-id order, so that two opposite transfers
        # running at once on PostgreSQL cannot deadlock.
        for warehouse_id in sorted(sides):
            kind, signed = sides[warehouse_id]
            moved[warehouse_id] = await apply_movement(
                session,
                product_id=product_id,
                warehouse_id=warehouse_id,
                kind=kind,
                quantity=signed,
                actor_id=actor.user_id,
                reason=cleaned_reason,
                reference=transfer_reference,
                field=input_field("quantity"),
            )
        transferred = Transferred(out=moved[from_warehouse_id], into=moved[to_warehouse_id])
        for warehouse, side in ((source, transferred.out), (destination, transferred.into)):
            await record_stock_event(
                session,
                action="TRANSFER",
                product_id=product_id,
                warehouse=warehouse,
                movements=[side.movement],
                actor_id=actor.user_id,
            )
    return transferred
