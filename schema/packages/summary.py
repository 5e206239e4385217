"""The package activity summary (the "information icon" of the tabs)."""

from __future__ import annotations

import strawberry

from models.packages import RequestStage
from resolvers.packages import summary as resolvers
from resolvers.packages.rules import SUMMARY_READERS
from schema.context import Info
from schema.dates import DateRange
from schema.geography import Plant
from schema.permissions import IsAuthenticated, requirement, roles_permission
from schema.relay import decode_id

SUMMARY_ROLES = tuple(sorted(SUMMARY_READERS))


@strawberry.interface(description="Activity figures over the interval.")
class ActivityFigures:
    active_consumers: int = strawberry.field(description="ACTIVE at the end of the interval.")
    banned_consumers: int = strawberry.field(description="BANNED at the end of the interval.")
    newly_banned: int = strawberry.field(description="Disconnected during the interval.")
    reconnected: int = strawberry.field(description="Reconnected during the interval.")
    requested: int = strawberry.field(
        description="Requests created in the interval and still REQUESTED (open, unassigned)."
    )
    in_process: int = strawberry.field(
        description="Requests created in the interval and now IN_PROCESS (open, with a technician)."
    )
    in_review: int = strawberry.field(
        description="Requests created in the interval and now in REVIEW (open, executed, "
        "awaiting an in-charge)."
    )
    completed: int = strawberry.field(
        description="Requests COMPLETED within the interval, whenever created: the "
        "Completed tab's COMPLETED rows for the same interval and plants."
    )
    rejected: int = strawberry.field(
        description="Requests REJECTED within the interval, whenever created: the "
        "Completed tab's REJECTED rows for the same interval and plants."
    )
    cancelled: int = strawberry.field(
        description="Requests CANCELLED within the interval, whenever created: the "
        "Completed tab's CANCELLED rows for the same interval and plants."
    )


def _figures(figures: resolvers.ActivityFigures) -> dict[str, int]:
    by_stage = figures.requests_by_stage
    return {
        "active_consumers": figures.active_consumers,
        "banned_consumers": figures.banned_consumers,
        "newly_banned": figures.newly_banned,
        "reconnected": figures.reconnected,
        "requested": by_stage[RequestStage.REQUESTED],
        "in_process": by_stage[RequestStage.IN_PROCESS],
        "in_review": by_stage[RequestStage.REVIEW],
        "completed": by_stage[RequestStage.COMPLETED],
        "rejected": by_stage[RequestStage.REJECTED],
        "cancelled": by_stage[RequestStage.CANCELLED],
    }


@strawberry.type(description="One plant's row of the summary.")
class PlantActivity(ActivityFigures):
    plant: Plant


@strawberry.type(description="The total row: the sum of every plant's row.")
class PlantActivityTotals(ActivityFigures):
    plant_count: int


@strawberry.type(description="Per plant in scope, and in total.")
class PackageActivitySummary:
    rows: list[PlantActivity]
    total: PlantActivityTotals


@strawberry.type
class PackageSummaryQuery:
    @strawberry.field(
        description=requirement(
            "Per plant in your scope (optionally of one state or cluster): consumers ACTIVE and "
            "BANNED at the end of the range, bans and reconnections within it, requests "
            "created within it and still open by their stage, requests closed within it by "
            "how they closed (as the Completed tab lists them); and a total row.",
            *SUMMARY_ROLES,
        ),
        permission_classes=[IsAuthenticated, roles_permission(*SUMMARY_ROLES)],
    )
    async def package_activity_summary(
        self,
        info: Info,
        range: DateRange,
        state_id: strawberry.ID | None = None,
        cluster_id: strawberry.ID | None = None,
    ) -> PackageActivitySummary:
        summary = await resolvers.activity_summary(
            info.context,
            range.to_days(["range"]),
            decode_id(state_id, "State", ["stateId"]) if state_id is not None else None,
            decode_id(cluster_id, "Cluster", ["clusterId"]) if cluster_id is not None else None,
        )
        return PackageActivitySummary(
            rows=[
                PlantActivity(plant=Plant.from_model(plant), **_figures(figures))
                for plant, figures in summary.rows
            ],
            total=PlantActivityTotals(plant_count=len(summary.rows), **_figures(summary.total)),
        )
