"""GraphQL types, root fields and administration mutations of staff users."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry import relay

from models import staff as models
from resolvers import staff
from resolvers.admin import UNCHANGED, Unchanged
from resolvers.validation import PASSWORD_MIN_LENGTH, input_field
from schema.admin import (
    ERRORS_DESCRIPTION,
    NAME_DESCRIPTION,
    admin_only,
    optional_change,
    optional_id,
    optional_id_change,
    required_change,
)
from schema.context import Info
from schema.enums import Role
from schema.errors import UserError
from schema.geography import Cluster, Plant, State
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

STAFF_DESCRIPTION = (
    "A member of staff. Staff outside your visibility (not at, over or in charge of a plant "
    "in your scope) appear as a reference: id, name and role; their other fields are null "
    "(`plants` empty)."
)


@strawberry.type(description=STAFF_DESCRIPTION)
class User(ModelNode[models.User]):
    id: relay.NodeID[int]
    name: str
    email: str | None
    phone: str | None = strawberry.field(
        description="Their phone number (E.164), which they may sign in with; null for a "
        "reference (see `User`) and when none is on record."
    )
    role: Role
    active: bool | None = strawberry.field(
        description="Deactivated users cannot sign in. Null for a reference (see `User`)."
    )
    cluster_id: strawberry.Private[int | None]
    state_id: strawberry.Private[int | None]
    detailed: strawberry.Private[bool]

    @classmethod
    def from_model(cls, row: models.User, *, detailed: bool) -> User:
        """``detailed``: the caller may see this person in full (``staff.StaffMember``);
        every way a user is reached says whether."""
        assert row.id is not None  # noqa: S101
        if not detailed:
            return cls(
                id=row.id,
                name=row.name,
                email=None,
                phone=None,
                role=row.role,
                active=None,
                cluster_id=None,
                state_id=None,
                detailed=False,
            )
        return cls(
            id=row.id,
            name=row.name,
            email=row.email,
            phone=row.phone,
            role=row.role,
            active=row.active,
            cluster_id=row.cluster_id,
            state_id=row.state_id,
            detailed=True,
        )

    @strawberry.field(
        description="Plants the user works at (operators, technicians, CSAs) that you may see."
    )
    async def plants(self, info: Info) -> list[Plant]:
        if not self.detailed:
            return []
        rows = await info.context.loaders.plants_by_user_id.load(self.id)
        return [Plant.from_model(row) for row in rows]

    @strawberry.field(
        description="The cluster a cluster in-charge runs; null for other roles and for a "
        "reference (see `User`)."
    )
    async def cluster(self, info: Info) -> Cluster | None:
        if self.cluster_id is None:
            return None
        row = await info.context.loaders.cluster_by_id.load(self.cluster_id)
        return Cluster.from_model(row) if row else None

    @strawberry.field(
        description="The state a state in-charge oversees; null for other roles and for a "
        "reference (see `User`)."
    )
    async def state(self, info: Info) -> State | None:
        if self.state_id is None:
            return None
        row = await info.context.loaders.state_by_id.load(self.state_id)
        return State.from_model(row) if row else None

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.User | None]:
        found = await staff.visible_users_by_id(info.context, ids)
        return [found.get(user_id) for user_id in ids]

    @classmethod
    def from_row(cls, info: Info, row: models.User) -> User:
        return cls.from_model(row, detailed=True)


def visible_user(row: models.User) -> User:
    """A user from a list of staff in the caller's visibility (``users``, admin payloads)."""
    return User.from_model(row, detailed=True)


async def staff_member(info: Info, user_id: int | None) -> User | None:
    """The staff member a row names, as the caller may know them: the one way a relation
    reaches a user."""
    if user_id is None:
        return None
    member = await staff.staff_member(info.context, user_id)
    return User.from_model(member.user, detailed=member.detailed) if member else None


@strawberry.type(description="A page of users.")
class UserConnection(Connection[User]):
    pass


@strawberry.input(description="Narrows the staff list.")
class UserFilter:
    roles: list[Role] | None = None
    plant_ids: list[strawberry.ID] | None = None
    active: bool | None = None
    search: str | None = strawberry.field(default=None, description="Part of name, email or phone.")


@strawberry.type
class UsersQuery:
    @strawberry.field(
        description=requirement("The signed-in user."), permission_classes=[IsAuthenticated]
    )
    async def me(self, info: Info) -> User:
        return User.from_model(await staff.me(info.context), detailed=True)

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
        user_filter = staff.UserFilter(
            roles=given.roles,
            plant_ids=decode_ids(given.plant_ids, "Plant", ["filter", "plantIds"]),
            active=given.active,
            search=given.search,
        )
        page = await staff.list_users(
            info.context, user_filter, page_args(first, after, last, before)
        )
        return connection_from_page(UserConnection, page, visible_user)


