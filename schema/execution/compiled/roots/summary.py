"""``packageActivitySummary``: the resolver's statements, without a resolver per field."""

from __future__ import annotations

from typing import Any

from models.packages import RequestStage
from resolvers.errors import DomainError
from resolvers.packages import summary
from schema.execution.compiled.roots import ResolverRoot, date_range
from schema.execution.compiled.sources import Fallback
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


async def resolve(context: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    """``PackageSummaryQuery.package_activity_summary``, as plain values."""
    try:
        days = date_range(arguments["range"]).to_days(["range"])  # type: ignore[union-attr]
        state = arguments.get("stateId")
        cluster = arguments.get("clusterId")
        found = await summary.activity_summary(
            context,
            days,
            decode_id(state, "State", ["stateId"]) if state is not None else None,
            decode_id(cluster, "Cluster", ["clusterId"]) if cluster is not None else None,
        )
    except DomainError as error:
        raise Fallback("summary refused") from error
    rows = [
        {
            "plant": {"id": _plant_id(plant.id), "code": plant.code, "name": plant.name},
            **_figures(figures),
        }
        for plant, figures in found.rows
    ]
    return {"rows": rows, "total": {"plantCount": len(rows), **_figures(found.total)}}


PACKAGE_ACTIVITY_SUMMARY = ResolverRoot(
    resolve,
    {
        "PackageActivitySummary": frozenset({"rows", "total"}),
        "PlantActivity": FIGURES | {"plant"},
        "PlantActivityTotals": FIGURES | {"plantCount"},
        "Plant": frozenset({"id", "code", "name"}),
    },
)
