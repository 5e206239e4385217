"""Consumers (households and shops) and the history of their connection."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import BigIntId, UTCDateTime, enum_type, timestamp_field


class ConsumerStatus(StrEnum):
    ACTIVE = "ACTIVE"
    BANNED = "BANNED"


class Consumer(SQLModel, table=True):
    """A connection at a plant: a household or shop on one package."""

    __tablename__ = "consumers"
    __table_args__ = (
        sa.CheckConstraint("phone LIKE '+%'", name="phone_e164"),
        # Keyset pages of a plant's consumers in name order, optionally by status.
        sa.Index("ix_consumers_plant_id_name_id", "plant_id", "name", "id"),
        sa.Index("ix_consumers_plant_id_status_name_id", "plant_id", "status", "name", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_number: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=120, index=True)
    phone: str = Field(max_length=16, index=True)
    plant_id: int = Field(foreign_key="plants.id")
    package_id: int = Field(foreign_key="packages.id", index=True)
    status: ConsumerStatus = Field(sa_type=enum_type(ConsumerStatus), default=ConsumerStatus.ACTIVE)
    connected_at: date
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class ConsumerHistoryKind(StrEnum):
    STATUS = "STATUS"
    PACKAGE = "PACKAGE"


class ConsumerHistoryEntry(SQLModel, table=True):
    """A change of a consumer's status or package, with when and why.

    The activity summary reads status at any past instant from these rows, so a
    consumer's connection is recorded too (a STATUS entry from nothing to ACTIVE).
    """

    __tablename__ = "consumer_history"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'STATUS' AND to_status IS NOT NULL)"
            " OR (kind = 'PACKAGE' AND to_package_id IS NOT NULL)",
            name="kind_has_target",
        ),
        sa.Index("ix_consumer_history_consumer_id_changed_at", "consumer_id", "changed_at"),
        sa.Index("ix_consumer_history_kind_changed_at", "kind", "changed_at"),
    )

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    consumer_id: int = Field(foreign_key="consumers.id")
    kind: ConsumerHistoryKind = Field(sa_type=enum_type(ConsumerHistoryKind))
    from_status: ConsumerStatus | None = Field(
        default=None, sa_type=enum_type(ConsumerStatus, "from_status")
    )
    to_status: ConsumerStatus | None = Field(
        default=None, sa_type=enum_type(ConsumerStatus, "to_status")
    )
    from_package_id: int | None = Field(default=None, foreign_key="packages.id")
    to_package_id: int | None = Field(default=None, foreign_key="packages.id")
    changed_at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    request_id: int | None = Field(default=None, foreign_key="package_requests.id", index=True)
    note: str | None = Field(default=None, max_length=500)
