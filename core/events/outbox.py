"""Reading the outbox in position order, only as far as nothing can still appear behind.

A position is ``(tx_id, id)``. On PostgreSQL two transactions can commit in the other
order than their ids were drawn, so reading "ids above the last one seen" could skip an
event committed late. Instead events are ordered by the id of the transaction that wrote
them and read only up to the oldest transaction still running (the snapshot's xmin):
every transaction below it has ended, so no event can ever appear at a position already
passed. On SQLite writers take turns (BEGIN IMMEDIATE), ids are drawn in commit order
and ``tx_id`` is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.events import Notification, OutboxEvent

Position = tuple[int, int]
ORIGIN: Position = (0, 0)
# The payload keys naming the users an event concerns, besides its notifications'
# recipients: a subscription following one user's events is offered only those.
USER_KEYS = ("assigneeId", "previousAssigneeId")

_POSITION = sa.tuple_(col(OutboxEvent.tx_id), col(OutboxEvent.id))  # (tx_id, id)
_XMIN = sa.cast(
    sa.cast(sa.func.pg_snapshot_xmin(sa.func.pg_current_snapshot()), sa.Text), sa.BigInteger
)


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One committed outbox event, with the notifications written with it.

    ``shared`` lets the subscriptions that receive the same event share what they load
    for it (one fresh actor and one set of loaders per user, not per subscription);
    ``together`` is shared by the events the feed read in the same pass (a burst), so that
    what they load is loaded in batches.
    """

    position: Position
    event: OutboxEvent
    notifications: tuple[Notification, ...] = ()
    shared: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    together: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def users(self) -> set[int]:
        """The users this event concerns (``USER_KEYS``, notifications' recipients)."""
        named = {self.event.payload.get(key) for key in USER_KEYS}
        return {u for u in named if isinstance(u, int)} | {n.user_id for n in self.notifications}


def position_of(event: OutboxEvent) -> Position:
    assert event.id is not None  # noqa: S101 - read from the table
    return (event.tx_id, event.id)


def _settled(postgres: bool) -> Any:
    return col(OutboxEvent.tx_id) < _XMIN if postgres else sa.true()


async def head(session: AsyncSession, *, postgres: bool) -> Position:
    """The position of the newest event that can be read now (ORIGIN when none)."""
    row = (
        await session.execute(
            sa.select(col(OutboxEvent.tx_id), col(OutboxEvent.id))
            .where(_settled(postgres))
            .order_by(col(OutboxEvent.tx_id).desc(), col(OutboxEvent.id).desc())
            .limit(1)
        )
    ).first()
    return (int(row[0]), int(row[1] or 0)) if row else ORIGIN


async def read_after(
    session: AsyncSession,
    after: Position,
    *,
    postgres: bool,
    limit: int,
    where: Sequence[Any] = (),
    notifications_for: int | None = None,
    all_notifications: bool = False,
) -> list[FeedEvent]:
    """Up to ``limit`` settled events after ``after`` that match ``where``, in order.

    With ``all_notifications`` each event carries every notification written with it;
    with ``notifications_for`` only that user's.
    """
    statement = (
        sa.select(OutboxEvent)
        .where(sa.tuple_(*after) < _POSITION, _settled(postgres), *where)
        .order_by(col(OutboxEvent.tx_id), col(OutboxEvent.id))
        .limit(limit)
    )
    events = list((await session.execute(statement)).scalars())
    by_event: dict[int, list[Notification]] = {}
    if events and (all_notifications or notifications_for is not None):
        query = sa.select(Notification).where(
            col(Notification.outbox_event_id).in_([e.id for e in events])
        )
        if not all_notifications:
            query = query.where(col(Notification.user_id) == notifications_for)
        for notification in (await session.execute(query.order_by(col(Notification.id)))).scalars():
            assert notification.outbox_event_id is not None  # noqa: S101 - filtered on it
            by_event.setdefault(notification.outbox_event_id, []).append(notification)
    return [FeedEvent(position_of(e), e, tuple(by_event.get(e.id or 0, ()))) for e in events]


async def position_of_notification(
    session: AsyncSession, notification_id: int, user_id: int
) -> Position | None:
    """Where the user's own notification sits in the outbox, to resume after it."""
    row = (
        await session.execute(
            sa.select(col(OutboxEvent.tx_id), col(OutboxEvent.id))
            .join(Notification, col(Notification.outbox_event_id) == col(OutboxEvent.id))
            .where(col(Notification.id) == notification_id, col(Notification.user_id) == user_id)
        )
    ).first()
    return (int(row[0]), int(row[1] or 0)) if row else None
