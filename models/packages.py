"""Electricity packages (tariffs) and package requests with their event history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import BigIntId, UTCDateTime, enum_type, timestamp_field


class Package(SQLModel, table=True):
    """A tariff: the load a consumer may draw and what it costs each month."""

    __tablename__ = "packages"
    __table_args__ = (
        sa.CheckConstraint("load_watts > 0", name="load_watts_positive"),
        sa.CheckConstraint("monthly_fee_minor >= 0", name="monthly_fee_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=120)
    load_watts: int
    monthly_fee_minor: int
    active: bool = Field(default=True, index=True)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class ServiceType(StrEnum):
    """What a package request asks for."""

    UPGRADE = "UPGRADE"
    DOWNGRADE = "DOWNGRADE"
    DISCONNECTION = "DISCONNECTION"
    RECONNECTION = "RECONNECTION"


class RequestStage(StrEnum):
    """The stages of a package request (the app's tabs)."""

    REQUESTED = "REQUESTED"
    IN_PROCESS = "IN_PROCESS"
    REVIEW = "REVIEW"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


OPEN_STAGES = frozenset({RequestStage.REQUESTED, RequestStage.IN_PROCESS, RequestStage.REVIEW})
CLOSED_STAGES = frozenset(set(RequestStage) - OPEN_STAGES)


class RequestAction(StrEnum):
    """What happened to a request in one event of its history."""

    CREATE = "CREATE"
    ASSIGN = "ASSIGN"
    REASSIGN = "REASSIGN"
    PROCESS = "PROCESS"
    COMPLETE = "COMPLETE"
    SEND_BACK = "SEND_BACK"
    REJECT = "REJECT"
    CANCEL = "CANCEL"


# The workflow as data: for each action, the stages it may start from and where it leads.
TRANSITIONS: dict[RequestAction, tuple[frozenset[RequestStage], RequestStage]] = {
    RequestAction.ASSIGN: (frozenset({RequestStage.REQUESTED}), RequestStage.IN_PROCESS),
    RequestAction.REASSIGN: (frozenset({RequestStage.IN_PROCESS}), RequestStage.IN_PROCESS),
    RequestAction.PROCESS: (frozenset({RequestStage.IN_PROCESS}), RequestStage.REVIEW),
    RequestAction.COMPLETE: (frozenset({RequestStage.REVIEW}), RequestStage.COMPLETED),
    RequestAction.SEND_BACK: (frozenset({RequestStage.REVIEW}), RequestStage.IN_PROCESS),
    RequestAction.REJECT: (
        frozenset({RequestStage.REQUESTED, RequestStage.IN_PROCESS}),
        RequestStage.REJECTED,
    ),
    RequestAction.CANCEL: (frozenset({RequestStage.REQUESTED}), RequestStage.CANCELLED),
}

_OPEN_STAGES_SQL = "stage IN ('REQUESTED', 'IN_PROCESS', 'REVIEW')"


class PackageRequest(SQLModel, table=True):
    """A request for a service on a consumer's connection, moving through the stages."""

    __tablename__ = "package_requests"
    __table_args__ = (
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(
            "(service IN ('UPGRADE', 'DOWNGRADE')) = (requested_package_id IS NOT NULL)",
            name="package_change_has_target",
        ),
        # At most one open request per consumer.
        sa.Index(
            "uq_package_requests_open_consumer_id",
            "consumer_id",
            unique=True,
            sqlite_where=sa.text(_OPEN_STAGES_SQL),
            postgresql_where=sa.text(_OPEN_STAGES_SQL),
        ),
        sa.Index(
            "uq_package_requests_requested_by_id_idempotency_key",
            "requested_by_id",
            "idempotency_key",
            unique=True,
        ),
        # The tabs: a plant's requests in a stage, newest first; counts per stage.
        sa.Index(
            "ix_package_requests_plant_id_stage_created_at", "plant_id", "stage", "created_at"
        ),
        sa.Index("ix_package_requests_stage_created_at", "stage", "created_at"),
        sa.Index("ix_package_requests_assignee_id_stage", "assignee_id", "stage"),
        sa.Index("ix_package_requests_plant_id_closed_at", "plant_id", "closed_at"),
        sa.Index("ix_package_requests_plant_id_updated_at", "plant_id", "updated_at"),
        sa.Index("ix_package_requests_plant_id_created_at", "plant_id", "created_at"),
        sa.Index("ix_package_requests_service", "service"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consumer_id: int = Field(foreign_key="consumers.id", index=True)
    # The consumer's plant when the request was made: scope and filters read it here.
    plant_id: int = Field(foreign_key="plants.id")
    service: ServiceType = Field(sa_type=enum_type(ServiceType))
    stage: RequestStage = Field(sa_type=enum_type(RequestStage), default=RequestStage.REQUESTED)
    current_package_id: int = Field(foreign_key="packages.id")
    requested_package_id: int | None = Field(default=None, foreign_key="packages.id")
    assignee_id: int | None = Field(default=None, foreign_key="users.id")
    requested_by_id: int = Field(foreign_key="users.id")
    note: str | None = Field(default=None, max_length=1000)
    version: int = Field(default=1)
    idempotency_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def number(self) -> str:
        """The reference read out to customers and colleagues."""
        return f"PR-{self.id:06d}"


class RequestEvent(SQLModel, table=True):
    """One step in a request's history: who did what, from which stage to which."""

    __tablename__ = "package_request_events"
    __table_args__ = (sa.Index("ix_package_request_events_request_id_id", "request_id", "id"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    request_id: int = Field(foreign_key="package_requests.id")
    at: datetime = timestamp_field()
    actor_id: int = Field(foreign_key="users.id", index=True)
    action: RequestAction = Field(sa_type=enum_type(RequestAction))
    from_stage: RequestStage | None = Field(
        default=None, sa_type=enum_type(RequestStage, "from_stage")
    )
    to_stage: RequestStage = Field(sa_type=enum_type(RequestStage, "to_stage"))
    assignee_id: int | None = Field(default=None, foreign_key="users.id")
    note: str | None = Field(default=None, max_length=1000)
