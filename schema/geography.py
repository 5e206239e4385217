"""GraphQL types, root fields and administration mutations of the geography:
State > Cluster > Plant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from models import geography as models
from models.staff import Role
from resolvers import geography as resolvers
from resolvers.validation import input_field
from schema.admin import (
    CODE_DESCRIPTION,
    ERRORS_DESCRIPTION,
    NAME_DESCRIPTION,
    admin_only,
    id_change,
    required_change,
)
from schema.context import Info
from schema.errors import UserError
from schema.mutation import payload_mutation
from schema.permissions import IsAuthenticated, requirement
from schema.relay import (
    Connection,
    ModelNode,
    connection_from_page,
    decode_id,
    decode_ids,
    page_args,
)

if TYPE_CHECKING:
    from schema.consumers import ConsumerConnection, ConsumerFilter


@strawberry.type(description="A state: the top of the geography.")
class State(ModelNode[models.State]):
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
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.State | None]:
        return await info.context.loaders.state_by_id.load_many(ids)


@strawberry.type(description="A group of plants run by one cluster in-charge.")
class Cluster(ModelNode[models.Cluster]):
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
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.Cluster | None]:
        return await info.context.loaders.cluster_by_id.load_many(ids)


@strawberry.type(description="A mini-grid power plant; every consumer belongs to one.")
class Plant(ModelNode[models.Plant]):
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
        from schema.consumers import plant_consumer_connection

        return await plant_consumer_connection(info, self.id, filter, first, after)

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.Plant | None]:
        return await info.context.loaders.plant_by_id.load_many(ids)


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


# Administration (ADMIN): create and update states, clusters and plants.


@strawberry.input(description="A new state.")
class CreateStateInput:
    code: str = strawberry.field(description=CODE_DESCRIPTION)
    name: str = strawberry.field(description=NAME_DESCRIPTION)


@strawberry.input(description="Changes to a state. Fields left out keep their value.")
class UpdateStateInput:
    id: strawberry.ID = strawberry.field(description="The state to change.")
    code: str | None = strawberry.field(default=strawberry.UNSET, description=CODE_DESCRIPTION)
    name: str | None = strawberry.field(default=strawberry.UNSET, description=NAME_DESCRIPTION)


@strawberry.input(description="A new cluster in a state.")
class CreateClusterInput:
    state_id: strawberry.ID = strawberry.field(description="The state it lies in.")
    code: str = strawberry.field(description=CODE_DESCRIPTION)
    name: str = strawberry.field(description=NAME_DESCRIPTION)


@strawberry.input(description="Changes to a cluster. Fields left out keep their value.")
class UpdateClusterInput:
    id: strawberry.ID = strawberry.field(description="The cluster to change.")
    code: str | None = strawberry.field(default=strawberry.UNSET, description=CODE_DESCRIPTION)
    name: str | None = strawberry.field(default=strawberry.UNSET, description=NAME_DESCRIPTION)
    state_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Move the cluster, with its plants, to this state.",
    )


@strawberry.input(description="A new plant in a cluster.")
class CreatePlantInput:
    cluster_id: strawberry.ID = strawberry.field(description="The cluster it belongs to.")
    code: str = strawberry.field(description=CODE_DESCRIPTION)
    name: str = strawberry.field(description=NAME_DESCRIPTION)


@strawberry.input(description="Changes to a plant. Fields left out keep their value.")
class UpdatePlantInput:
    id: strawberry.ID = strawberry.field(description="The plant to change.")
    code: str | None = strawberry.field(default=strawberry.UNSET, description=CODE_DESCRIPTION)
    name: str | None = strawberry.field(default=strawberry.UNSET, description=NAME_DESCRIPTION)
    cluster_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Move the plant, with its consumers and staff, to this cluster.",
    )


@strawberry.type(description="The result of createState or updateState.")
class StatePayload:
    state: State | None = strawberry.field(default=None, description="The state as saved.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of createCluster or updateCluster.")
class ClusterPayload:
    cluster: Cluster | None = strawberry.field(default=None, description="The cluster as saved.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type(description="The result of createPlant or updatePlant.")
class PlantPayload:
    plant: Plant | None = strawberry.field(default=None, description="The plant as saved.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type
class GeographyMutation:
    @strawberry.mutation(
        description=requirement("Create a state.", Role.ADMIN),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_GEOGRAPHY))
    async def create_state(self, info: Info, input: CreateStateInput) -> StatePayload:
        new = resolvers.NewState(code=input.code, name=input.name)
        return StatePayload(state=State.from_model(await resolvers.create_state(info.context, new)))

    @strawberry.mutation(
        description=requirement("Change a state's code or name.", Role.ADMIN),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_GEOGRAPHY))
    async def update_state(self, info: Info, input: UpdateStateInput) -> StatePayload:
        state_id = decode_id(input.id, "State", input_field("id"))
        changes = resolvers.StateChanges(
            code=required_change(input.code, "code"),
            name=required_change(input.name, "name"),
        )
        return StatePayload(
            state=State.from_model(await resolvers.update_state(info.context, state_id, changes))
        )

    @strawberry.mutation(
        description=requirement("Create a cluster in a state.", Role.ADMIN),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_GEOGRAPHY))
    async def create_cluster(self, info: Info, input: CreateClusterInput) -> ClusterPayload:
        new = resolvers.NewCluster(
            state_id=decode_id(input.state_id, "State", input_field("stateId")),
            code=input.code,
            name=input.name,
        )
        return ClusterPayload(
            cluster=Cluster.from_model(await resolvers.create_cluster(info.context, new))
        )

    @strawberry.mutation(
        description=requirement(
            "Change a cluster's code or name, or move it to another state.", Role.ADMIN
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_GEOGRAPHY))
    async def update_cluster(self, info: Info, input: UpdateClusterInput) -> ClusterPayload:
        cluster_id = decode_id(input.id, "Cluster", input_field("id"))
        changes = resolvers.ClusterChanges(
            code=required_change(input.code, "code"),
            name=required_change(input.name, "name"),
            state_id=id_change(input.state_id, "State", "stateId"),
        )
        row = await resolvers.update_cluster(info.context, cluster_id, changes)
        return ClusterPayload(cluster=Cluster.from_model(row))

    @strawberry.mutation(
        description=requirement("Create a plant in a cluster.", Role.ADMIN),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_GEOGRAPHY))
    async def create_plant(self, info: Info, input: CreatePlantInput) -> PlantPayload:
        new = resolvers.NewPlant(
            cluster_id=decode_id(input.cluster_id, "Cluster", input_field("clusterId")),
            code=input.code,
            name=input.name,
        )
        return PlantPayload(plant=Plant.from_model(await resolvers.create_plant(info.context, new)))

    @strawberry.mutation(
        description=requirement(
            "Change a plant's code or name, or move it to another cluster.", Role.ADMIN
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_GEOGRAPHY))
    async def update_plant(self, info: Info, input: UpdatePlantInput) -> PlantPayload:
        plant_id = decode_id(input.id, "Plant", input_field("id"))
        changes = resolvers.PlantChanges(
            code=required_change(input.code, "code"),
            name=required_change(input.name, "name"),
            cluster_id=id_change(input.cluster_id, "Cluster", "clusterId"),
        )
        return PlantPayload(
            plant=Plant.from_model(await resolvers.update_plant(info.context, plant_id, changes))
        )
