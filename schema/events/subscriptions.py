"""Subscriptions over websockets (graphql-transport-ws): live events that lose nothing.

Each event carries a ``cursor``; subscribing again with ``after`` set to the last cursor
received replays, in order, whatever happened meanwhile and then goes live.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import datetime

import strawberry

from resolvers.events import subscriptions as resolvers
from resolvers.packages.rules import READERS
from schema.context import Info
from schema.events.notifications import Notification
from schema.packages.requests import PackageRequest, RequestAction
from schema.permissions import IsAuthenticated, requirement, roles_permission
from schema.relay import decode_id, decode_ids
from schema.staff import User

AssignmentKind = strawberry.enum(
    resolvers.AssignmentKind,
    description="What happened to a request, for the field agent it concerns.",
)

RESUME = "Resume after this event: pass it as `after` when subscribing again."


@strawberry.type(
    description="A request assigned or reassigned to you, taken off you, or sent back to you."
)
class AssignmentEvent:
    cursor: str = strawberry.field(description=RESUME)
    kind: AssignmentKind  # type: ignore[valid-type]
    request: PackageRequest


@strawberry.type(description="A step taken on a package request in your scope.")
class PackageRequestEvent:
    cursor: str = strawberry.field(description=RESUME)
    action: RequestAction  # type: ignore[valid-type]
    request: PackageRequest
    at: datetime
    actor_id: strawberry.Private[int | None]

    @strawberry.field(description="Who took the step.")
    async def actor(self, info: Info) -> User | None:
        if self.actor_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.actor_id)
        return User.from_model(row) if row else None


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=requirement(
            "Requests assigned or reassigned to you, taken off you, or sent back to you.",
            *sorted(READERS),
        ),
        permission_classes=[IsAuthenticated, roles_permission(*READERS)],
    )
    async def my_assignments(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[AssignmentEvent, None]:
        async with aclosing(resolvers.my_assignments(info.context, after=after)) as changes:
            async for change in changes:
                yield AssignmentEvent(
                    cursor=change.cursor,
                    kind=change.kind,
                    request=PackageRequest.from_model(change.request),
                )

    @strawberry.subscription(
        description=requirement(
            "Every step taken on package requests in your scope, optionally only at "
            "these plants: for live dashboards.",
            *sorted(READERS),
        ),
        permission_classes=[IsAuthenticated, roles_permission(*READERS)],
    )
    async def package_request_events(
        self,
        info: Info,
        plant_ids: list[strawberry.ID] | None = None,
        after: str | None = None,
    ) -> AsyncGenerator[PackageRequestEvent, None]:
        plants = decode_ids(plant_ids, "Plant", ["plantIds"])
        changes = resolvers.package_request_events(info.context, plant_ids=plants, after=after)
        async with aclosing(changes):
            async for change in changes:
                yield PackageRequestEvent(
                    cursor=change.cursor,
                    action=RequestAction(change.event.payload["action"]),
                    request=PackageRequest.from_model(change.request),
                    at=change.event.created_at,
                    actor_id=change.event.actor_id,
                )

    @strawberry.subscription(
        description=requirement(
            "Your notifications as they arrive. To resume, pass the id of the newest "
            "notification you have as `after`."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def notification_added(
        self, info: Info, after: strawberry.ID | None = None
    ) -> AsyncGenerator[Notification, None]:
        after_id = decode_id(after, "Notification", ["after"]) if after is not None else None
        rows = resolvers.notifications_added(info.context, after_notification_id=after_id)
        async with aclosing(rows):
            async for row in rows:
                yield Notification.from_model(row)
