"""States, clusters and plants (schema.geography)."""

from __future__ import annotations

from models.geography import Cluster, Plant, State
from schema.execution.compiled.sources import Column, NodeId, ObjectSource, ToMany, ToOne, scoped_by

STATE = ObjectSource(
    "State",
    State.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "code": Column("code"),
        "name": Column("name"),
        "clusters": ToMany("Cluster", "state_id", order=(("name", False), ("id", False))),
    },
)

CLUSTER = ObjectSource(
    "Cluster",
    Cluster.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "code": Column("code"),
        "name": Column("name"),
        "state": ToOne("State", "state_id"),
        "plants": ToMany("Plant", "cluster_id", order=(("name", False), ("id", False))),
    },
)

PLANT = ObjectSource(
    "Plant",
    Plant.__table__,  # type: ignore[attr-defined]
    {
        "id": NodeId(),
        "code": Column("code"),
        "name": Column("name"),
        "cluster": ToOne("Cluster", "cluster_id"),
        "state": ToOne("State", "cluster_id", via=("Cluster", "state_id")),
    },
    visible=scoped_by("id"),
)

SOURCES = (STATE, CLUSTER, PLANT)
