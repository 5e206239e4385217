"""Package requests, their history, and packages (schema.packages)."""

from __future__ import annotations

from sqlalchemy.sql import ColumnElement, FromClause

from models.packages import Package, PackageRequest, RequestEvent
from models.staff import Role, UserPlant
from resolvers.packages.requests import request_number
from resolvers.packages.rules import READERS
from schema.execution.compiled.sources import (
    Build,
    Column,
    Computed,
    NodeId,
    ObjectSource,
    Through,
    ToMany,
    ToOne,
    money,
    readers,
    scoped_by,
)
from schema.execution.compiled.values import enum_name, instant

PACKAGE = ObjectSource(
    "Package",
    Package.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "code": Column("code"),
        "name": Column("name"),
        "loadWatts": Column("load_watts"),
        "monthlyFee": money("monthly_fee_minor"),
        "active": Column("active"),
    },
)

REQUEST_EVENT = ObjectSource(
    "RequestEvent",
    RequestEvent.__table__,  # type: ignore[attr-defined]
    {
        "at": Column("at", instant),
        "action": Column("action", enum_name),
        "fromStage": Column("from_stage", enum_name),
        "toStage": Column("to_stage", enum_name),
        "note": Column("note"),
        "actor": ToOne("User", "actor_id"),
        "assignee": ToOne("User", "assignee_id"),
    },
)


def _active_technicians(_build: Build, users: FromClause) -> ColumnElement[bool]:
    """``resolvers.packages.requests.assignable_technicians``: active technicians."""
    return (users.c.role == Role.TECHNICIAN.value) & users.c.active.is_(True)


PACKAGE_REQUEST = ObjectSource(
    "PackageRequest",
    PackageRequest.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "number": Computed(("id",), lambda _settings, request_id: request_number(request_id)),
        "service": Column("service", enum_name),
        "stage": Column("stage", enum_name),
        "note": Column("note"),
        "version": Column("version"),
        "createdAt": Column("created_at", instant),
        "updatedAt": Column("updated_at", instant),
        "closedAt": Column("closed_at", instant),
        "consumer": ToOne("Consumer", "consumer_id"),
        "plant": ToOne("Plant", "plant_id"),
        "currentPackage": ToOne("Package", "current_package_id"),
        "requestedPackage": ToOne("Package", "requested_package_id"),
        "assignee": ToOne("User", "assignee_id"),
        "requestedBy": ToOne("User", "requested_by_id"),
        "history": ToMany("RequestEvent", "request_id"),
        "assignableTechnicians": ToMany(
            "User",
            local="plant_id",
            order=(("name", False), ("id", False)),
            where=_active_technicians,
            through=Through(UserPlant.__table__, "plant_id", "user_id"),  # type: ignore[attr-defined]
        ),
    },
    visible=readers(READERS, scoped_by("plant_id")),
)

SOURCES = (PACKAGE, REQUEST_EVENT, PACKAGE_REQUEST)
