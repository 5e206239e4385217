"""The repayment state on chosen days, and properties that hold on any day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from models.schemes.schedules import build_schedule
from models.schemes.tables import (
    EnrollmentStatus,
    InstallmentFrequency,
    SchemeEnrollment,
    SchemeInstallment,
)
from resolvers.schemes.repayment import (
    DEFAULT_AFTER_DAYS,
    RepaymentStatus,
    repayment_state,
)

START = date(2026, 1, 31)


def _enrolment(
    paid: int,
    *,
    total: int = 120_000,
    down: int = 20_000,
    count: int = 10,
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
) -> tuple[SchemeEnrollment, list[SchemeInstallment]]:
    enrollment = SchemeEnrollment(
        scheme_code="X",
        consumer_id=1,
        scheme_id=1,
        product_id=1,
        warehouse_id=1,
        plant_id=1,
        status=status,
        total_price_minor=total,
        down_payment_minor=down,
        amount_paid_minor=paid,
        enrolled_by_id=1,
    )
    installments = [
        SchemeInstallment(
            enrollment_id=1,
            sequence=i.sequence,
            due_date=i.due_date,
            amount_minor=i.amount_minor,
            cumulative_due_minor=i.cumulative_due_minor,
        )
        for i in build_schedule(
            start=START,
            frequency=InstallmentFrequency.MONTHLY,
            count=count,
            total_price_minor=total,
            down_payment_minor=down,
        )
    ]
    return enrollment, installments


def test_on_enrolment_day_on_track_with_first_due_next_month() -> None:
    state = repayment_state(*_enrolment(20_000), START)
    assert state.status is RepaymentStatus.ON_TRACK
    assert state.next_due_date == date(2026, 2, 28)
    assert state.days_in_arrears == 0
    assert state.outstanding_minor == 100_000


def test_due_today_is_not_yet_in_arrears() -> None:
    state = repayment_state(*_enrolment(20_000), date(2026, 2, 28))
    assert state.days_in_arrears == 0 and state.status is RepaymentStatus.ON_TRACK


def test_arrears_count_from_the_oldest_uncovered_instalment() -> None:
    # Two instalments due (28 Feb, 31 Mar), one paid: arrears since 31 Mar.
    state = repayment_state(*_enrolment(30_000), date(2026, 4, 10))
    assert state.days_in_arrears == 10
    assert state.next_due_date == date(2026, 3, 31)
    assert state.status is RepaymentStatus.BEHIND
    # Nothing paid: since 28 Feb.
    state = repayment_state(*_enrolment(20_000), date(2026, 4, 10))
    assert state.days_in_arrears == 41


def test_a_partly_paid_instalment_is_not_covered() -> None:
    state = repayment_state(*_enrolment(29_999), date(2026, 3, 1))
    assert state.days_in_arrears == 1 and state.status is RepaymentStatus.BEHIND


def test_over_ninety_days_is_defaulted() -> None:
    first_due = date(2026, 2, 28)
    at_90 = repayment_state(*_enrolment(20_000), first_due + timedelta(days=DEFAULT_AFTER_DAYS))
    assert at_90.status is RepaymentStatus.BEHIND
    at_91 = repayment_state(*_enrolment(20_000), first_due + timedelta(days=DEFAULT_AFTER_DAYS + 1))
    assert at_91.status is RepaymentStatus.DEFAULTED


def test_paid_off_and_cancelled() -> None:
    assert (
        repayment_state(*_enrolment(120_000), date(2030, 1, 1)).status is RepaymentStatus.PAID_OFF
    )
    cancelled = _enrolment(20_000, status=EnrollmentStatus.CANCELLED)
    assert repayment_state(*cancelled, date(2030, 1, 1)).status is RepaymentStatus.CANCELLED


@given(
    total=st.integers(1, 10_000_000),
    down_share=st.floats(0, 1),
    paid_share=st.floats(0, 1),
    count=st.integers(1, 36),
    days=st.integers(-30, 2000),
)
def test_properties(
    total: int, down_share: float, paid_share: float, count: int, days: int
) -> None:
    down = int(total * down_share)
    paid = down + int((total - down) * paid_share)
    enrollment, installments = _enrolment(paid, total=total, down=down, count=count)
    as_of = START + timedelta(days=days)
    state = repayment_state(enrollment, installments, as_of)
    assert state.outstanding_minor == total - paid
    assert state.amount_paid_minor == paid
    assert state.days_in_arrears >= 0
    if paid == total:
        assert state.status is RepaymentStatus.PAID_OFF
        assert state.next_due_date is None and state.days_in_arrears == 0
    elif state.days_in_arrears > DEFAULT_AFTER_DAYS:
        assert state.status is RepaymentStatus.DEFAULTED
    elif state.days_in_arrears > 0:
        assert state.status is RepaymentStatus.BEHIND
    else:
        assert state.status is RepaymentStatus.ON_TRACK
    if state.next_due_date is not None and state.days_in_arrears > 0:
        assert state.days_in_arrears == (as_of - state.next_due_date).days
    # Paying everything is always PAID_OFF.
    enrollment.amount_paid_minor = total
    assert repayment_state(enrollment, installments, as_of).status is RepaymentStatus.PAID_OFF
