"""``schemeEnrollments``: the enrolment list (``resolvers.schemes.reading.list_enrollments``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause

from models.base import UTCDateTime
from models.consumers import Consumer
from models.expressions import IntegerArray
from models.schemes.tables import Scheme
from resolvers.dates import today
from resolvers.errors import DomainError
from resolvers.schemes.reading import NO_ARREARS, EnrollmentOrder
from resolvers.schemes.repayment import (
    DEFAULT_AFTER_DAYS,
    RepaymentStatus,
    arrears_start_column,
    overdue_clause,
    status_clause,
)
from schema.execution.compiled.roots import ConnectionRoot, Shape, SortKey, date_range
from schema.execution.compiled.sources import Build, Call, Fallback, literals
from schema.schemes.enrollments import SchemeEnrollmentFilter, _enrollment_filter

CONSUMERS = Consumer.__table__  # type: ignore[attr-defined]
SCHEMES = Scheme.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class EnrollmentsShape:
    everything: bool
    enrolled_in: bool
    scheme_types: tuple[str, ...]
    consumer_status: str | None
    repayment_statuses: tuple[RepaymentStatus, ...]
    has_amount_overdue: bool | None
    order: EnrollmentOrder


def prepare(call: Call) -> Shape:
    """The filter as ``_enrollment_filter`` reads it; today, as the list reads it."""
    given = call.arguments.get("filter") or {}
    try:
        converted = _enrollment_filter(
            SchemeEnrollmentFilter(
                plant_ids=given.get("plantIds"),
                enrolled_in=date_range(given.get("enrolledIn")),
                scheme_types=given.get("schemeTypes"),
                consumer_status=given.get("consumerStatus"),
                repayment_status=given.get("repaymentStatus"),
                has_amount_overdue=given.get("hasAmountOverdue"),
            )
        )
    except DomainError as error:
        raise Fallback("filter refused") from error
    order = EnrollmentOrder(call.arguments.get("orderBy") or EnrollmentOrder.ENROLLED_NEWEST_FIRST)
    if order is EnrollmentOrder.MOST_IN_ARREARS_FIRST and (
        call.arguments.get("last") is not None or call.arguments.get("before") is not None
    ):
        raise Fallback("this order pages forwards only")
    scope = call.actor.scope.narrow(converted.plant_ids)
    values = call.values
    values["plants"] = sorted(scope.plant_ids)
    values["as_of"] = as_of = today(call.settings.zone)
    values["defaulted_before"] = as_of - timedelta(days=DEFAULT_AFTER_DAYS)
    if converted.enrolled_in is not None:
        values["from"], values["to"] = converted.enrolled_in.instants(call.settings.zone)
    return EnrollmentsShape(
        everything=scope.everything,
        enrolled_in=converted.enrolled_in is not None,
        scheme_types=tuple(sorted({str(t.value) for t in converted.scheme_types or ()}))
        if converted.scheme_types
        else (),
        consumer_status=converted.consumer_status.value if converted.consumer_status else None,
        repayment_statuses=tuple(sorted(set(converted.repayment_statuses or ()))),
        has_amount_overdue=converted.has_amount_overdue,
        order=order,
    )


def _as_of(build: Build) -> sa.BindParameter[date]:
    return build.value("as_of", sa.Date(), "as_of")


def conditions(build: Build, enrollments: FromClause, shape: Shape) -> list[ColumnElement[bool]]:
    """``resolvers.schemes.reading.filtered_enrollments``."""
    assert isinstance(shape, EnrollmentsShape)  # noqa: S101
    found: list[ColumnElement[bool]] = []
    if not shape.everything:
        plants = build.value("plants", IntegerArray(), "plants")
        found.append(build.one_of(enrollments.c.plant_id, plants))
    if shape.enrolled_in:
        start = build.value("from", UTCDateTime(), "from")
        end = build.value("to", UTCDateTime(), "to")
        found.extend([enrollments.c.enrolled_at >= start, enrollments.c.enrolled_at < end])
    if shape.scheme_types:
        of_types = sa.select(SCHEMES.c.id).where(
            SCHEMES.c.scheme_type.in_(literals(shape.scheme_types))
        )
        found.append(enrollments.c.scheme_id.in_(of_types))
    if shape.consumer_status is not None:
        consumers = CONSUMERS.alias()
        with_status = sa.select(consumers.c.id).where(
            consumers.c.status.in_(literals((shape.consumer_status,)))
        )
        found.append(enrollments.c.consumer_id.in_(with_status))
    if shape.repayment_statuses:
        defaulted_before = build.value("defaulted_before", sa.Date(), "defaulted_before")
        found.append(
            status_clause(shape.repayment_statuses, _as_of(build), defaulted_before, enrollments)
        )
    if shape.has_amount_overdue is not None:
        found.append(overdue_clause(shape.has_amount_overdue, _as_of(build), enrollments))
    return found


def _arrears(build: Build, enrollments: FromClause) -> ColumnElement[date]:
    return sa.func.coalesce(arrears_start_column(_as_of(build), enrollments), NO_ARREARS)


def order(shape: Shape) -> tuple[SortKey, ...]:
    assert isinstance(shape, EnrollmentsShape)  # noqa: S101
    if shape.order is EnrollmentOrder.MOST_IN_ARREARS_FIRST:
        return (SortKey("arrears_since", False, _arrears), SortKey("id", False))
    descending = shape.order is EnrollmentOrder.ENROLLED_NEWEST_FIRST
    return (SortKey("enrolled_at", descending), SortKey("id", descending))


SCHEME_ENROLLMENTS = ConnectionRoot("SchemeEnrollment", prepare, conditions, order)
