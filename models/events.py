"""The transactional outbox and stored notifications."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import BigIntId, UTCDateTime, enum_type, timestamp_field


class EventTopic(StrEnum):
    """What an outbox event is about; subscribers listen by topic."""

    PACKAGE_REQUEST = "package_request"
    PURCHASE_REQUEST = "purchase_request"
    STOCK = "stock"
    SCHEME_ENROLLMENT = "scheme_enrollment"
    # A user's role, scope, name or active flag changed (subject: the user).
    STAFF = "staff"
    # A cluster or plant was added or moved: scopes may have changed (subject: it).
    GEOGRAPHY = "geography"


class OutboxEvent(SQLModel, table=True):
    """Something others must hear about, written in the same transaction as the change.

    Published on the event bus after commit. Events are read, and subscribers resume, in
    the order of their *position* ``(tx_id, id)``: on PostgreSQL ids are handed out before
    commit, so a later id can become visible first; ordering by the writing transaction's
    id, and reading only transactions older than every one still running, gives an order
    in which nothing can appear behind a reader (core/events/outbox.py).
    """

    __tablename__ = "outbox_events"
    __table_args__ = (
        sa.Index("ix_outbox_events_plant_id_id", "plant_id", "id"),
        sa.Index("ix_outbox_events_topic_id", "topic", "id"),
        sa.Index("ix_outbox_events_tx_id_id", "tx_id", "id"),
    )

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    # On PostgreSQL a trigger sets it to the writing transaction's id (and notifies the
    # event's id); SQLite has one writer at a time, so there it stays 0 and ids suffice.
    tx_id: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})
    topic: str = Field(max_length=64)
    subject_type: str = Field(max_length=32)
    subject_id: int
    # The plant the event concerns, if any: scope filtering at delivery reads it.
    plant_id: int | None = Field(default=None, foreign_key="plants.id")
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = timestamp_field()


class NotificationKind(StrEnum):
    REQUEST_ASSIGNED = "REQUEST_ASSIGNED"
    REQUEST_UNASSIGNED = "REQUEST_UNASSIGNED"
    REQUEST_PROCESSED = "REQUEST_PROCESSED"
    REQUEST_SENT_BACK = "REQUEST_SENT_BACK"
    REQUEST_COMPLETED = "REQUEST_COMPLETED"
    REQUEST_REJECTED = "REQUEST_REJECTED"
    REQUEST_CANCELLED = "REQUEST_CANCELLED"
    PURCHASE_REQUESTED = "PURCHASE_REQUESTED"
    PURCHASE_APPROVED = "PURCHASE_APPROVED"
    PURCHASE_REJECTED = "PURCHASE_REJECTED"


class Notification(SQLModel, table=True):
    """A message to one user, kept until read so that an agent offline still gets it."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_id_id", "user_id", "id"),
        sa.Index(
            "ix_notifications_user_id_unread",
            "user_id",
            "id",
            sqlite_where=sa.text("read_at IS NULL"),
            postgresql_where=sa.text("read_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    kind: NotificationKind = Field(sa_type=enum_type(NotificationKind))
    title: str = Field(max_length=200)
    body: str = Field(max_length=1000)
    request_id: int | None = Field(default=None, foreign_key="package_requests.id", index=True)
    purchase_request_id: int | None = Field(
        default=None, foreign_key="purchase_requests.id", index=True
    )
    outbox_event_id: int | None = Field(
        default=None, sa_type=BigIntId, foreign_key="outbox_events.id"
    )
    created_at: datetime = timestamp_field()
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
