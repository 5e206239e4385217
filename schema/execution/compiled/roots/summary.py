"""``packageActivitySummary``: the resolver's five statements, kept as SQL text.

The statements are the resolver's (``resolvers.packages.summary``), written once per
audience and shape with the plants, the interval and the state or cluster as parameters,
and read as plain rows on the driver's connection: no statement building, cache key or
ORM instance per request (which, with 68 plants, cost four times the floor's CPU).
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import col

from models.base import UTCDateTime
from models.expressions import IntegerArray
from models.geography import Plant
from models.packages import RequestStage
from resolvers.errors import DomainError
from resolvers.packages import summary
from resolvers.packages.rules import SUMMARY_READERS
from schema.execution.compiled.roots import AggregateRoot, RunStatement, Shape, date_range
from schema.execution.compiled.sources import Build, Call, Fallback
from schema.execution.compiled.values import global_id
from schema.relay import decode_id

FIGURES = frozenset(
    {
        "activeConsumers",
        "bannedConsumers",
        "newlyBanned",
        "reconnected",
        "requested",
        "inProcess",
        "inReview",
        "completed",
        "rejected",
        "cancelled",
    }
)
_plant_id = global_id("Plant")


def _figures(figures: summary.ActivityFigures) -> dict[str, Any]:
    """``schema.packages.summary._figures``, by GraphQL name."""
    stage = figures.requests_by_stage
    return {
        "activeConsumers": figures.active_consumers,
        "bannedConsumers": figures.banned_consumers,
        "newlyBanned": figures.newly_banned,
        "reconnected": figures.reconnected,
        "requested": stage[RequestStage.REQUESTED],
        "inProcess": stage[RequestStage.IN_PROCESS],
        "inReview": stage[RequestStage.REVIEW],
        "completed": stage[RequestStage.COMPLETED],
        "rejected": stage[RequestStage.REJECTED],
        "cancelled": stage[RequestStage.CANCELLED],
    }


def prepare(call: Call) -> Shape:
    """The arguments as ``PackageSummaryQuery.package_activity_summary`` reads them; the
    shape is which of a state and a cluster narrow the plants."""
    if call.actor.role not in SUMMARY_READERS:
        raise Fallback("summary refused")
    arguments = call.arguments
    try:
        days = date_range(arguments["range"]).to_days(["range"])  # type: ignore[union-attr]
        state = arguments.get("stateId")
        cluster = arguments.get("clusterId")
        state_id = decode_id(state, "State", ["stateId"]) if state is not None else None
        cluster_id = decode_id(cluster, "Cluster", ["clusterId"]) if cluster is not None else None
    except DomainError as error:
        raise Fallback("summary refused") from error
    call.values["start"], call.values["end"] = days.instants(call.settings.zone)
    call.values["state"], call.values["cluster"] = state_id, cluster_id
    return state_id is not None, cluster_id is not None


def statements(build: Build, shape: Shape) -> list[Any]:
    """The plants (id, code, name) in order, then the four statements of the figures."""
    by_state, by_cluster = cast("tuple[bool, bool]", shape)
    state = build.value("state", sa.Integer(), "state") if by_state else None
    cluster = build.value("cluster", sa.Integer(), "cluster") if by_cluster else None
    plants = (
        sa.select(col(Plant.id), col(Plant.code), col(Plant.name))
        .where(*summary.plant_conditions(build.scope(col(Plant.id)), state, cluster))
        .order_by(*summary.PLANT_ORDER)
    )
    ids = build.value("plants", IntegerArray(), "plants")
    start = build.value("start", UTCDateTime(), "start")
    end = build.value("end", UTCDateTime(), "end")
    figures = summary.figure_statements(lambda column: build.one_of(column, ids), start, end)
    return [plants, *figures]


async def answer(call: Call, run: RunStatement) -> dict[str, Any]:
    """``schema.packages.summary``'s answer, as plain values."""
    plants = await run(0)
    plant_ids = [row[0] for row in plants]
    call.values["plants"] = plant_ids
    figures = {plant_id: summary.ActivityFigures() for plant_id in plant_ids}
    if plant_ids:
        for index, apply in enumerate(summary.APPLY, start=1):
            for row in await run(index):
                apply(figures[row[0]], row)
    rows = [
        {
            "plant": {"id": _plant_id(plant_id), "code": code, "name": name},
            **_figures(figures[plant_id]),
        }
        for plant_id, code, name in plants
    ]
    total = summary.total_of(figures.values())
    return {"rows": rows, "total": {"plantCount": len(rows), **_figures(total)}}


PACKAGE_ACTIVITY_SUMMARY = AggregateRoot(
    prepare,
    statements,
    answer,
    {
        "PackageActivitySummary": frozenset({"rows", "total"}),
        "PlantActivity": FIGURES | {"plant"},
        "PlantActivityTotals": FIGURES | {"plantCount"},
        "Plant": frozenset({"id", "code", "name"}),
    },
)
