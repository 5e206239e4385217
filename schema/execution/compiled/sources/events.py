"""Notifications (schema.events)."""

from __future__ import annotations

from models.events import Notification
from schema.execution.compiled.sources import Column, NodeId, ObjectSource, ToOne
from schema.execution.compiled.values import enum_name, instant

NOTIFICATION = ObjectSource(
    "Notification",
    Notification.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "kind": Column("kind", enum_name),
        "title": Column("title"),
        "body": Column("body"),
        "createdAt": Column("created_at", instant),
        "readAt": Column("read_at", instant),
        "request": ToOne("PackageRequest", "request_id"),
    },
    by_id=False,  # node(id:) is the owner's alone (notifications_by_id)
)

SOURCES = (NOTIFICATION,)
