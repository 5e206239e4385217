"""Enrolling a consumer in a scheme, recording payments, cancelling: one transaction each."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.actor import Actor
from core.db import write_session
from models.base import utcnow
from models.consumers import Consumer, ConsumerStatus
from models.events import EventTopic
from models.geography import Cluster, Plant
from models.inventory import MovementKind, StockLevel, Warehouse
from models.schemes.codes import format_for_reading, generate_code
from models.schemes.schedules import build_schedule
from models.schemes.tables import (
    EnrollmentStatus,
    PaymentKind,
    Scheme,
    SchemeEnrollment,
    SchemeInstallment,
    SchemePayment,
    SchemeState,
)
from models.staff import Role
from resolvers.context import RequestContext
from resolvers.dates import today
from resolvers.errors import DomainError, ErrorCode, forbidden, not_found
from resolvers.events.notifications import record_event
from resolvers.inventory.stock import move_stock
from resolvers.packages.requests import clean_note
from resolvers.schemes.customers import NewCustomer, clean_customer, connect_customer
from resolvers.validation import input_field, invalid

ENROLLERS = frozenset({Role.CSA, Role.CLUSTER_INCHARGE, Role.ADMIN})
CANCELLERS = frozenset({Role.CLUSTER_INCHARGE, Role.ADMIN})
# The columns it goes to: scheme_enrollments.cancel_reason, stock_movements.reason.
CANCEL_REASON_MAX_LENGTH = 500
SUBJECT = "SchemeEnrollment"
IDEMPOTENCY_KEY_MAX_LENGTH = 64
# A fresh code clashes with an existing one about once in 31**8 / n: a few tries suffice.
CODE_ATTEMPTS = 5


def authorize(ctx: RequestContext, roles: frozenset[Role], action: str) -> Actor:
    """The actor, if their role may do ``action`` (checked before reading the input)."""
    actor = ctx.require_actor()
    if actor.role not in roles:
        raise forbidden(action)
    return actor


def authorize_enrol(ctx: RequestContext) -> Actor:
    return authorize(ctx, ENROLLERS, "enrol consumers in schemes")


def authorize_payment(ctx: RequestContext) -> Actor:
    return authorize(ctx, ENROLLERS, "record scheme payments")


def authorize_cancel(ctx: RequestContext) -> Actor:
    return authorize(ctx, CANCELLERS, "cancel scheme enrolments")


@dataclass(frozen=True, slots=True)
class NewEnrollment:
    """An existing consumer (``consumer_id``) or a new customer, never both."""

    consumer_id: int | None
    scheme_id: int
    warehouse_id: int | None
    idempotency_key: str | None
    # The consumer already has a live enrolment in this scheme and wants another unit.
    additional_unit: bool = False
    new_customer: NewCustomer | None = None


async def _by_key(session: AsyncSession, actor: Actor, key: str) -> SchemeEnrollment | None:
    statement = sa.select(SchemeEnrollment).where(
        col(SchemeEnrollment.enrolled_by_id) == actor.user_id,
        col(SchemeEnrollment.idempotency_key) == key,
    )
    return (await session.execute(statement)).scalar_one_or_none()


def _replayed(first: SchemeEnrollment, new: NewEnrollment) -> SchemeEnrollment:
    same_customer = (
        first.consumer_id == new.consumer_id
        if new.new_customer is None
        else first.plant_id == new.new_customer.plant_id
    )
    same = (
        same_customer
        and first.scheme_id == new.scheme_id
        and new.warehouse_id in (None, first.warehouse_id)
    )
    if not same:
        raise invalid(
            "This idempotency key was already used for a different enrolment.",
            input_field("idempotencyKey"),
        )
    return first


async def enroll(ctx: RequestContext, new: NewEnrollment) -> SchemeEnrollment:
    """Enrol a consumer in scope; idempotent by ``idempotency_key``."""
    actor = authorize_enrol(ctx)
    if (new.consumer_id is None) == (new.new_customer is None):
        raise invalid(
            "Give consumerId (an existing consumer) or newCustomer (a new one): exactly one.",
            input_field("consumerId"),
        )
    if new.new_customer is not None:
        new = replace(new, new_customer=clean_customer(new.new_customer))
    key = new.idempotency_key.strip() if new.idempotency_key is not None else None
    if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH:
        raise invalid(
            f"An idempotency key has 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
            input_field("idempotencyKey"),
        )
    try:
        return await _enroll(ctx, actor, new, key)
    except IntegrityError:
        # A concurrent twin with the same key won the race: answer as its retry.
        if key is not None:
            async with ctx.sessions() as session:
                first = await _by_key(session, actor, key)
            if first is not None:
                return _replayed(first, new)
        raise


async def _consumer_state(session: AsyncSession, consumer: Consumer) -> int:
    statement = (
        sa.select(col(Cluster.state_id))
        .join(Plant, col(Plant.cluster_id) == col(Cluster.id))
        .where(col(Plant.id) == consumer.plant_id)
    )
    return int((await session.execute(statement)).scalar_one())


async def _check_scheme(
    ctx: RequestContext, session: AsyncSession, scheme_id: int, state_id: int
) -> Scheme:
    field = input_field("schemeId")
    scheme = await session.get(Scheme, scheme_id)
    if scheme is None:
        raise not_found("Scheme", field)
    on = today(ctx.settings.zone)
    if not scheme.active:
        raise invalid("This scheme is no longer offered.", field)
    if scheme.valid_from > on or (scheme.valid_to is not None and scheme.valid_to < on):
        raise invalid(
            f"This scheme is valid from {scheme.valid_from} to {scheme.valid_to or 'open end'}, "
            f"not today ({on}).",
            field,
        )
    offered = await session.get(SchemeState, (scheme.id, state_id))
    if offered is None:
        raise invalid("This scheme is not offered in the consumer's state.", field)
    return scheme


async def _warehouse(
    session: AsyncSession, warehouse_id: int | None, product_id: int, state_id: int
) -> int:
    field = input_field("warehouseId")
    if warehouse_id is not None:
        warehouse = await session.get(Warehouse, warehouse_id)
        if warehouse is None:
            raise not_found("Warehouse", field)
        if warehouse.state_id != state_id:
            raise invalid("Take the unit from a warehouse in the consumer's state.", field)
        if not warehouse.active:
            raise invalid("That warehouse is closed: choose an active one.", field)
        return warehouse_id
    available = col(StockLevel.on_hand) - col(StockLevel.reserved)
    statement = (
        sa.select(col(Warehouse.id))
        .join(StockLevel, col(StockLevel.warehouse_id) == col(Warehouse.id))
        .where(
            col(Warehouse.state_id) == state_id,
            col(Warehouse.active).is_(True),
            col(StockLevel.product_id) == product_id,
            available > 0,
        )
        .order_by(available.desc(), col(Warehouse.id))
        .limit(1)
    )
    chosen = (await session.execute(statement)).scalar_one_or_none()
    if chosen is None:
        raise DomainError(
            ErrorCode.OUT_OF_STOCK, "No unit of this appliance in the consumer's state.", field
        )
    return int(chosen)


async def _existing_consumer(
    session: AsyncSession, actor: Actor, consumer_id: int | None
) -> Consumer:
    """The ACTIVE consumer in scope, its row locked (PostgreSQL; SQLite writers queue at
    BEGIN) so that two enrolments of one consumer at once see each other: a twin with
    the same key is then answered as its retry, another is a duplicate."""
    consumer = (
        await session.execute(
            sa.select(Consumer)
            .where(col(Consumer.id) == consumer_id, actor.scope.restrict(col(Consumer.plant_id)))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if consumer is None or consumer.id is None:
        raise not_found("Consumer", input_field("consumerId"))
    if consumer.status is not ConsumerStatus.ACTIVE:
        raise invalid(
            f"Only an ACTIVE consumer can enrol; this one is {consumer.status.value}.",
            input_field("consumerId"),
        )
    return consumer


async def _refuse_duplicate(session: AsyncSession, consumer_id: int, scheme: Scheme) -> None:
    """DUPLICATE, naming the code, when the consumer has a live enrolment in ``scheme``
    (the caller holds the consumer's row lock, so a concurrent enrolment is seen)."""
    statement = (
        sa.select(col(SchemeEnrollment.scheme_code))
        .where(
            col(SchemeEnrollment.consumer_id) == consumer_id,
            col(SchemeEnrollment.scheme_id) == scheme.id,
            col(SchemeEnrollment.status) == EnrollmentStatus.ACTIVE,
        )
        .order_by(col(SchemeEnrollment.enrolled_at), col(SchemeEnrollment.id))
        .limit(1)
    )
    existing = (await session.execute(statement)).scalar_one_or_none()
    if existing is not None:
        raise DomainError(
            ErrorCode.DUPLICATE,
            f"This consumer is already enrolled in {scheme.code} under scheme code "
            f"{format_for_reading(existing)}; to hand over another unit, enrol again with "
            "additionalUnit: true.",
            input_field("consumerId"),
        )


async def _insert_with_code(session: AsyncSession, enrollment: SchemeEnrollment) -> None:
    """Insert with a fresh scheme code, trying another on the rare clash."""
    for attempt in range(CODE_ATTEMPTS):
        enrollment.scheme_code = generate_code()
        try:
            async with session.begin_nested():
                session.add(enrollment)
                await session.flush()
            return
        except IntegrityError as error:
            if "scheme_code" not in str(error.orig) or attempt == CODE_ATTEMPTS - 1:
                raise
            # Rolling the savepoint back made the row transient again: add it afresh.


async def _enroll(
    ctx: RequestContext, actor: Actor, new: NewEnrollment, key: str | None
) -> SchemeEnrollment:
    async with write_session(ctx.sessions) as session:
        if key is not None and (first := await _by_key(session, actor, key)) is not None:
            return _replayed(first, new)
        if new.new_customer is not None:
            on = today(ctx.settings.zone)
            consumer = await connect_customer(session, actor, new.new_customer, on)
        else:
            consumer = await _existing_consumer(session, actor, new.consumer_id)
            if key is not None and (first := await _by_key(session, actor, key)) is not None:
                return _replayed(first, new)
        assert consumer.id is not None  # noqa: S101
        state_id = await _consumer_state(session, consumer)
        scheme = await _check_scheme(ctx, session, new.scheme_id, state_id)
        assert scheme.id is not None  # noqa: S101
        if new.new_customer is None and not new.additional_unit:
            await _refuse_duplicate(session, consumer.id, scheme)
        warehouse_id = await _warehouse(session, new.warehouse_id, scheme.product_id, state_id)
        now = utcnow()
        enrollment = SchemeEnrollment(
            scheme_code="",
            consumer_id=consumer.id,
            scheme_id=scheme.id,
            product_id=scheme.product_id,
            warehouse_id=warehouse_id,
            plant_id=consumer.plant_id,
            status=EnrollmentStatus.ACTIVE,
            total_price_minor=scheme.total_price_minor,
            down_payment_minor=scheme.down_payment_minor,
            amount_paid_minor=scheme.down_payment_minor,
            enrolled_at=now,
            enrolled_by_id=actor.user_id,
            idempotency_key=key,
        )
        await _insert_with_code(session, enrollment)
        assert enrollment.id is not None  # noqa: S101
        await move_stock(
            session,
            product_id=scheme.product_id,
            warehouse_id=warehouse_id,
            kind=MovementKind.ISSUE,
            quantity=-1,
            actor_id=actor.user_id,
            enrollment_id=enrollment.id,
            reference=enrollment.scheme_code,
            field=input_field("warehouseId"),
        )
        if scheme.down_payment_minor > 0:
            session.add(
                SchemePayment(
                    enrollment_id=enrollment.id,
                    kind=PaymentKind.DOWN_PAYMENT,
                    amount_minor=scheme.down_payment_minor,
                    paid_at=now,
                    reference=f"DOWN-{enrollment.scheme_code}",
                    recorded_by_id=actor.user_id,
                    created_at=now,
                )
            )
        schedule = build_schedule(
            start=now.astimezone(ctx.settings.zone).date(),
            frequency=scheme.frequency,
            count=scheme.installment_count,
            total_price_minor=scheme.total_price_minor,
            down_payment_minor=scheme.down_payment_minor,
        )
        session.add_all(
            SchemeInstallment(
                enrollment_id=enrollment.id,
                sequence=item.sequence,
                due_date=item.due_date,
                amount_minor=item.amount_minor,
                cumulative_due_minor=item.cumulative_due_minor,
            )
            for item in schedule
        )
        await record_event(
            session,
            topic=EventTopic.SCHEME_ENROLLMENT,
            subject_type=SUBJECT,
            subject_id=enrollment.id,
            plant_id=enrollment.plant_id,
            actor_id=actor.user_id,
            payload={"action": "ENROLL", "schemeId": scheme.id},
        )
        return enrollment


async def enrollment_in_scope(
    session: AsyncSession, actor: Actor, enrollment_id: int
) -> SchemeEnrollment:
    statement = sa.select(SchemeEnrollment).where(
        col(SchemeEnrollment.id) == enrollment_id,
        actor.scope.restrict(col(SchemeEnrollment.plant_id)),
    )
    found = (await session.execute(statement)).scalar_one_or_none()
    if found is None:
        raise not_found("Scheme enrolment", input_field("enrollmentId"))
    return found


async def cancel(ctx: RequestContext, enrollment_id: int, reason: str) -> SchemeEnrollment:
    """ACTIVE -> CANCELLED with a reason; the unit goes back to its warehouse."""
    actor = authorize_cancel(ctx)
    cleaned = clean_note(
        reason, input_field("reason"), required=True, max_length=CANCEL_REASON_MAX_LENGTH
    )
    async with write_session(ctx.sessions) as session:
        enrollment = await enrollment_in_scope(session, actor, enrollment_id)
        now = utcnow()
        table = SchemeEnrollment.__table__  # type: ignore[attr-defined]
        result = await session.execute(
            sa.update(table)
            .where(table.c.id == enrollment_id, table.c.status == EnrollmentStatus.ACTIVE)
            .values(
                status=EnrollmentStatus.CANCELLED,
                cancelled_at=now,
                cancelled_by_id=actor.user_id,
                cancel_reason=cleaned,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                "This enrolment is already cancelled.",
                input_field("enrollmentId"),
            )
        await move_stock(
            session,
            product_id=enrollment.product_id,
            warehouse_id=enrollment.warehouse_id,
            kind=MovementKind.RECEIPT,
            quantity=1,
            actor_id=actor.user_id,
            enrollment_id=enrollment_id,
            reference=enrollment.scheme_code,
            reason=cleaned,
        )
        await record_event(
            session,
            topic=EventTopic.SCHEME_ENROLLMENT,
            subject_type=SUBJECT,
            subject_id=enrollment_id,
            plant_id=enrollment.plant_id,
            actor_id=actor.user_id,
            payload={"action": "CANCEL"},
        )
        await session.refresh(enrollment)
        return enrollment
