"""Staff (schema.staff)."""

from __future__ import annotations

from models.staff import User
from schema.execution.compiled.sources import Column, NodeId, ObjectSource, ToOne
from schema.execution.compiled.values import enum_name

USER = ObjectSource(
    "User",
    User.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "name": Column("name"),
        "email": Column("email"),
        "phone": Column("phone"),
        "role": Column("role", enum_name),
        "active": Column("active"),
        "cluster": ToOne("Cluster", "cluster_id"),
        "state": ToOne("State", "state_id"),
    },
    by_id=False,
)

SOURCES = (USER,)
