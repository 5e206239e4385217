"""GraphQL types and root fields of package requests: the tabs, badges and details."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission

from models import packages as models
from resolvers.dates import check_instant
from resolvers.packages import requests as resolvers
from resolvers.packages.rules import READERS
from schema.context import Info
from schema.dates import DateRange
from schema.enums import (
    ConsumerStatus,
    PackageRequestOrder,
    RequestAction,
    RequestStage,
    ServiceType,
)
from schema.geography import Plant
from schema.packages.catalogue import Package
from schema.permissions import IsAuthenticated, requirement, roles_permission
from schema.relay import Connection, ModelNode, connection_from_page, decode_ids, page_args
from schema.staff import User, staff_member

if TYPE_CHECKING:
    from schema.consumers import Consumer


READER_ROLES = tuple(sorted(READERS))


async def _package(info: Info, package_id: int | None) -> Package | None:
    if package_id is None:
        return None
    row = await info.context.loaders.package_by_id.load(package_id)
    return Package.from_model(row, info.context.settings.currency) if row else None


@strawberry.type(description="One step of a request's history: who did what, and when.")
class RequestEvent:
    at: datetime
    action: RequestAction
    from_stage: RequestStage | None
    to_stage: RequestStage
    note: str | None
    actor_id: strawberry.Private[int]
    assignee_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.RequestEvent) -> RequestEvent:
        return cls(
            at=row.at,
            action=row.action,
            from_stage=row.from_stage,
            to_stage=row.to_stage,
            note=row.note,
            actor_id=row.actor_id,
            assignee_id=row.assignee_id,
        )

    @strawberry.field(description="Who took this step.")
    async def actor(self, info: Info) -> User | None:
        return await staff_member(info, self.actor_id)

    @strawberry.field(
        description="Who the request was assigned to after this step; null when nobody was."
    )
    async def assignee(self, info: Info) -> User | None:
        return await staff_member(info, self.assignee_id)


@strawberry.type(description="A request for a service on a consumer's connection.")
class PackageRequest(ModelNode[models.PackageRequest]):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="The reference read out to people (PR-000123).")
    service: ServiceType
    stage: RequestStage
    note: str | None = strawberry.field(
        description="What the requester wrote; null if they wrote nothing."
    )
    version: int = strawberry.field(
        description="Increases with every transition; send it as expectedVersion so that a "
        "change made meanwhile by someone else is refused instead of overwritten."
    )
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = strawberry.field(
        description="When it was completed, rejected or cancelled; null while it is open."
    )
    consumer_id: strawberry.Private[int]
    plant_id: strawberry.Private[int]
    current_package_id: strawberry.Private[int]
    requested_package_id: strawberry.Private[int | None]
    assignee_id: strawberry.Private[int | None]
    requested_by_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.PackageRequest) -> PackageRequest:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            number=resolvers.request_number(row.id),
            service=row.service,
            stage=row.stage,
            note=row.note,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            closed_at=row.closed_at,
            consumer_id=row.consumer_id,
            plant_id=row.plant_id,
            current_package_id=row.current_package_id,
            requested_package_id=row.requested_package_id,
            assignee_id=row.assignee_id,
            requested_by_id=row.requested_by_id,
        )

    @strawberry.field(
        description="The consumer the request is for; null when they have since moved to a "
        "plant outside your scope."
    )
    async def consumer(
        self, info: Info
    ) -> Annotated[Consumer, strawberry.lazy("schema.consumers")] | None:
        from schema.consumers import Consumer

        row = await info.context.loaders.consumer_by_id.load(self.consumer_id)
        return Consumer.from_model(row) if row else None

    @strawberry.field(description="The plant of the consumer when the request was made.")
    async def plant(self, info: Info) -> Plant | None:
        row = await info.context.loaders.plant_by_id.load(self.plant_id)
        return Plant.from_model(row) if row else None

    @strawberry.field(description="The consumer's package when the request was made.")
    async def current_package(self, info: Info) -> Package | None:
        return await _package(info, self.current_package_id)

    @strawberry.field(description="The package asked for (UPGRADE and DOWNGRADE only).")
    async def requested_package(self, info: Info) -> Package | None:
        return await _package(info, self.requested_package_id)

    @strawberry.field(description="The technician working on it; null while nobody is assigned.")
    async def assignee(self, info: Info) -> User | None:
        return await staff_member(info, self.assignee_id)

    @strawberry.field(description="Who registered the request.")
    async def requested_by(self, info: Info) -> User | None:
        return await staff_member(info, self.requested_by_id)

    @strawberry.field(description="Every step so far, oldest first: who did each stage.")
    async def history(self, info: Info) -> list[RequestEvent]:
        rows = await resolvers.history_of(info.context, self.id)
        return [RequestEvent.from_model(row) for row in rows]

    @strawberry.field(
        description="Active technicians of the request's plant: who it may be assigned to."
    )
    async def assignable_technicians(self, info: Info) -> list[User]:
        rows = await resolvers.assignable_technicians(info.context, self.plant_id)
        # At the request's plant, so within the caller's visibility: shown in full.
        return [User.from_model(row, detailed=True) for row in rows]

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.PackageRequest | None]:
        return await resolvers.requests_by_id(info.context, ids)


@strawberry.type(description="A page of package requests.")
class PackageRequestConnection(Connection[PackageRequest]):
    pass


@strawberry.input(description="Narrows the package request list (and the tab badges).")
class PackageRequestFilter:
    stages: list[RequestStage] | None = None
    plant_ids: list[strawberry.ID] | None = None
    services: list[ServiceType] | None = None
    consumer_status: ConsumerStatus | None = None
    assigned_to_me: bool | None = strawberry.field(
        default=None, description="true: only mine; false: only others' (and unassigned)."
    )
    created_in: DateRange | None = None
    closed_in: DateRange | None = strawberry.field(
        default=None, description="Closed (completed, rejected, cancelled) in these days."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Changed after this instant: the app's delta sync."
    )

    def to_filter(self) -> resolvers.RequestFilter:
        return resolvers.RequestFilter(
            stages=self.stages,
            plant_ids=decode_ids(self.plant_ids, "Plant", ["filter", "plantIds"]),
            services=self.services,
            consumer_status=self.consumer_status,
            assigned_to_me=self.assigned_to_me,
            created_in=self.created_in.to_days(["filter", "createdIn"])
            if self.created_in
            else None,
            closed_in=self.closed_in.to_days(["filter", "closedIn"]) if self.closed_in else None,
            updated_since=check_instant(self.updated_since, ["filter", "updatedSince"])
            if self.updated_since
            else None,
        )


@strawberry.type(description="How many requests each tab holds (the badges).")
class PackageRequestCounts:
    requested: int
    in_process: int
    review: int
    completed: int
    rejected: int
    cancelled: int


_readers: list[type[BasePermission]] = [IsAuthenticated, roles_permission(*READER_ROLES)]


@strawberry.type
class PackageRequestsQuery:
    @strawberry.field(
        description=requirement("Package requests in your scope (the tabs).", *READER_ROLES),
        permission_classes=_readers,
    )
    async def package_requests(
        self,
        info: Info,
        filter: PackageRequestFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: PackageRequestOrder = resolvers.RequestOrder.NEWEST_FIRST,
    ) -> PackageRequestConnection:
        page = await resolvers.list_requests(
            info.context,
            (filter or PackageRequestFilter()).to_filter(),
            order_by,
            page_args(first, after, last, before),
        )
        return connection_from_page(PackageRequestConnection, page, PackageRequest.from_model)

    @strawberry.field(
        description=requirement(
            "How many requests each tab holds, in one query (the filter's stages are ignored).",
            *READER_ROLES,
        ),
        permission_classes=_readers,
    )
    async def package_request_counts(
        self, info: Info, filter: PackageRequestFilter | None = None
    ) -> PackageRequestCounts:
        counts = await resolvers.count_by_stage(
            info.context, (filter or PackageRequestFilter()).to_filter()
        )
        stage = models.RequestStage
        return PackageRequestCounts(
            requested=counts[stage.REQUESTED],
            in_process=counts[stage.IN_PROCESS],
            review=counts[stage.REVIEW],
            completed=counts[stage.COMPLETED],
            rejected=counts[stage.REJECTED],
            cancelled=counts[stage.CANCELLED],
        )
