"""The package activity summary: per plant, consumers and requests over an interval.

Status at the end of an interval comes from the consumer history: today's status,
rolled back through the changes made since (each change records the status it left).
Recent intervals, the usual question, then touch only the few changes after them
instead of every consumer's whole history. Requests: the open stages count those
created in the interval and still open; the closed stages count those closed that way
in the interval, as the Completed tab lists them. Five statements whatever the number
of plants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from models.consumers import Consumer, ConsumerHistoryEntry, ConsumerHistoryKind, ConsumerStatus
from models.expressions import one_of
from models.geography import Cluster, Plant
from models.packages import CLOSED_STAGES, OPEN_STAGES, PackageRequest, RequestStage
from resolvers.context import RequestContext
from resolvers.dates import DayRange
from resolvers.errors import forbidden
from resolvers.packages.rules import SUMMARY_READERS


@dataclass(slots=True)
class ActivityFigures:
    """Figures of one plant, or of all of them (the total row)."""

    active_consumers: int = 0
    banned_consumers: int = 0
    newly_banned: int = 0
    reconnected: int = 0
    requests_by_stage: dict[RequestStage, int] = field(
        default_factory=lambda: dict.fromkeys(RequestStage, 0)
    )

    def add(self, other: ActivityFigures) -> None:
        self.active_consumers += other.active_consumers
        self.banned_consumers += other.banned_consumers
        self.newly_banned += other.newly_banned
        self.reconnected += other.reconnected
        for stage, count in other.requests_by_stage.items():
            self.requests_by_stage[stage] += count


@dataclass(slots=True)
class ActivitySummary:
    rows: list[tuple[Plant, ActivityFigures]]
    total: ActivityFigures


InPlants = Callable[[Any], ColumnElement[bool]]
"""``column IN`` the summary's plants: a list of ids, or a parameter holding one."""
Apply = Callable[[ActivityFigures, Any], None]
PLANT_ORDER = (col(Plant.name), col(Plant.id))


def plant_conditions(
    scope: ColumnElement[bool], state_id: Any | None, cluster_id: Any | None
) -> list[ColumnElement[bool]]:
    """The summary's plants: those of the caller's ``scope``, in the cluster or state
    asked for (each an id, or a parameter holding one; None: not asked)."""
    conditions = [scope]
    if cluster_id is not None:
        conditions.append(col(Plant.cluster_id) == cluster_id)
    if state_id is not None:
        in_state = sa.select(col(Cluster.id)).where(col(Cluster.state_id) == state_id)
        conditions.append(col(Plant.cluster_id).in_(in_state))
    return conditions


def figure_statements(in_plants: InPlants, start: Any, end: Any) -> list[sa.Select[Any]]:
    """The four grouped statements of the figures; a row of each (whose first column is
    the plant) adds to that plant's figures by ``APPLY``'s function of the same position.
    ``start`` and ``end`` are the interval's instants, or parameters holding them."""
    return [
        _status_now(in_plants),
        _status_changes_since(in_plants, end),
        _changes_within(in_plants, start, end),
        _requests_within(in_plants, start, end),
    ]


def total_of(figures: Iterable[ActivityFigures]) -> ActivityFigures:
    total = ActivityFigures()
    for plant_figures in figures:
        total.add(plant_figures)
    return total


async def activity_summary(
    ctx: RequestContext, days: DayRange, state_id: int | None, cluster_id: int | None
) -> ActivitySummary:
    actor = ctx.require_actor()
    if actor.role not in SUMMARY_READERS:
        raise forbidden("read the package activity summary")
    start, end = days.instants(ctx.settings.zone)
    plants_statement = (
        sa.select(Plant)
        .where(*plant_conditions(actor.scope.restrict(col(Plant.id)), state_id, cluster_id))
        .order_by(*PLANT_ORDER)
    )

    async with ctx.sessions() as session:
        plants = list((await session.execute(plants_statement)).scalars().all())
        plant_ids = [plant.id for plant in plants if plant.id is not None]
        figures = {plant_id: ActivityFigures() for plant_id in plant_ids}
        if plant_ids:
            statements = figure_statements(_among(plant_ids), start, end)
            for statement, apply in zip(statements, APPLY, strict=True):
                for row in (await session.execute(statement)).all():
                    apply(figures[row[0]], row)

    rows = [(plant, figures[plant.id]) for plant in plants if plant.id is not None]
    return ActivitySummary(rows=rows, total=total_of(figures.values()))


def _among(plant_ids: list[int]) -> InPlants:
    return lambda column: one_of(column, plant_ids)


