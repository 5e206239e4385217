"""Staff (schema.staff)."""

from __future__ import annotations

from models.staff import User, UserPlant
from schema.execution.compiled.sources import (
    Column,
    NodeId,
    ObjectSource,
    Through,
    ToMany,
    ToOne,
)
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
        # Loaders.plants_by_user_id: the plants they work at that the caller may see.
        "plants": ToMany(
            "Plant",
            order=(("name", False), ("id", False)),
            through=Through(UserPlant.__table__, "user_id", "plant_id"),  # type: ignore[attr-defined]
        ),
        "cluster": ToOne("Cluster", "cluster_id"),
        "state": ToOne("State", "state_id"),
    },
    by_id=False,
)

SOURCES = (USER,)
