"""Request-scoped DataLoaders: every relation resolves through one of these.

Each batch runs in its own short session (sibling fields resolve concurrently and one
session cannot run two statements at once) and applies the actor's plant scope where
the rows are consumer data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import cached_property
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel, col
from strawberry.dataloader import DataLoader

from auth.actor import Actor
from auth.scope import PlantScope
from models.consumers import Consumer
from models.expressions import one_of
from models.geography import Cluster, Plant, State
from models.packages import Package
from models.staff import UserPlant

ModelT = TypeVar("ModelT", bound=SQLModel)
KeyT = TypeVar("KeyT", bound=Hashable)
ValueT = TypeVar("ValueT")

NO_SCOPE = PlantScope.of(frozenset())


class Loaders:
    """The loaders of one request, each a typed ``DataLoader[key, value]``.

    Made on first use, so a request pays only for what it uses: the relations below as
    cached properties, the loaders whose batch function lives with its area's resolvers
    by name (``named``).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], actor: Actor | None) -> None:
        self._sessions = sessions
        self.scope = actor.scope if actor is not None else NO_SCOPE
        self._named: dict[str, DataLoader[Any, Any]] = {}

    def named(
        self, name: str, batch: Callable[[list[KeyT]], Awaitable[Sequence[ValueT]]]
    ) -> DataLoader[KeyT, ValueT]:
        """The request's loader called ``name``, made from ``batch`` on first use.

        A name stands for one batch function: the first one given is the one used.
        """
        loader = self._named.get(name)
        if loader is None:
            loader = self._named[name] = DataLoader(load_fn=batch)
        return loader

    async def _rows(self, statement: sa.Select[Any]) -> list[Any]:
        async with self._sessions() as session:
            return list((await session.execute(statement)).scalars().all())

    def _by_id(
        self, model: type[ModelT], where: Callable[[], Any] | None = None
    ) -> Callable[[list[int]], Awaitable[list[ModelT | None]]]:
        # ``where`` is built when a batch runs, not each time the loader is asked for.
        async def batch(ids: list[int]) -> list[ModelT | None]:
            statement = sa.select(model).where(one_of(col(model.id), ids))  # type: ignore[attr-defined]
            if where is not None:
                statement = statement.where(where())
            found = {row.id: row for row in await self._rows(statement)}
            return [found.get(i) for i in ids]

        return batch

    # Master data, readable by every signed-in user.
    @cached_property
    def state_by_id(self) -> DataLoader[int, State | None]:
        return DataLoader(load_fn=self._by_id(State))

    @cached_property
    def cluster_by_id(self) -> DataLoader[int, Cluster | None]:
        return DataLoader(load_fn=self._by_id(Cluster))

    @cached_property
    def package_by_id(self) -> DataLoader[int, Package | None]:
        return DataLoader(load_fn=self._by_id(Package))

    @cached_property
    def clusters_by_state_id(self) -> DataLoader[int, list[Cluster]]:
        async def batch(state_ids: list[int]) -> list[list[Cluster]]:
            statement = (
                sa.select(Cluster)
                .where(one_of(col(Cluster.state_id), state_ids))
                .order_by(col(Cluster.name), col(Cluster.id))
            )
            return _group(await self._rows(statement), state_ids, lambda c: c.state_id)

        return DataLoader(load_fn=batch)

    # Scoped: plants and what hangs off them.
    @cached_property
    def plant_by_id(self) -> DataLoader[int, Plant | None]:
        return DataLoader(load_fn=self._by_id(Plant, lambda: self.scope.restrict(col(Plant.id))))

    @cached_property
    def consumer_by_id(self) -> DataLoader[int, Consumer | None]:
        return DataLoader(
            load_fn=self._by_id(Consumer, lambda: self.scope.restrict(col(Consumer.plant_id)))
        )

    @cached_property
    def plants_by_cluster_id(self) -> DataLoader[int, list[Plant]]:
        async def batch(cluster_ids: list[int]) -> list[list[Plant]]:
            statement = (
                sa.select(Plant)
                .where(
                    one_of(col(Plant.cluster_id), cluster_ids), self.scope.restrict(col(Plant.id))
                )
                .order_by(col(Plant.name), col(Plant.id))
            )
            return _group(await self._rows(statement), cluster_ids, lambda p: p.cluster_id)

        return DataLoader(load_fn=batch)

    @cached_property
    def plants_by_user_id(self) -> DataLoader[int, list[Plant]]:
        """The plants a user works at, as far as the actor may see them."""

        async def batch(user_ids: list[int]) -> list[list[Plant]]:
            statement = (
                sa.select(col(UserPlant.user_id), Plant)
                .join(Plant, col(Plant.id) == col(UserPlant.plant_id))
                .where(one_of(col(UserPlant.user_id), user_ids), self.scope.restrict(col(Plant.id)))
                .order_by(col(Plant.name), col(Plant.id))
            )
            async with self._sessions() as session:
                pairs = (await session.execute(statement)).all()
            grouped: dict[int, list[Plant]] = defaultdict(list)
            for user_id, plant in pairs:
                grouped[user_id].append(plant)
            return [grouped.get(user_id, []) for user_id in user_ids]

        return DataLoader(load_fn=batch)


def _group(
    rows: list[ModelT], keys: list[int], key_of: Callable[[ModelT], int]
) -> list[list[ModelT]]:
    grouped: dict[int, list[ModelT]] = defaultdict(list)
    for row in rows:
        grouped[key_of(row)].append(row)
    return [grouped.get(key, []) for key in keys]
