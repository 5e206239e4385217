"""``packageRequests``: the tabs (``resolvers.packages.requests.filtered_requests``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause

from models.consumers import Consumer
from models.expressions import IntegerArray
from models.packages import CLOSED_STAGES
from resolvers.errors import DomainError
from resolvers.packages.requests import RequestOrder
from schema.execution.compiled.roots import ConnectionRoot, Shape, SortKey, date_range
from schema.execution.compiled.sources import Build, Call, Fallback, literals
from schema.packages.requests import PackageRequestFilter


@dataclass(frozen=True, slots=True)
class RequestsShape:
    """What of the filter changes the statement; enum values are written into it."""

    everything: bool
    stages: tuple[str, ...]
    services: tuple[str, ...]
    consumer_status: str | None
    assigned_to_me: bool | None
    created: bool
    closed: bool
    updated: bool
    order: RequestOrder


def prepare(call: Call) -> Shape:
    """The filter as ``PackageRequestFilter.to_filter`` reads it; its shape."""
    given = call.arguments.get("filter") or {}
    try:
        converted = PackageRequestFilter(
            stages=given.get("stages"),
            plant_ids=given.get("plantIds"),
            services=given.get("services"),
            consumer_status=given.get("consumerStatus"),
            assigned_to_me=given.get("assignedToMe"),
            created_in=date_range(given.get("createdIn")),
            closed_in=date_range(given.get("closedIn")),
            updated_since=given.get("updatedSince"),
        ).to_filter()
    except DomainError as error:
        raise Fallback("filter refused") from error
    zone = call.settings.zone
    scope = call.actor.scope.narrow(converted.plant_ids)
    values = call.values
    values["plants"] = sorted(scope.plant_ids)
    if converted.created_in is not None:
        values["created_from"], values["created_to"] = converted.created_in.instants(zone)
    if converted.closed_in is not None:
        values["closed_from"], values["closed_to"] = converted.closed_in.instants(zone)
    values["updated_since"] = converted.updated_since
    order = RequestOrder(call.arguments.get("orderBy") or RequestOrder.NEWEST_FIRST)
    return RequestsShape(
        everything=scope.everything,
        stages=tuple(sorted({stage.value for stage in converted.stages or ()})),
        services=tuple(sorted({service.value for service in converted.services or ()})),
        consumer_status=(
            converted.consumer_status.value if converted.consumer_status is not None else None
        ),
        assigned_to_me=converted.assigned_to_me,
        created=converted.created_in is not None,
        closed=converted.closed_in is not None,
        updated=converted.updated_since is not None,
        order=order,
    )


def conditions(build: Build, requests: FromClause, shape: Shape) -> list[ColumnElement[bool]]:
    assert isinstance(shape, RequestsShape)  # noqa: S101
    found: list[ColumnElement[bool]] = []
    if not shape.everything:
        plants = build.value("plants", IntegerArray(), "plants")
        found.append(build.one_of(requests.c.plant_id, plants))
    if shape.stages:
        found.append(requests.c.stage.in_(literals(shape.stages)))
    if shape.services:
        found.append(requests.c.service.in_(literals(shape.services)))
    if shape.consumer_status is not None:
        consumers = Consumer.__table__.alias()  # type: ignore[attr-defined]
        with_status = sa.select(consumers.c.id).where(
            consumers.c.status.in_(literals((shape.consumer_status,)))
        )
        found.append(requests.c.consumer_id.in_(with_status))
    if shape.assigned_to_me is not None:
        assigned = requests.c.assignee_id == build.actor_id()
        found.append(assigned if shape.assigned_to_me else sa.not_(assigned))
    if shape.created:
        found.append(requests.c.created_at >= build.value("created_from", _instant()))
        found.append(requests.c.created_at < build.value("created_to", _instant()))
    if shape.closed:
        found.append(requests.c.stage.in_(literals(sorted(s.value for s in CLOSED_STAGES))))
        found.append(requests.c.closed_at >= build.value("closed_from", _instant()))
        found.append(requests.c.closed_at < build.value("closed_to", _instant()))
    if shape.updated:
        found.append(requests.c.updated_at > build.value("updated_since", _instant()))
    return found


def order(shape: Shape) -> tuple[SortKey, ...]:
    assert isinstance(shape, RequestsShape)  # noqa: S101
    descending = shape.order is RequestOrder.NEWEST_FIRST
    return (SortKey("created_at", descending), SortKey("id", descending))


def _instant() -> Any:
    from models.base import UTCDateTime

    return UTCDateTime()


PACKAGE_REQUESTS = ConnectionRoot("PackageRequest", prepare, conditions, order)
