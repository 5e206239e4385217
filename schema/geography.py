"""GraphQL types and root fields of the geography: State > Cluster > Plant."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from models import geography as models
from resolvers import geography as resolvers
from schema.context import Info
from schema.permissions import IsAuthenticated, requirement
from schema.relay import (
    Connection,
    connection_from_page,
    decode_id,
    decode_ids,
    page_args,
    resolve_models,
)

if TYPE_CHECKING:
    from schema.consumers import ConsumerConnection, ConsumerFilter


@strawberry.type(description="A state: the top of the geography.")
class State(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str

    @classmethod
    def from_model(cls, row: models.State) -> State:
        assert row.id is not None  # noqa: S101
        return cls(id=row.id, code=row.code, name=row.name)

    @strawberry.field(description="The state's clusters.")
    async def clusters(self, info: Info) -> list[Cluster]:
        rows = await info.context.loaders.clusters_by_state_id.load(self.id)
        return [Cluster.from_model(row) for row in rows]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[State | None]:
        rows = await resolve_models(node_ids, info.context.loaders.state_by_id.load_many)
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type(description="A group of plants run by one cluster in-charge.")
class Cluster(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    state_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Cluster) -> Cluster:
        assert row.id is not None  # noqa: S101
        return cls(id=row.id, code=row.code, name=row.name, state_id=row.state_id)

    @strawberry.field(description="The state the cluster lies in.")
    async def state(self, info: Info) -> State:
        return State.from_model(
            await _required(info.context.loaders.state_by_id.load(self.state_id))
        )

    @strawberry.field(description="The cluster's plants that you may see.")
    async def plants(self, info: Info) -> list[Plant]:
        rows = await info.context.loaders.plants_by_cluster_id.load(self.id)
        return [Plant.from_model(row) for row in rows]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Cluster | None]:
        rows = await resolve_models(node_ids, info.context.loaders.cluster_by_id.load_many)
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type(description="A mini-grid power plant; every consumer belongs to one.")
class Plant(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    cluster_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Plant) -> Plant:
        assert row.id is not None  # noqa: S101
        return cls(id=row.id, code=row.code, name=row.name, cluster_id=row.cluster_id)

    @strawberry.field(description="The cluster the plant belongs to.")
    async def cluster(self, info: Info) -> Cluster:
        row = await _required(info.context.loaders.cluster_by_id.load(self.cluster_id))
        return Cluster.from_model(row)

    @strawberry.field(description="The state the plant lies in.")
    async def state(self, info: Info) -> State:
        cluster = await _required(info.context.loaders.cluster_by_id.load(self.cluster_id))
        return State.from_model(
            await _required(info.context.loaders.state_by_id.load(cluster.state_id))
        )

    @strawberry.field(description="The plant's consumers, in name order.")
    async def consumers(
        self,
        info: Info,
        filter: Annotated[ConsumerFilter, strawberry.lazy("schema.consumers")] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Annotated[ConsumerConnection, strawberry.lazy("schema.consumers")]:
        from schema.consumers import consumer_connection

        return await consumer_connection(info, filter, first, after, plant_id=self.id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Plant | None]:
        rows = await resolve_models(node_ids, info.context.loaders.plant_by_id.load_many)
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type(description="A page of plants.")
class PlantConnection(Connection[Plant]):
    pass


async def _required(awaitable: Any) -> Any:
    """A relation that must exist (a foreign key guarantees it)."""
    row = await awaitable
    if row is None:  # pragma: no cover - only if the database lost a foreign key
        raise LookupError("related row missing")
    return row


@strawberry.input(description="Narrows the plant list.")
class PlantFilter:
    state_id: strawberry.ID | None = None
    cluster_ids: list[strawberry.ID] | None = None
    search: str | None = strawberry.field(default=None, description="Part of a name or code.")


@strawberry.type
class GeographyQuery:
    @strawberry.field(description=requirement("Every state."), permission_classes=[IsAuthenticated])
    async def states(self, info: Info) -> list[State]:
        return [State.from_model(row) for row in await resolvers.list_states(info.context)]

    @strawberry.field(
        description=requirement("Clusters, optionally of one state."),
        permission_classes=[IsAuthenticated],
    )
    async def clusters(self, info: Info, state_id: strawberry.ID | None = None) -> list[Cluster]:
        state = decode_id(state_id, "State", ["stateId"]) if state_id is not None else None
        return [
            Cluster.from_model(row) for row in await resolvers.list_clusters(info.context, state)
        ]

    @strawberry.field(
        description=requirement("Plants in your scope, in name order."),
        permission_classes=[IsAuthenticated],
    )
    async def plants(
        self,
        info: Info,
        filter: PlantFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PlantConnection:
        given = filter or PlantFilter()
        plant_filter = resolvers.PlantFilter(
            state_id=decode_id(given.state_id, "State", ["filter", "stateId"])
            if given.state_id is not None
            else None,
            cluster_ids=decode_ids(given.cluster_ids, "Cluster", ["filter", "clusterIds"]),
            search=given.search,
        )
        page = await resolvers.list_plants(
            info.context, plant_filter, page_args(first, after, last, before)
        )
        return connection_from_page(PlantConnection, page, Plant.from_model)
