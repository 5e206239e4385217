"""Where an enrolment's repayment stands on a day: computed here, and only here.

Payments are allocated to instalments in order, earliest first, so an instalment is
covered exactly when the amount paid reaches its ``cumulative_due_minor``. The same
rule is written twice: in Python for one enrolment (:func:`repayment_state`) and in SQL
for filtering and sorting lists (:func:`arrears_start_column`, :func:`status_clause`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from models.schemes.tables import EnrollmentStatus, SchemeEnrollment, SchemeInstallment

# Arrears longer than this make an enrolment DEFAULTED (the company's collection policy).
DEFAULT_AFTER_DAYS = 90


class RepaymentStatus(StrEnum):
    ON_TRACK = "ON_TRACK"
    BEHIND = "BEHIND"
    DEFAULTED = "DEFAULTED"
    PAID_OFF = "PAID_OFF"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class RepaymentState:
    amount_paid_minor: int
    outstanding_minor: int
    next_due_date: date | None
    days_in_arrears: int
    status: RepaymentStatus
    # What the instalments due up to and including ``as_of`` ask, less what was paid
    # toward them: what the customer should pay today to be up to date.
    amount_overdue_minor: int = 0


def status_of(*, cancelled: bool, paid_off: bool, days_in_arrears: int) -> RepaymentStatus:
    if cancelled:
        return RepaymentStatus.CANCELLED
    if paid_off:
        return RepaymentStatus.PAID_OFF
    if days_in_arrears > DEFAULT_AFTER_DAYS:
        return RepaymentStatus.DEFAULTED
    if days_in_arrears > 0:
        return RepaymentStatus.BEHIND
    return RepaymentStatus.ON_TRACK


def outstanding_minor(status: EnrollmentStatus | str, total_minor: int, paid_minor: int) -> int:
    """What is still to be paid: nothing once cancelled (``status`` as stored or its value)."""
    if EnrollmentStatus(getattr(status, "value", status)) is EnrollmentStatus.CANCELLED:
        return 0
    return total_minor - paid_minor


def repayment_state(
    enrollment: SchemeEnrollment, installments: Sequence[SchemeInstallment], as_of: date
) -> RepaymentState:
    """The repayment of ``enrollment`` on ``as_of`` (a day in the company's calendar)."""
    return repayment_state_of(
        enrollment.status,
        enrollment.amount_paid_minor,
        enrollment.total_price_minor,
        [(i.due_date, i.cumulative_due_minor) for i in installments],
        as_of,
    )


def repayment_state_of(
    status: EnrollmentStatus,
    paid: int,
    total: int,
    installments: Sequence[tuple[date, int]],
    as_of: date,
) -> RepaymentState:
    """The repayment of an enrolment with this status, amount paid and total price, and
    these instalments (due date, cumulative amount due), on ``as_of``.

    A cancelled enrolment owes nothing: its unit went back to stock, so nothing is
    outstanding, nothing falls due and it is never in arrears (its payments stay)."""
    if status is EnrollmentStatus.CANCELLED:
        return RepaymentState(
            amount_paid_minor=paid,
            outstanding_minor=0,
            next_due_date=None,
            days_in_arrears=0,
            status=RepaymentStatus.CANCELLED,
        )
    uncovered = sorted((due, cumulative) for due, cumulative in installments if cumulative > paid)
    overdue = [(due, cumulative) for due, cumulative in uncovered if due <= as_of]
    days = (as_of - overdue[0][0]).days if overdue else 0
    # Instalments are covered earliest first, so what is owed today is the last due
    # instalment's cumulative amount less everything paid.
    due_minor = max((cumulative for _, cumulative in overdue), default=paid)
    return RepaymentState(
        amount_paid_minor=paid,
        outstanding_minor=total - paid,
        next_due_date=uncovered[0][0] if uncovered else None,
        days_in_arrears=days,
        amount_overdue_minor=due_minor - paid,
        status=status_of(cancelled=False, paid_off=paid >= total, days_in_arrears=days),
    )


ENROLLMENTS: Any = SchemeEnrollment.__table__  # type: ignore[attr-defined]
INSTALLMENTS: Any = SchemeInstallment.__table__  # type: ignore[attr-defined]


def arrears_start_column(as_of: Any, enrollments: Any = ENROLLMENTS) -> Any:
    """Correlated subquery: the due date of the oldest uncovered due instalment, or NULL
    (always NULL for a cancelled enrolment, which is never in arrears).

    ``as_of`` is a day, or a bound parameter holding one; ``enrollments`` the enrolment
    rows it correlates with (the table, or an alias of it)."""
    installments = INSTALLMENTS.alias()
    return (
        sa.select(sa.func.min(installments.c.due_date))
        .where(
            installments.c.enrollment_id == enrollments.c.id,
            enrollments.c.status == EnrollmentStatus.ACTIVE.value,
            installments.c.due_date <= as_of,
            installments.c.cumulative_due_minor > enrollments.c.amount_paid_minor,
        )
        .correlate(enrollments)
        .scalar_subquery()
    )


def overdue_clause(has_amount_overdue: bool, as_of: Any, enrollments: Any = ENROLLMENTS) -> Any:
    """WHERE clause: enrolments with (or, when False, without) an amount overdue on
    ``as_of``: exactly those with a due, uncovered instalment (never a cancelled one)."""
    start = arrears_start_column(as_of, enrollments)
    return start.is_not(None) if has_amount_overdue else start.is_(None)


def status_clause(
    statuses: Sequence[RepaymentStatus],
    as_of: Any,
    defaulted_before: Any = None,
    enrollments: Any = ENROLLMENTS,
) -> Any:
    """WHERE clause: enrolments whose repayment status on ``as_of`` is one of ``statuses``
    (``defaulted_before``: the day arrears must start before to be DEFAULTED, by default
    ``DEFAULT_AFTER_DAYS`` before ``as_of``)."""
    start = arrears_start_column(as_of, enrollments)
    status = enrollments.c.status
    active = status == EnrollmentStatus.ACTIVE.value
    paid_off = enrollments.c.amount_paid_minor >= enrollments.c.total_price_minor
    if defaulted_before is None:
        defaulted_before = as_of - timedelta(days=DEFAULT_AFTER_DAYS)
    clauses = {
        RepaymentStatus.CANCELLED: status == EnrollmentStatus.CANCELLED.value,
        RepaymentStatus.PAID_OFF: sa.and_(active, paid_off),
        RepaymentStatus.DEFAULTED: sa.and_(active, sa.not_(paid_off), start < defaulted_before),
        RepaymentStatus.BEHIND: sa.and_(
            active, sa.not_(paid_off), start < as_of, start >= defaulted_before
        ),
        RepaymentStatus.ON_TRACK: sa.and_(
            active, sa.not_(paid_off), sa.or_(start.is_(None), start >= as_of)
        ),
    }
    return sa.or_(*(clauses[status] for status in statuses))
