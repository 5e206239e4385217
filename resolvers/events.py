"""Writing the outbox and notifications, inside the transaction of the change.

An outbox row is the durable record that something happened; publishing it to live
subscribers happens after commit (the event bus), and subscribers that reconnect
replay from the outbox by id, so nothing is lost between the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.events import EventTopic, Notification, NotificationKind, OutboxEvent


async def record_event(
    session: AsyncSession,
    *,
    topic: EventTopic,
    subject_type: str,
    subject_id: int,
    actor_id: int | None,
    plant_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Append an outbox event in the caller's transaction; ids, not data, in the payload."""
    event = OutboxEvent(
        topic=topic.value,
        subject_type=subject_type,
        subject_id=subject_id,
        plant_id=plant_id,
        actor_id=actor_id,
        payload=payload or {},
        created_at=utcnow(),
    )
    session.add(event)
    await session.flush()
    return event


async def notify(
    session: AsyncSession,
    *,
    recipients: Iterable[int | None],
    kind: NotificationKind,
    title: str,
    body: str,
    actor_id: int | None,
    event: OutboxEvent | None = None,
    request_id: int | None = None,
    purchase_request_id: int | None = None,
) -> list[Notification]:
    """Store one notification per recipient (each once; never to the actor themselves)."""
    user_ids = sorted({user_id for user_id in recipients if user_id is not None} - {actor_id})
    now = utcnow()
    notifications = [
        Notification(
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            request_id=request_id,
            purchase_request_id=purchase_request_id,
            outbox_event_id=event.id if event else None,
            created_at=now,
        )
        for user_id in user_ids
    ]
    session.add_all(notifications)
    await session.flush()
    return notifications
