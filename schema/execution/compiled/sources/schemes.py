"""Schemes and enrolments (schema.schemes).

An enrolment's next due date, days in arrears and repayment status are computed by
``resolvers.schemes.repayment.repayment_state`` from its instalments, read by one
statement for every enrolment of a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.schemes.codes import format_for_reading
from models.schemes.tables import (
    EnrollmentStatus,
    Scheme,
    SchemeEnrollment,
    SchemeInstallment,
    SchemeState,
)
from resolvers.dates import today
from resolvers.schemes.reading import READERS
from resolvers.schemes.repayment import RepaymentState, outstanding_minor, repayment_state_of
from schema.execution.compiled.sources import (
    Column,
    Computed,
    Embedded,
    FromList,
    Lookup,
    NodeId,
    ObjectSource,
    Through,
    ToMany,
    ToOne,
    money,
    readers,
    scoped_by,
)
from schema.execution.compiled.values import day, enum_name, instant, money_amount

SCHEME = ObjectSource(
    "Scheme",
    Scheme.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "code": Column("code"),
        "name": Column("name"),
        "type": Column("scheme_type", enum_name),
        "installmentCount": Column("installment_count"),
        "frequency": Column("frequency", enum_name),
        "validFrom": Column("valid_from", day),
        "validTo": Column("valid_to", day),
        "active": Column("active"),
        "totalPrice": money("total_price_minor"),
        "downPayment": money("down_payment_minor"),
        "product": ToOne("Product", "product_id"),
        # resolvers.schemes.reading.states_of_scheme: the states' ids in order.
        "states": ToMany(
            "State",
            order=(("id", False),),
            through=Through(SchemeState.__table__, "scheme_id", "state_id"),  # type: ignore[attr-defined]
        ),
    },
)

INSTALLMENT = ObjectSource(
    "SchemeInstallment",
    SchemeInstallment.__table__,  # type: ignore[attr-defined]
    {},
)
INSTALLMENTS = ToMany("SchemeInstallment", "enrollment_id", order=(("sequence", False),))
REPAYMENT_COLUMNS = ("status", "amount_paid_minor", "total_price_minor")


def _repayment(read: Callable[[RepaymentState], Any]) -> FromList:
    """A field of the enrolment's repayment state today (``SchemeEnrollment._state``)."""

    def compute(
        settings: Any, status: Any, paid: int, total: int, items: list[tuple[Any, int]]
    ) -> Any:
        status = EnrollmentStatus(getattr(status, "value", status))
        return read(_state(status, paid, total, tuple(items), today(settings.zone)))

    return FromList(REPAYMENT_COLUMNS, INSTALLMENTS, ("due_date", "cumulative_due_minor"), compute)


_last: list[Any] = [None, None]  # the last key computed, and its state


def _state(
    status: EnrollmentStatus,
    paid: int,
    total: int,
    installments: tuple[tuple[Any, int], ...],
    as_of: Any,
) -> RepaymentState:
    """The repayment state, computed once per row: a row shows up to four fields of it
    (amountOverdue, nextDueDate, daysInArrears, repaymentStatus), assembled one after
    the other without a pause, so the last one computed is the one asked for again."""
    key = (status, paid, total, installments, as_of)
    if _last[0] != key:
        _last[:] = [key, repayment_state_of(status, paid, total, installments, as_of)]
    state: RepaymentState = _last[1]
    return state


def _next_due_date(state: RepaymentState) -> str | None:
    return day(state.next_due_date) if state.next_due_date is not None else None


def _outstanding(_settings: Any, status: Any, paid: int, total: int) -> str:
    return money_amount(outstanding_minor(status, total, paid))


def _call_link(_settings: Any, phone: str | None) -> str | None:
    return f"tel:{phone}" if phone else None


ENROLLMENT = ObjectSource(
    "SchemeEnrollment",
    SchemeEnrollment.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "schemeCode": Column("scheme_code"),
        "schemeCodeForReading": Computed(
            ("scheme_code",), lambda _settings, code: format_for_reading(code)
        ),
        "enrolledAt": Column("enrolled_at", instant),
        "cancelledAt": Column("cancelled_at", instant),
        "cancelReason": Column("cancel_reason"),
        "consumer": ToOne("Consumer", "consumer_id"),
        "consumerPhone": Lookup("Consumer", "consumer_id", "phone"),
        "callLink": Lookup("Consumer", "consumer_id", "phone", _call_link),
        "scheme": ToOne("Scheme", "scheme_id"),
        "product": ToOne("Product", "product_id"),
        "warehouse": ToOne("Warehouse", "warehouse_id"),
        "enrolledBy": ToOne("User", "enrolled_by_id"),
        "totalPrice": money("total_price_minor"),
        "downPayment": money("down_payment_minor"),
        "amountPaid": money("amount_paid_minor"),
        "outstanding": Embedded(
            "Money",
            {
                "amount": Computed(REPAYMENT_COLUMNS, _outstanding),
                "currency": Computed((), lambda settings: settings.currency),
            },
        ),
        "amountOverdue": Embedded(
            "Money",
            {
                "amount": _repayment(lambda state: money_amount(state.amount_overdue_minor)),
                "currency": Computed((), lambda settings: settings.currency),
            },
        ),
        "nextDueDate": _repayment(_next_due_date),
        "daysInArrears": _repayment(lambda state: state.days_in_arrears),
        "repaymentStatus": _repayment(lambda state: state.status.name),
    },
    visible=readers(READERS, scoped_by("plant_id")),
)

SOURCES = (SCHEME, INSTALLMENT, ENROLLMENT)
