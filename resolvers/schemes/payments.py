"""Recording money received against an enrolment: idempotent, never overpaying."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.actor import Actor
from core.db import write_session
from models.base import utcnow
from models.events import EventTopic
from models.schemes.tables import EnrollmentStatus, PaymentKind, SchemeEnrollment, SchemePayment
from resolvers.context import RequestContext
from resolvers.dates import check_instant
from resolvers.errors import DomainError, ErrorCode
from resolvers.events.notifications import record_event
from resolvers.schemes.enrollment import SUBJECT, authorize_payment, enrollment_in_scope
from resolvers.validation import input_field, invalid, money_to_minor

REFERENCE_MAX_LENGTH = 64


@dataclass(frozen=True, slots=True)
class NewPayment:
    enrollment_id: int
    amount: Decimal
    paid_at: datetime | None
    reference: str


@dataclass(frozen=True, slots=True)
class Paid:
    enrollment: SchemeEnrollment
    payment: SchemePayment


def _outstanding_message(outstanding_minor: int) -> str:
    return f"At most the outstanding amount, {Decimal(outstanding_minor).scaleb(-2)}, can be paid."


async def _payment_by_reference(
    session: AsyncSession, enrollment_id: int, reference: str
) -> SchemePayment | None:
    statement = sa.select(SchemePayment).where(
        col(SchemePayment.enrollment_id) == enrollment_id,
        col(SchemePayment.reference) == reference,
    )
    return (await session.execute(statement)).scalar_one_or_none()


def _replayed_payment(first: SchemePayment, amount_minor: int) -> SchemePayment:
    if first.amount_minor != amount_minor:
        raise DomainError(
            ErrorCode.DUPLICATE,
            f"Reference {first.reference} was already recorded with another amount.",
            input_field("reference"),
        )
    return first


def _cancelled(enrollment: SchemeEnrollment) -> bool:
    return enrollment.status is EnrollmentStatus.CANCELLED


async def record_payment(ctx: RequestContext, new: NewPayment) -> Paid:
    """Record money received; idempotent by (enrolment, reference); never overpays."""
    actor = authorize_payment(ctx)
    amount_minor = money_to_minor(new.amount, input_field("amount"))
    if amount_minor <= 0:
        raise invalid("A payment is more than zero.", input_field("amount"))
    reference = " ".join(new.reference.split())
    if not 0 < len(reference) <= REFERENCE_MAX_LENGTH:
        raise invalid(
            f"A reference has 1 to {REFERENCE_MAX_LENGTH} characters.", input_field("reference")
        )
    now = utcnow()
    paid_at = now if new.paid_at is None else check_instant(new.paid_at, input_field("paidAt"))
    if paid_at > now:
        raise invalid("A payment cannot be in the future.", input_field("paidAt"))
    try:
        return await _record_payment(ctx, actor, new, amount_minor, reference, paid_at)
    except IntegrityError:
        async with ctx.sessions() as session:
            enrollment = await enrollment_in_scope(session, actor, new.enrollment_id)
            first = await _payment_by_reference(session, new.enrollment_id, reference)
        if first is None:
            raise
        return Paid(enrollment, _replayed_payment(first, amount_minor))


async def _record_payment(
    ctx: RequestContext,
    actor: Actor,
    new: NewPayment,
    amount_minor: int,
    reference: str,
    paid_at: datetime,
) -> Paid:
    async with write_session(ctx.sessions) as session:
        enrollment = await enrollment_in_scope(session, actor, new.enrollment_id)
        first = await _payment_by_reference(session, new.enrollment_id, reference)
        if first is not None:
            return Paid(enrollment, _replayed_payment(first, amount_minor))
        if enrollment.status is EnrollmentStatus.CANCELLED:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                "A cancelled enrolment takes no payments.",
                input_field("enrollmentId"),
            )
        if paid_at < enrollment.enrolled_at:
            raise invalid(
                "A payment cannot be dated before the enrolment "
                f"({enrollment.enrolled_at.date().isoformat()}).",
                input_field("paidAt"),
            )
        # One guarded statement: concurrent payments can never take it past the price.
        table = SchemeEnrollment.__table__  # type: ignore[attr-defined]
        updated = (
            await session.execute(
                sa.update(table)
                .where(
                    table.c.id == new.enrollment_id,
                    table.c.status == EnrollmentStatus.ACTIVE,
                    table.c.amount_paid_minor + amount_minor <= table.c.total_price_minor,
                )
                .values(amount_paid_minor=table.c.amount_paid_minor + amount_minor)
                .returning(table.c.amount_paid_minor)
            )
        ).scalar_one_or_none()
        if updated is None:
            await session.refresh(enrollment)
            if _cancelled(enrollment):
                raise DomainError(
                    ErrorCode.INVALID_TRANSITION,
                    "A cancelled enrolment takes no payments.",
                    input_field("enrollmentId"),
                )
            outstanding = enrollment.total_price_minor - enrollment.amount_paid_minor
            raise invalid(_outstanding_message(outstanding), input_field("amount"))
        enrollment.amount_paid_minor = int(updated)
        payment = SchemePayment(
            enrollment_id=new.enrollment_id,
            kind=PaymentKind.INSTALLMENT,
            amount_minor=amount_minor,
            paid_at=paid_at,
            reference=reference,
            recorded_by_id=actor.user_id,
            created_at=utcnow(),
        )
        session.add(payment)
        await session.flush()
        assert payment.id is not None  # noqa: S101
        await record_event(
            session,
            topic=EventTopic.SCHEME_ENROLLMENT,
            subject_type=SUBJECT,
            subject_id=new.enrollment_id,
            plant_id=enrollment.plant_id,
            actor_id=actor.user_id,
            payload={"action": "PAYMENT", "paymentId": payment.id},
        )
        return Paid(enrollment, payment)
