"""Subscriptions over websockets (graphql-transport-ws): live events that lose nothing.

Each event carries a ``cursor``; subscribing again with ``after`` set to the last cursor
received replays, in order, whatever happened meanwhile and then goes live.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry

from auth.actor import Actor
from resolvers.context import RequestContext
from resolvers.events import subscriptions as resolvers
from resolvers.packages.rules import READERS
from schema.context import Info
from schema.enums import AssignmentKind, RequestAction
from schema.events.notifications import Notification
from schema.packages.requests import PackageRequest
from schema.permissions import IsAuthenticated, requirement, roles_permission
from schema.relay import decode_id, decode_ids
from schema.staff import User, staff_member

RESUME = "Resume after this event: pass it as `after` when subscribing again."


@strawberry.type(
    description="A request assigned or reassigned to you, taken off you, sent back to you, "
    "or rejected or cancelled while yours."
)
class AssignmentEvent:
    cursor: str = strawberry.field(description=RESUME)
    kind: AssignmentKind
    request: PackageRequest
    at: datetime = strawberry.field(description="When it happened.")

    @classmethod
    def of(cls, assignment: resolvers.Assignment) -> AssignmentEvent:
        return cls(
            cursor=assignment.cursor,
            kind=assignment.kind,
            request=PackageRequest.from_model(assignment.request),
            at=assignment.at,
        )


@strawberry.type(description="A step taken on a package request in your scope.")
class PackageRequestEvent:
    cursor: str = strawberry.field(description=RESUME)
    action: RequestAction
    request: PackageRequest
    at: datetime
    actor_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, change: resolvers.RequestChange) -> PackageRequestEvent:
        return cls(
            cursor=change.cursor,
            action=RequestAction(change.event.payload["action"]),
            request=PackageRequest.from_model(change.request),
            at=change.event.created_at,
            actor_id=change.event.actor_id,
        )

    @strawberry.field(description="Who took the step.")
    async def actor(self, info: Info) -> User | None:
        return await staff_member(info, self.actor_id)


# What each subscription follows, from its arguments (as the field functions read them),
# and how its values become the field's objects: the field functions below use these,
# and so do live subscriptions shared by an audience (schema.execution.live).


async def follow_request_events(
    ctx: RequestContext, arguments: dict[str, Any]
) -> resolvers.Following[Any]:
    plants = decode_ids(arguments.get("plantIds"), "Plant", ["plantIds"])
    return resolvers.follow_request_events(ctx, plant_ids=plants, after=arguments.get("after"))


async def follow_assignments(
    ctx: RequestContext, arguments: dict[str, Any]
) -> resolvers.Following[Any]:
    return resolvers.follow_assignments(ctx, after=arguments.get("after"))


async def follow_notifications(
    ctx: RequestContext, arguments: dict[str, Any]
) -> resolvers.Following[Any]:
    after = arguments.get("after")
    after_id = decode_id(after, "Notification", ["after"]) if after is not None else None
    return await resolvers.follow_notifications(ctx, after_notification_id=after_id)


@dataclass(frozen=True, slots=True)
class LiveField:
    """A subscription field as live subscriptions run it."""

    follow: Callable[[RequestContext, dict[str, Any]], Awaitable[resolvers.Following[Any]]]
    convert: Callable[[Any], Any]
    # What the values depend on for this subscriber as they now are (Following.audience).
    audience: Callable[[Actor], Hashable]


def _the_user(actor: Actor) -> Hashable:
    return ("user", actor.user_id)


LIVE_FIELDS = {
    "packageRequestEvents": LiveField(
        follow_request_events, PackageRequestEvent.of, resolvers.scope_audience
    ),
    "myAssignments": LiveField(follow_assignments, AssignmentEvent.of, _the_user),
    "notificationAdded": LiveField(follow_notifications, Notification.from_model, _the_user),
}


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=requirement(
            "Requests assigned or reassigned to you, taken off you, sent back to you, or "
            "rejected or cancelled while yours (see AssignmentKind).",
            *sorted(READERS),
        ),
        permission_classes=[IsAuthenticated, roles_permission(*READERS)],
    )
    async def my_assignments(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[AssignmentEvent, None]:
        following = resolvers.follow_assignments(info.context, after=after)
        async with aclosing(resolvers.follow(info.context, following)) as assignments:
            async for assignment in assignments:
                yield AssignmentEvent.of(assignment)

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
        following = await follow_request_events(
            info.context, {"plantIds": plant_ids, "after": after}
        )
        async with aclosing(resolvers.follow(info.context, following)) as changes:
            async for change in changes:
                yield PackageRequestEvent.of(change)

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
        following = await follow_notifications(info.context, {"after": after})
        async with aclosing(resolvers.follow(info.context, following)) as rows:
            async for row in rows:
                yield Notification.from_model(row)
