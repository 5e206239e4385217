"""Consumers (schema.consumers)."""

from __future__ import annotations

from models.consumers import Consumer
from schema.execution.compiled.sources import Column, NodeId, ObjectSource, ToOne, scoped_by
from schema.execution.compiled.values import day, enum_name

CONSUMER = ObjectSource(
    "Consumer",
    Consumer.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "accountNumber": Column("account_number"),
        "name": Column("name"),
        "phone": Column("phone"),
        "status": Column("status", enum_name),
        "connectedAt": Column("connected_at", day),
        "plant": ToOne("Plant", "plant_id"),
        "package": ToOne("Package", "package_id"),
    },
    visible=scoped_by("plant_id"),
)

SOURCES = (CONSUMER,)
