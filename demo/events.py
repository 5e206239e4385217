"""Recent outbox events and the notifications they caused, so those screens have content.

For the last two weeks, every package-request event and purchase-request change gets
an outbox row, and the people it concerns (per DESIGN.md) a notification; those older
than a couple of days are already read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from demo.bulk import Clock, Dataset, Row
from demo.inventory import PurchaseDraft
from demo.requests import EventDraft, RequestDraft, RequestLog
from demo.world import World
from models import (
    Notification,
    NotificationKind,
    OutboxEvent,
    PurchaseStatus,
    RequestAction,
)

NOTIFICATION_WINDOW_DAYS = 14
READ_AFTER_DAYS = 2
READ_DELAY = timedelta(hours=3)
TOPIC_PACKAGE_REQUEST = "package_request"
TOPIC_PURCHASE_REQUEST = "purchase_request"
SUBJECT_PACKAGE_REQUEST = "PackageRequest"
SUBJECT_PURCHASE_REQUEST = "PurchaseRequest"

_REQUEST_TITLES = {
    NotificationKind.REQUEST_ASSIGNED: "{number} assigned to you",
    NotificationKind.REQUEST_UNASSIGNED: "{number} reassigned to a colleague",
    NotificationKind.REQUEST_PROCESSED: "{number} is ready for review",
    NotificationKind.REQUEST_SENT_BACK: "{number} was sent back to you",
    NotificationKind.REQUEST_COMPLETED: "{number} is completed",
    NotificationKind.REQUEST_REJECTED: "{number} was rejected",
    NotificationKind.REQUEST_CANCELLED: "{number} was cancelled",
}
_PURCHASE_TITLES = {
    NotificationKind.PURCHASE_REQUESTED: "Purchase request for {product} awaits approval",
    NotificationKind.PURCHASE_APPROVED: "Purchase of {product} approved",
    NotificationKind.PURCHASE_REJECTED: "Purchase of {product} rejected",
}


@dataclass(slots=True)
class _Outbox:
    topic: str
    subject_type: str
    subject_id: int
    plant_id: int | None
    actor_id: int | None
    payload: dict[str, Any]
    at: datetime
    # (user, kind, title, body, request id, purchase id)
    notices: list[tuple[int, NotificationKind, str, str, int | None, int | None]] = field(
        default_factory=list
    )


def _request_recipients(
    event: EventDraft, request: RequestDraft
) -> list[tuple[int, NotificationKind]]:
    """Who hears of ``event`` (DESIGN.md, package activity), never its own actor."""
    action, kind = event.action, NotificationKind
    plant = request.consumer.plant
    recipients: list[tuple[int | None, NotificationKind]] = []
    if action in (RequestAction.ASSIGN, RequestAction.REASSIGN):
        recipients.append((event.assignee_id, kind.REQUEST_ASSIGNED))
        if action is RequestAction.REASSIGN:
            recipients.append((event.previous_assignee_id, kind.REQUEST_UNASSIGNED))
    elif action is RequestAction.PROCESS:
        recipients.append((plant.cluster_incharge_id, kind.REQUEST_PROCESSED))
    elif action is RequestAction.SEND_BACK:
        recipients.append((event.assignee_id, kind.REQUEST_SENT_BACK))
    elif action is RequestAction.COMPLETE:
        recipients.append((request.requested_by_id, kind.REQUEST_COMPLETED))
    elif action is RequestAction.REJECT:
        recipients.append((request.requested_by_id, kind.REQUEST_REJECTED))
    elif action is RequestAction.CANCEL:
        recipients.append((request.requested_by_id, kind.REQUEST_CANCELLED))
    return [(user, k) for user, k in recipients if user is not None and user != event.actor_id]


def _request_outbox(event: EventDraft, request: RequestDraft) -> _Outbox:
    number = f"PR-{request.id:06d}"
    consumer = request.consumer
    outbox = _Outbox(
        TOPIC_PACKAGE_REQUEST,
        SUBJECT_PACKAGE_REQUEST,
        request.id,
        consumer.plant.id,
        event.actor_id,
        {
            "event_id": event.id,
            "request_id": request.id,
            "action": event.action.value,
            "from_stage": event.from_stage.value if event.from_stage else None,
            "to_stage": event.to_stage.value,
            "assignee_id": event.assignee_id,
        },
        event.at,
    )
    body = (
        f"{request.service.value.title()} for {consumer.name} ({consumer.account_number})"
        f" at {consumer.plant.name}."
    )
    for user, kind in _request_recipients(event, request):
        title = _REQUEST_TITLES[kind].format(number=number)
        outbox.notices.append((user, kind, title, body, request.id, None))
    return outbox


def _purchase_outboxes(purchase: PurchaseDraft, state_incharge_id: int) -> list[_Outbox]:
    """The changes of a purchase request: raised, decided, received."""
    product = purchase.product.spec.name
    body = f"{purchase.quantity} units of {product}: {purchase.reason}"
    decider = purchase.decided_by_id or state_incharge_id
    changes: list[tuple[datetime, str, int, NotificationKind | None, int]] = [
        (
            purchase.created_at,
            "CREATED",
            purchase.requested_by_id,
            NotificationKind.PURCHASE_REQUESTED,
            state_incharge_id,
        ),
    ]
    if purchase.decided_at is not None:
        rejected = purchase.status is PurchaseStatus.REJECTED
        decision = (
            NotificationKind.PURCHASE_REJECTED if rejected else NotificationKind.PURCHASE_APPROVED
        )
        change = "REJECTED" if rejected else "APPROVED"
        changes.append((purchase.decided_at, change, decider, decision, purchase.requested_by_id))
    if purchase.received_at is not None:
        changes.append((purchase.received_at, "RECEIVED", decider, None, purchase.requested_by_id))
    outboxes = []
    for at, change, actor, kind, user in changes:
        outbox = _Outbox(
            TOPIC_PURCHASE_REQUEST,
            SUBJECT_PURCHASE_REQUEST,
            purchase.id,
            None,
            actor,
            {"purchase_request_id": purchase.id, "change": change},
            at,
        )
        if kind is not None and user != actor:
            title = _PURCHASE_TITLES[kind].format(product=product)
            outbox.notices.append((user, kind, title, body, None, purchase.id))
        outboxes.append(outbox)
    return outboxes


def emit_events(
    data: Dataset,
    clock: Clock,
    world: World,
    log: RequestLog,
    purchases: list[PurchaseDraft],
) -> None:
    """Queue the recent outbox events (in time order) and their notifications."""
    since = clock.instant(clock.day(NOTIFICATION_WINDOW_DAYS), 0)
    read_before = clock.instant(clock.day(READ_AFTER_DAYS), 0)
    outboxes = [_request_outbox(e, request) for e, request in log.events if e.at >= since]
    for purchase in purchases:
        incharge = world.state_incharges[purchase.state_id]
        outboxes.extend(o for o in _purchase_outboxes(purchase, incharge) if o.at >= since)
    outboxes.sort(key=lambda o: (o.at, o.topic, o.subject_id))
    notifications: list[Row] = []
    for number, o in enumerate(outboxes, start=1):
        data.add(
            OutboxEvent,
            {
                "id": number,
                "tx_id": 0,  # on PostgreSQL the outbox trigger stamps the seed's transaction
                "topic": o.topic,
                "subject_type": o.subject_type,
                "subject_id": o.subject_id,
                "plant_id": o.plant_id,
                "actor_id": o.actor_id,
                "payload": o.payload,
                "created_at": o.at,
            },
        )
        for user, kind, title, body, request_id, purchase_id in o.notices:
            notifications.append(
                {
                    "id": len(notifications) + 1,
                    "user_id": user,
                    "kind": kind,
                    "title": title,
                    "body": body,
                    "request_id": request_id,
                    "purchase_request_id": purchase_id,
                    "outbox_event_id": number,
                    "created_at": o.at,
                    "read_at": o.at + READ_DELAY if o.at < read_before else None,
                }
            )
    data.extend(Notification, notifications)
