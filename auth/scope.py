"""Which plants a user may see: the one answer every list and loader applies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from models.expressions import one_of
from models.geography import Cluster, Plant
from models.staff import User, UserPlant


@dataclass(frozen=True, slots=True)
class PlantScope:
    """The plants an actor may see: every plant (``everything``) or the listed ones."""

    everything: bool
    plant_ids: frozenset[int]

    @classmethod
    def all_plants(cls) -> PlantScope:
        return cls(everything=True, plant_ids=frozenset())

    @classmethod
    def of(cls, plant_ids: set[int] | frozenset[int]) -> PlantScope:
        return cls(everything=False, plant_ids=frozenset(plant_ids))

    def contains(self, plant_id: int | None) -> bool:
        return plant_id is not None and (self.everything or plant_id in self.plant_ids)

    def restrict(self, plant_column: Any) -> Any:
        """A WHERE clause keeping rows whose ``plant_column`` is in scope."""
        if self.everything:
            return sa.true()
        if not self.plant_ids:
            return sa.false()
        return one_of(plant_column, self.plant_ids)

    def narrow(self, plant_ids: list[int] | None) -> PlantScope:
        """This scope intersected with a filter's plants (None: no filter)."""
        if plant_ids is None:
            return self
        wanted = frozenset(plant_ids)
        return PlantScope.of(wanted if self.everything else wanted & self.plant_ids)


def visible_users_clause(scope: PlantScope, actor_user_id: int) -> Any:
    """Staff an actor may see: themselves, and anyone working on a plant in their scope
    (at the plant, as its cluster in-charge or as its state in-charge)."""
    if scope.everything:
        return sa.true()
    in_scope = scope.restrict(col(Plant.id))
    at_plants = sa.select(col(UserPlant.user_id)).where(scope.restrict(col(UserPlant.plant_id)))
    of_clusters = sa.select(col(Plant.cluster_id)).where(in_scope)
    of_states = (
        sa.select(col(Cluster.state_id))
        .join(Plant, col(Plant.cluster_id) == col(Cluster.id))
        .where(in_scope)
    )
    return sa.or_(
        col(User.id) == actor_user_id,
        col(User.id).in_(at_plants),
        col(User.cluster_id).in_(of_clusters),
        col(User.state_id).in_(of_states),
    )