# Administration (ADMIN): create and update staff accounts.

EMAIL_DESCRIPTION = "Used to sign in; stored in lower case; unique."
LOGIN_PHONE_DESCRIPTION = "E.164, e.g. +919812345678; used to sign in; unique."
PASSWORD_DESCRIPTION = f"At least {PASSWORD_MIN_LENGTH} characters."
PLANT_IDS_DESCRIPTION = "Where an OPERATOR, TECHNICIAN or CSA works (one or more); else none."
CLUSTER_ID_DESCRIPTION = "The cluster of a CLUSTER_INCHARGE; else null."
STATE_ID_DESCRIPTION = "The state of a STATE_INCHARGE; else null."


@strawberry.input(
    description="A new staff account. It needs an email or a phone to sign in with, and the "
    "scope that goes with its role: plantIds, clusterId or stateId (an ADMIN has none)."
)
class CreateUserInput:
    name: str = strawberry.field(description=NAME_DESCRIPTION)
    email: str | None = strawberry.field(default=None, description=EMAIL_DESCRIPTION)
    phone: str | None = strawberry.field(default=None, description=LOGIN_PHONE_DESCRIPTION)
    role: Role = strawberry.field(description="Decides what the user may do and see.")
    password: str = strawberry.field(description=PASSWORD_DESCRIPTION)
    plant_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description=PLANT_IDS_DESCRIPTION
    )
    cluster_id: strawberry.ID | None = strawberry.field(
        default=None, description=CLUSTER_ID_DESCRIPTION
    )
    state_id: strawberry.ID | None = strawberry.field(
        default=None, description=STATE_ID_DESCRIPTION
    )


@strawberry.input(
    description="Changes to a staff account. Fields left out keep their value; null clears "
    "email, phone, clusterId or stateId. When the role changes, scope fields left out that "
    "the new role does not use are cleared, and the ones it needs must be given (unless "
    "already set)."
)
class UpdateUserInput:
    id: strawberry.ID = strawberry.field(description="The user to change.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description=NAME_DESCRIPTION)
    email: str | None = strawberry.field(default=strawberry.UNSET, description=EMAIL_DESCRIPTION)
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description=LOGIN_PHONE_DESCRIPTION
    )
    role: Role | None = strawberry.field(
        default=strawberry.UNSET, description="The new role; its scope must fit it."
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="false: the user can no longer sign in, and their sessions end now.",
    )
    password: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"{PASSWORD_DESCRIPTION} Setting it ends the user's sessions.",
    )
    plant_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{PLANT_IDS_DESCRIPTION} Replaces the list."
    )
    cluster_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description=CLUSTER_ID_DESCRIPTION
    )
    state_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description=STATE_ID_DESCRIPTION
    )


@strawberry.type(description="The result of createUser or updateUser.")
class UserPayload:
    user: User | None = strawberry.field(default=None, description="The user as saved.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


def _plant_ids_change(value: list[strawberry.ID] | None) -> list[int] | Unchanged:
    """Left out: unchanged; null or []: no plants."""
    given = optional_change(value)
    if given is UNCHANGED:
        return UNCHANGED
    return decode_ids(given or [], "Plant", input_field("plantIds")) or []


@strawberry.type
class UsersMutation:
    @strawberry.mutation(
        description=requirement("Create a staff account.", models.Role.ADMIN),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(staff.MANAGE_USERS))
    async def create_user(self, info: Info, input: CreateUserInput) -> UserPayload:
        new = staff.NewUser(
            name=input.name,
            email=input.email,
            phone=input.phone,
            role=input.role,
            password=input.password,
            plant_ids=decode_ids(input.plant_ids, "Plant", input_field("plantIds")) or [],
            cluster_id=optional_id(input.cluster_id, "Cluster", "clusterId"),
            state_id=optional_id(input.state_id, "State", "stateId"),
        )
        return UserPayload(user=visible_user(await staff.create_user(info.context, new)))

    @strawberry.mutation(
        description=requirement(
            "Change a staff account: details, role and scope, password, or deactivate it.",
            models.Role.ADMIN,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(staff.MANAGE_USERS))
    async def update_user(self, info: Info, input: UpdateUserInput) -> UserPayload:
        user_id = decode_id(input.id, "User", input_field("id"))
        changes = staff.UserChanges(
            name=required_change(input.name, "name"),
            email=optional_change(input.email),
            phone=optional_change(input.phone),
            role=required_change(input.role, "role"),
            active=required_change(input.active, "active"),
            password=required_change(input.password, "password"),
            plant_ids=_plant_ids_change(input.plant_ids),
            cluster_id=optional_id_change(input.cluster_id, "Cluster", "clusterId"),
            state_id=optional_id_change(input.state_id, "State", "stateId"),
        )
        user = await staff.update_user(info.context, user_id, changes)
        return UserPayload(user=visible_user(user))
