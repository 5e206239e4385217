"""Notifications: the signed-in user's, stored until read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from models import events as models
from resolvers.events import notifications as resolvers
from schema.context import Info
from schema.enums import NotificationKind
from schema.errors import UserError
from schema.mutation import payload_mutation
from schema.permissions import IsAuthenticated, requirement
from schema.relay import Connection, ModelNode, connection_from_page, decode_ids, page_args

if TYPE_CHECKING:
    from schema.inventory.purchases import PurchaseRequest
    from schema.packages.requests import PackageRequest


@strawberry.type(description="A message to you about something that concerns you.")
class Notification(ModelNode[models.Notification]):
    id: relay.NodeID[int]
    kind: NotificationKind
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None
    request_id: strawberry.Private[int | None]
    purchase_request_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Notification) -> Notification:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            kind=row.kind,
            title=row.title,
            body=row.body,
            created_at=row.created_at,
            read_at=row.read_at,
            request_id=row.request_id,
            purchase_request_id=row.purchase_request_id,
        )

    @strawberry.field(description="The package request it is about, if any (and still visible).")
    async def request(
        self, info: Info
    ) -> Annotated[PackageRequest, strawberry.lazy("schema.packages.requests")] | None:
        from resolvers.packages.requests import requests_by_id
        from schema.packages.requests import PackageRequest

        if self.request_id is None:
            return None
        rows = await requests_by_id(info.context, [self.request_id])
        return PackageRequest.from_model(rows[0]) if rows[0] else None

    @strawberry.field(description="The purchase request it is about, if any (and still visible).")
    async def purchase_request(
        self, info: Info
    ) -> Annotated[PurchaseRequest, strawberry.lazy("schema.inventory.purchases")] | None:
        from resolvers.inventory.purchases import purchase_requests_by_id
        from schema.inventory.purchases import PurchaseRequest

        if self.purchase_request_id is None:
            return None
        rows = await purchase_requests_by_id(info.context, [self.purchase_request_id])
        return PurchaseRequest.from_model(rows[0]) if rows[0] else None

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.Notification | None]:
        # Only your own notifications are nodes you can fetch.
        rows = await resolvers.notifications_by_id(info.context, ids)
        return [rows.get(notification_id) for notification_id in ids]


@strawberry.type(description="A page of notifications, newest first.")
class NotificationConnection(Connection[Notification]):
    pass


@strawberry.type(description="How many notifications were marked read.")
class MarkNotificationsReadPayload:
    marked: int = 0
    unread: int = strawberry.field(default=0, description="How many remain unread.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Which of your notifications to mark read: `ids`, or `all`.")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="These notifications (at most 100)..."
    )
    all: bool | None = strawberry.field(default=None, description="...or all of yours.")


@strawberry.type
class NotificationsQuery:
    @strawberry.field(
        description=requirement("Your notifications, newest first."),
        permission_classes=[IsAuthenticated],
    )
    async def notifications(
        self,
        info: Info,
        unread_only: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NotificationConnection:
        page = await resolvers.list_notifications(
            info.context, unread_only=bool(unread_only), page=page_args(first, after)
        )
        return connection_from_page(NotificationConnection, page, Notification.from_model)

    @strawberry.field(
        description=requirement("How many of your notifications are unread (the bell badge)."),
        permission_classes=[IsAuthenticated],
    )
    async def unread_notification_count(self, info: Info) -> int:
        return await resolvers.unread_count(info.context)


@strawberry.type
class NotificationsMutation:
    @strawberry.mutation(
        description=requirement("Mark your notifications read: the ones listed, or all."),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation()
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        ids = decode_ids(input.ids, "Notification", ["input", "ids"])
        marked = await resolvers.mark_notifications_read(
            info.context, ids=ids, everything=bool(input.all)
        )
        return MarkNotificationsReadPayload(
            marked=marked, unread=await resolvers.unread_count(info.context)
        )
