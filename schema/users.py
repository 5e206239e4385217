"""GraphQL types and root fields of staff users."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay

from models import users as models
from resolvers import users as resolvers
from schema.context import Info
from schema.geography import Cluster, Plant, State
from schema.permissions import IsAuthenticated, requirement
from schema.relay import Connection, connection_from_page, decode_ids, page_args, parse_node_id

Role = strawberry.enum(models.Role, description="A staff member's designation.")


@strawberry.type(description="A member of staff.")
class User(relay.Node):
    id: relay.NodeID[int]
    name: str
    email: str | None
    phone: str | None = strawberry.field(description="E.164.")
    role: Role  # type: ignore[valid-type]
    active: bool = strawberry.field(description="Deactivated users cannot sign in.")
    cluster_id: strawberry.Private[int | None]
    state_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.User) -> User:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            name=row.name,
            email=row.email,
            phone=row.phone,
            role=row.role,
            active=row.active,
            cluster_id=row.cluster_id,
            state_id=row.state_id,
        )

    @strawberry.field(description="Plants the user works at (operators, technicians, CSAs).")
    async def plants(self, info: Info) -> list[Plant]:
        rows = await info.context.loaders.plants_by_user_id.load(self.id)
        return [Plant.from_model(row) for row in rows]

    @strawberry.field(description="The cluster a cluster in-charge runs.")
    async def cluster(self, info: Info) -> Cluster | None:
        if self.cluster_id is None:
            return None
        row = await info.context.loaders.cluster_by_id.load(self.cluster_id)
        return Cluster.from_model(row) if row else None

    @strawberry.field(description="The state a state in-charge oversees.")
    async def state(self, info: Info) -> State | None:
        if self.state_id is None:
            return None
        row = await info.context.loaders.state_by_id.load(self.state_id)
        return State.from_model(row) if row else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[User | None]:
        parsed = [parse_node_id(node_id) for node_id in node_ids]
        found = await resolvers.visible_users_by_id(
            info.context, [user_id for user_id in parsed if user_id is not None]
        )
        rows = [found.get(user_id) if user_id is not None else None for user_id in parsed]
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type(description="A page of users.")
class UserConnection(Connection[User]):
    pass


@strawberry.input(description="Narrows the staff list.")
class UserFilter:
    roles: list[Role] | None = None  # type: ignore[valid-type]
    plant_ids: list[strawberry.ID] | None = None
    active: bool | None = None
    search: str | None = strawberry.field(default=None, description="Part of name, email or phone.")


@strawberry.type
class UsersQuery:
    @strawberry.field(
        description=requirement("The signed-in user."), permission_classes=[IsAuthenticated]
    )
    async def me(self, info: Info) -> User:
        return User.from_model(await resolvers.me(info.context))

    @strawberry.field(
        description=requirement("Staff in your scope (and yourself), in name order."),
        permission_classes=[IsAuthenticated],
    )
    async def users(
        self,
        info: Info,
        filter: UserFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> UserConnection:
        given = filter or UserFilter()
        user_filter = resolvers.UserFilter(
            roles=given.roles,
            plant_ids=decode_ids(given.plant_ids, "Plant", ["filter", "plantIds"]),
            active=given.active,
            search=given.search,
        )
        page = await resolvers.list_users(
            info.context, user_filter, page_args(first, after, last, before)
        )
        return connection_from_page(UserConnection, page, User.from_model)
