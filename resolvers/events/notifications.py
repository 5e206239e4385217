"""Writing the outbox and notifications, inside the transaction of the change.

An outbox row is the durable record that something happened; publishing it to live
subscribers happens after commit (the event bus), and subscribers that reconnect
replay from the outbox by id, so nothing is lost between the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import write_session
from core.events.signals import mark_outbox_written
from models.base import utcnow
from models.events import EventTopic, Notification, NotificationKind, OutboxEvent
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode
from resolvers.pagination import Page, PageArgs, SortKey
from resolvers.validation import shortened

# The length of notifications.body. A body quotes what people wrote (a 1,000-character
# reason after the actor's name), so a long one is shortened rather than refused.
NOTIFICATION_BODY_MAX_LENGTH = 1000


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
    mark_outbox_written(session)
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
            body=shortened(body, NOTIFICATION_BODY_MAX_LENGTH),
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


NOTIFICATION_ORDER = (SortKey(col(Notification.id), "id", descending=True),)


async def list_notifications(
    ctx: RequestContext, *, unread_only: bool, page: PageArgs
) -> Page[Notification]:
    """The signed-in user's notifications, newest first."""
    actor = ctx.require_actor()
    statement = sa.select(Notification).where(col(Notification.user_id) == actor.user_id)
    if unread_only:
        statement = statement.where(col(Notification.read_at).is_(None))
    return await ctx.paginate(statement, NOTIFICATION_ORDER, page)


MAX_IDS = 100


async def mark_notifications_read(
    ctx: RequestContext, *, ids: list[int] | None, everything: bool
) -> int:
    """Mark the user's own notifications read (the listed ones, or all); how many changed.

    Ids of other users' notifications are ignored, as if they did not exist.
    """
    actor = ctx.require_actor()
    if everything == (ids is not None):
        raise DomainError(ErrorCode.VALIDATION, "Give either `ids` or `all: true`.", ["input"])
    if ids is not None and len(ids) > MAX_IDS:
        raise DomainError(
            ErrorCode.VALIDATION, f"Mark at most {MAX_IDS} at a time, or all.", ["input", "ids"]
        )
    statement = sa.update(Notification).where(
        col(Notification.user_id) == actor.user_id, col(Notification.read_at).is_(None)
    )
    if ids is not None:
        statement = statement.where(col(Notification.id).in_(ids))
    async with write_session(ctx.sessions) as session:
        result = await session.execute(statement.values(read_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def unread_count(ctx: RequestContext) -> int:
    actor = ctx.require_actor()
    statement = sa.select(sa.func.count()).where(
        col(Notification.user_id) == actor.user_id, col(Notification.read_at).is_(None)
    )
    async with ctx.sessions() as session:
        return int((await session.execute(statement)).scalar_one())


async def notifications_by_id(ctx: RequestContext, ids: list[int]) -> dict[int, Notification]:
    """The actor's own notifications among ``ids`` (others' do not exist for them)."""
    actor = ctx.require_actor()
    statement = sa.select(Notification).where(
        col(Notification.id).in_(ids), col(Notification.user_id) == actor.user_id
    )
    async with ctx.sessions() as session:
        return {n.id: n for n in (await session.execute(statement)).scalars() if n.id is not None}
