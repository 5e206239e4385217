"""Appliance schemes: the offer, enrolments, their instalment schedules and payments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import BigIntId, UTCDateTime, enum_type, timestamp_field


class SchemeType(StrEnum):
    """The kind of offer, for the filter bar."""

    STANDARD = "STANDARD"
    SUBSIDISED = "SUBSIDISED"
    FESTIVE = "FESTIVE"
    PRODUCTIVE_USE = "PRODUCTIVE_USE"


class InstallmentFrequency(StrEnum):
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


class Scheme(SQLModel, table=True):
    """An appliance sold with the connection: a down payment, then fixed instalments."""

    __tablename__ = "schemes"
    __table_args__ = (
        sa.CheckConstraint("total_price_minor > 0", name="total_price_positive"),
        sa.CheckConstraint(
            "down_payment_minor >= 0 AND down_payment_minor <= total_price_minor",
            name="down_payment_within_price",
        ),
        sa.CheckConstraint("installment_count > 0", name="installment_count_positive"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_ordered"),
        sa.Index("ix_schemes_scheme_type_valid_from", "scheme_type", "valid_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=120)
    scheme_type: SchemeType = Field(sa_type=enum_type(SchemeType))
    product_id: int = Field(foreign_key="products.id", index=True)
    total_price_minor: int
    down_payment_minor: int
    installment_count: int
    frequency: InstallmentFrequency = Field(sa_type=enum_type(InstallmentFrequency))
    valid_from: date
    valid_to: date | None = None
    active: bool = Field(default=True)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class SchemeState(SQLModel, table=True):
    """A state where a scheme is offered."""

    __tablename__ = "scheme_states"

    scheme_id: int = Field(foreign_key="schemes.id", primary_key=True, ondelete="CASCADE")
    state_id: int = Field(foreign_key="states.id", primary_key=True, index=True)


class EnrollmentStatus(StrEnum):
    """Stored life-cycle state; repayment status (ON_TRACK, BEHIND...) is derived."""

    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"


class SchemeEnrollment(SQLModel, table=True):
    """A consumer's enrolment in a scheme: one unit of the product, paid over time.

    Price terms are copied from the scheme at enrolment so that later edits of the
    scheme never change what a customer agreed to.
    """

    __tablename__ = "scheme_enrollments"
    __table_args__ = (
        sa.CheckConstraint("total_price_minor > 0", name="total_price_positive"),
        sa.CheckConstraint(
            "down_payment_minor >= 0 AND down_payment_minor <= total_price_minor",
            name="down_payment_within_price",
        ),
        sa.CheckConstraint(
            "amount_paid_minor >= 0 AND amount_paid_minor <= total_price_minor",
            name="amount_paid_within_price",
        ),
        sa.Index("ix_scheme_enrollments_plant_id_enrolled_at", "plant_id", "enrolled_at"),
        sa.Index("ix_scheme_enrollments_scheme_id_enrolled_at", "scheme_id", "enrolled_at"),
        sa.Index("ix_scheme_enrollments_enrolled_at", "enrolled_at"),
        sa.Index(
            "uq_scheme_enrollments_enrolled_by_id_idempotency_key",
            "enrolled_by_id",
            "idempotency_key",
            unique=True,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    scheme_code: str = Field(max_length=12, unique=True)
    consumer_id: int = Field(foreign_key="consumers.id", index=True)
    scheme_id: int = Field(foreign_key="schemes.id")
    product_id: int = Field(foreign_key="products.id", index=True)
    warehouse_id: int = Field(foreign_key="warehouses.id", index=True)
    # The consumer's plant at enrolment: scope and the plant filter read it here.
    plant_id: int = Field(foreign_key="plants.id")
    status: EnrollmentStatus = Field(
        sa_type=enum_type(EnrollmentStatus), default=EnrollmentStatus.ACTIVE, index=True
    )
    total_price_minor: int
    down_payment_minor: int
    amount_paid_minor: int = Field(default=0)
    enrolled_at: datetime = timestamp_field()
    enrolled_by_id: int = Field(foreign_key="users.id")
    idempotency_key: str | None = Field(default=None, max_length=64)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by_id: int | None = Field(default=None, foreign_key="users.id")
    cancel_reason: str | None = Field(default=None, max_length=500)


class SchemeInstallment(SQLModel, table=True):
    """One instalment of an enrolment's fixed schedule.

    ``cumulative_due_minor`` is what must have been paid (down payment included) once
    this instalment is due, so "is it covered" is one comparison with the amount paid.
    """

    __tablename__ = "scheme_installments"
    __table_args__ = (
        sa.UniqueConstraint("enrollment_id", "sequence"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("sequence >= 1", name="sequence_positive"),
        sa.Index("ix_scheme_installments_enrollment_id_due_date", "enrollment_id", "due_date"),
    )

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    enrollment_id: int = Field(foreign_key="scheme_enrollments.id", ondelete="CASCADE")
    sequence: int
    due_date: date
    amount_minor: int
    cumulative_due_minor: int


class PaymentKind(StrEnum):
    DOWN_PAYMENT = "DOWN_PAYMENT"
    INSTALLMENT = "INSTALLMENT"


class SchemePayment(SQLModel, table=True):
    """Money received against an enrolment; idempotent by (enrolment, reference)."""

    __tablename__ = "scheme_payments"
    __table_args__ = (
        sa.UniqueConstraint("enrollment_id", "reference"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.Index("ix_scheme_payments_enrollment_id_paid_at", "enrollment_id", "paid_at"),
        sa.Index("ix_scheme_payments_paid_at", "paid_at"),
    )

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    enrollment_id: int = Field(foreign_key="scheme_enrollments.id")
    kind: PaymentKind = Field(sa_type=enum_type(PaymentKind))
    amount_minor: int
    paid_at: datetime = Field(sa_type=UTCDateTime)
    reference: str = Field(max_length=64)
    recorded_by_id: int = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