def _status_now(in_plants: InPlants) -> sa.Select[Any, Any, Any]:
    """Per plant and status: consumers today."""
    return (
        sa.select(col(Consumer.plant_id), col(Consumer.status), sa.func.count())
        .where(in_plants(col(Consumer.plant_id)))
        .group_by(col(Consumer.plant_id), col(Consumer.status))
    )


def _count_into(figures: ActivityFigures, status: Any, count: int) -> None:
    if ConsumerStatus(status) is ConsumerStatus.ACTIVE:
        figures.active_consumers += count
    else:
        figures.banned_consumers += count


def _apply_status_now(figures: ActivityFigures, row: Any) -> None:
    _, status, count = row
    _count_into(figures, status, int(count))


def _status_changes_since(in_plants: InPlants, end: Any) -> sa.Select[Any, Any, Any, Any]:
    """Per plant, status today and status at ``end``, for consumers changed since ``end``.

    The first change at or after ``end`` records the status the consumer had at ``end``
    (its ``from_status``); none means the consumer was connected only after ``end``.
    """
    history = ConsumerHistoryEntry
    first_after = (
        sa.select(
            col(history.consumer_id).label("consumer_id"),
            col(history.from_status).label("status_then"),
            sa.func.row_number()
            .over(
                partition_by=col(history.consumer_id),
                order_by=(col(history.changed_at), col(history.id)),
            )
            .label("position"),
        )
        .where(col(history.kind) == ConsumerHistoryKind.STATUS, col(history.changed_at) >= end)
        .subquery()
    )
    return (
        sa.select(
            col(Consumer.plant_id), col(Consumer.status), first_after.c.status_then, sa.func.count()
        )
        .join(first_after, first_after.c.consumer_id == col(Consumer.id))
        .where(first_after.c.position == 1, in_plants(col(Consumer.plant_id)))
        .group_by(col(Consumer.plant_id), col(Consumer.status), first_after.c.status_then)
    )


def _apply_rollback(figures: ActivityFigures, row: Any) -> None:
    _, status_now, status_then, count = row
    _count_into(figures, status_now, -int(count))
    if status_then is not None:
        _count_into(figures, status_then, int(count))


def _changes_within(in_plants: InPlants, start: Any, end: Any) -> sa.Select[Any, Any, Any]:
    """Per plant: bans and reconnections that happened in [start, end)."""
    history = ConsumerHistoryEntry
    banned = sa.and_(
        col(history.from_status) == ConsumerStatus.ACTIVE,
        col(history.to_status) == ConsumerStatus.BANNED,
    )
    reconnected = sa.and_(
        col(history.from_status) == ConsumerStatus.BANNED,
        col(history.to_status) == ConsumerStatus.ACTIVE,
    )
    return (
        sa.select(
            col(Consumer.plant_id),
            sa.func.sum(sa.case((banned, 1), else_=0)),
            sa.func.sum(sa.case((reconnected, 1), else_=0)),
        )
        .join(Consumer, col(Consumer.id) == col(history.consumer_id))
        .where(
            col(history.kind) == ConsumerHistoryKind.STATUS,
            col(history.changed_at) >= start,
            col(history.changed_at) < end,
            in_plants(col(Consumer.plant_id)),
        )
        .group_by(col(Consumer.plant_id))
    )


def _apply_changes(figures: ActivityFigures, row: Any) -> None:
    figures.newly_banned = int(row[1] or 0)
    figures.reconnected = int(row[2] or 0)


def _requests_within(in_plants: InPlants, start: Any, end: Any) -> sa.Select[Any, Any, Any]:
    """Per plant and stage: requests created in [start, end) and still open, by their
    open stage; and requests closed in [start, end), whenever created, by how they were
    closed (the Completed tab's rows for the same interval)."""
    request = PackageRequest
    created_and_open = sa.and_(
        col(request.stage).in_(OPEN_STAGES),
        col(request.created_at) >= start,
        col(request.created_at) < end,
    )
    closed = sa.and_(
        col(request.stage).in_(CLOSED_STAGES),
        col(request.closed_at) >= start,
        col(request.closed_at) < end,
    )
    return (
        sa.select(col(request.plant_id), col(request.stage), sa.func.count())
        .where(in_plants(col(request.plant_id)), sa.or_(created_and_open, closed))
        .group_by(col(request.plant_id), col(request.stage))
    )


def _apply_requests(figures: ActivityFigures, row: Any) -> None:
    _, stage, count = row
    figures.requests_by_stage[RequestStage(stage)] = int(count)


APPLY: tuple[Apply, ...] = (_apply_status_now, _apply_rollback, _apply_changes, _apply_requests)
