"""Staff: the signed-in user and colleagues within scope; and their administration (ADMIN),
creating staff accounts and changing them.

A user's scope follows from their role, and the users table enforces the pairing (see
models/staff.py): a cluster in-charge has a cluster and nothing else, a state in-charge
a state, operators, technicians and CSAs one or more plants, an administrator none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.actor import Actor
from auth.passwords import hash_password_async
from auth.scope import visible_users_clause
from core.db import write_session
from models.base import utcnow
from models.events import EventTopic
from models.expressions import one_of
from models.geography import Cluster, Plant, State
from models.staff import PLANT_ROLES, RefreshToken, Role, User, UserPlant
from resolvers.admin import (
    UNCHANGED,
    Unchanged,
    UniqueField,
    clean_change,
    ensure_unique,
    flush_checked,
    get_or_not_found,
    require_admin,
)
from resolvers.context import RequestContext
from resolvers.errors import not_found, unauthenticated
from resolvers.events.notifications import record_event
from resolvers.pagination import Page, PageArgs, SortKey
from resolvers.search import contains_text
from resolvers.validation import (
    a_or_an,
    check_password,
    clean_email,
    clean_name,
    clean_phone,
    input_field,
    invalid,
)

USER_ORDER = (SortKey(col(User.name), "name"), SortKey(col(User.id), "id"))


@dataclass(frozen=True, slots=True)
class UserFilter:
    roles: list[Role] | None = None
    plant_ids: list[int] | None = None
    active: bool | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A member of staff as the caller may know them. ``detailed``: they are within the
    caller's visibility (``visible_users_clause``), so their contact details, account
    state and posts are the caller's to see; otherwise they appear as a reference, a name
    and a role, wherever they are reached (DESIGN: staff visibility)."""

    user: User
    detailed: bool


async def staff_member(ctx: RequestContext, user_id: int) -> StaffMember | None:
    """A staff member named on a row the caller can see (who requested, who is assigned,
    who recorded); batched per request."""

    async def batch(ids: list[int]) -> list[StaffMember | None]:
        actor = ctx.require_actor()
        detailed = visible_users_clause(actor.scope, actor.user_id)
        statement = sa.select(User, detailed.label("detailed")).where(one_of(col(User.id), ids))
        async with ctx.sessions() as session:
            found = {
                user.id: StaffMember(user, bool(visible))
                for user, visible in (await session.execute(statement)).all()
            }
        return [found.get(user_id) for user_id in ids]

    loader = ctx.loaders.named("staff_member", batch)
    return await loader.load(user_id)


async def me(ctx: RequestContext) -> User:
    actor = ctx.require_actor()
    member = await staff_member(ctx, actor.user_id)
    if member is None:  # deleted between authentication and now
        raise unauthenticated()
    return member.user


def visible_users_statement(ctx: RequestContext) -> sa.Select[User]:
    actor = ctx.require_actor()
    return sa.select(User).where(visible_users_clause(actor.scope, actor.user_id))


async def list_users(ctx: RequestContext, filter: UserFilter, page: PageArgs) -> Page[User]:
    statement = visible_users_statement(ctx)
    if filter.roles:
        statement = statement.where(col(User.role).in_(filter.roles))
    if filter.active is not None:
        statement = statement.where(col(User.active).is_(filter.active))
    if filter.plant_ids is not None:
        at_plants = sa.select(col(UserPlant.user_id)).where(
            col(UserPlant.plant_id).in_(filter.plant_ids)
        )
        statement = statement.where(col(User.id).in_(at_plants))
    if filter.search and filter.search.strip():
        statement = statement.where(
            sa.or_(
                contains_text(col(User.name), filter.search),
                contains_text(col(User.email), filter.search),
                contains_text(col(User.phone), filter.search),
            )
        )
    return await ctx.paginate(statement, USER_ORDER, page)


async def visible_users_by_id(ctx: RequestContext, user_ids: list[int]) -> dict[int, User]:
    """For ``node``: the users among ``user_ids`` that the actor may see."""
    statement = visible_users_statement(ctx).where(one_of(col(User.id), user_ids))
    async with ctx.sessions() as session:
        return {user.id: user for user in (await session.execute(statement)).scalars() if user.id}


MANAGE_USERS = "manage users"
USER_EMAIL = UniqueField(User, "email", input_field("email"), "Email")
USER_PHONE = UniqueField(User, "phone", input_field("phone"), "Phone number")
USER_LOGINS = (USER_EMAIL, USER_PHONE)
_PLANTS = input_field("plantIds")


@dataclass(frozen=True, slots=True)
class NewUser:
    name: str
    email: str | None
    phone: str | None
    role: Role
    password: str
    plant_ids: list[int]
    cluster_id: int | None
    state_id: int | None


@dataclass(frozen=True, slots=True)
class UserChanges:
    """What to change; UNCHANGED leaves a field as it is, None clears a clearable one.

    When the role changes, scope fields left UNCHANGED that the new role does not use
    are cleared; the ones it needs must be given unless already stored.
    """

    name: str | Unchanged = UNCHANGED
    email: str | Unchanged | None = UNCHANGED
    phone: str | Unchanged | None = UNCHANGED
    role: Role | Unchanged = UNCHANGED
    active: bool | Unchanged = UNCHANGED
    password: str | Unchanged = UNCHANGED
    plant_ids: list[int] | Unchanged = UNCHANGED
    cluster_id: int | Unchanged | None = UNCHANGED
    state_id: int | Unchanged | None = UNCHANGED

    @property
    def touches_scope(self) -> bool:
        return any(
            value is not UNCHANGED
            for value in (self.role, self.plant_ids, self.cluster_id, self.state_id)
        )


@dataclass(frozen=True, slots=True)
class StaffScope:
    """Where a user works: their plants, cluster or state (the ones their role uses)."""

    plant_ids: tuple[int, ...]
    cluster_id: int | None
    state_id: int | None

    @classmethod
    def of(
        cls, plant_ids: Iterable[int], cluster_id: int | None, state_id: int | None
    ) -> StaffScope:
        return cls(tuple(sorted(set(plant_ids))), cluster_id, state_id)


def check_scope(role: Role, scope: StaffScope) -> None:
    """The scope fields ``role`` needs are given, and no others."""
    works_at_plants = role in PLANT_ROLES
    if works_at_plants and not scope.plant_ids:
        raise invalid(
            f"{a_or_an(role.value, starts_sentence=True)} works at one or more plants: "
            "give plantIds.",
            _PLANTS,
        )
    if not works_at_plants and scope.plant_ids:
        raise invalid("Only operators, technicians and CSAs work at plants.", _PLANTS)
    _check_one_scope(role, Role.CLUSTER_INCHARGE, scope.cluster_id, "cluster", "clusterId")
    _check_one_scope(role, Role.STATE_INCHARGE, scope.state_id, "state", "stateId")


def _check_one_scope(
    role: Role, owner: Role, value: int | None, what: str, field_name: str
) -> None:
    if role is owner and value is None:
        raise invalid(
            f"{a_or_an(owner.value, starts_sentence=True)} runs one {what}: give {field_name}.",
            input_field(field_name),
        )
    if role is not owner and value is not None:
        raise invalid(f"Only {a_or_an(owner.value)} has a {what}.", input_field(field_name))


def _check_has_login(email: str | None, phone: str | None) -> None:
    if email is None and phone is None:
        raise invalid("Give an email or a phone number to sign in with.", input_field("email"))


def _optional(value: str | None, clean: Callable[[str, list[str]], str], name: str) -> str | None:
    return None if value is None else clean(value, input_field(name))


def _optional_change(
    value: str | Unchanged | None, clean: Callable[[str, list[str]], str], name: str
) -> str | Unchanged | None:
    if value is UNCHANGED or value is None:
        return value
    return clean(value, input_field(name))


async def _check_scope_exists(session: AsyncSession, scope: StaffScope) -> None:
    """NOT_FOUND for a plant, cluster or state id that names nothing."""
    if scope.cluster_id is not None:
        await get_or_not_found(
            session, Cluster, scope.cluster_id, "Cluster", input_field("clusterId")
        )
    if scope.state_id is not None:
        await get_or_not_found(session, State, scope.state_id, "State", input_field("stateId"))
    if scope.plant_ids:
        statement = sa.select(sa.func.count()).where(col(Plant.id).in_(scope.plant_ids))
        if (await session.execute(statement)).scalar_one() != len(scope.plant_ids):
            raise not_found("Plant", _PLANTS)


async def _ensure_logins_unique(
    session: AsyncSession, email: str | None, phone: str | None, except_id: int | None = None
) -> None:
    if email is not None:
        await ensure_unique(session, USER_EMAIL, email, except_id=except_id)
    if phone is not None:
        await ensure_unique(session, USER_PHONE, phone, except_id=except_id)


async def _plant_ids_of(session: AsyncSession, user_id: int) -> tuple[int, ...]:
    statement = sa.select(col(UserPlant.plant_id)).where(col(UserPlant.user_id) == user_id)
    return tuple(sorted((await session.execute(statement)).scalars().all()))


async def _replace_plants(session: AsyncSession, user_id: int, plant_ids: tuple[int, ...]) -> None:
    await session.execute(sa.delete(UserPlant).where(col(UserPlant.user_id) == user_id))
    session.add_all(UserPlant(user_id=user_id, plant_id=plant_id) for plant_id in plant_ids)


async def end_sessions(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Revoke every refresh token of the user: no session of theirs can be renewed.

    Access tokens need nothing: every request reloads the user and refuses inactive ones.
    """
    await session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


async def create_user(ctx: RequestContext, new: NewUser) -> User:
    """A new staff account, with the plants it works at (operators, technicians, CSAs)."""
    require_admin(ctx, MANAGE_USERS)
    name = clean_name(new.name, input_field("name"))
    email = _optional(new.email, clean_email, "email")
    phone = _optional(new.phone, clean_phone, "phone")
    _check_has_login(email, phone)
    scope = StaffScope.of(new.plant_ids, new.cluster_id, new.state_id)
    check_scope(new.role, scope)
    # Hashed before the transaction starts: Argon2 is slow on purpose.
    password_hash = await hash_password_async(check_password(new.password, input_field("password")))
    async with write_session(ctx.sessions) as session:
        await _check_scope_exists(session, scope)
        await _ensure_logins_unique(session, email, phone)
        user = User(
            name=name,
            email=email,
            phone=phone,
            role=new.role,
            password_hash=password_hash,
            cluster_id=scope.cluster_id,
            state_id=scope.state_id,
        )
        session.add(user)
        await flush_checked(session, USER_LOGINS)
        assert user.id is not None  # noqa: S101 - set by the flush
        await _replace_plants(session, user.id, scope.plant_ids)
        await flush_checked(session, USER_LOGINS)
    return user


def _check_not_locking_out(actor: Actor, user_id: int, changes: UserChanges) -> None:
    """An administrator cannot deactivate or demote themselves: another one must."""
    if actor.user_id != user_id:
        return
    if changes.active is False:
        raise invalid(
            "You cannot deactivate yourself; ask another administrator.", input_field("active")
        )
    if changes.role is not UNCHANGED and changes.role is not Role.ADMIN:
        raise invalid(
            "You cannot give up your own ADMIN role; ask another administrator.",
            input_field("role"),
        )


def _scope_after(
    user: User, plant_ids: tuple[int, ...], role: Role, changes: UserChanges
) -> StaffScope:
    """Each scope field as given; else as stored if the role uses it; else cleared."""

    def kept(value: int | None, owner: Role) -> int | None:
        return value if role is owner else None

    return StaffScope.of(
        changes.plant_ids
        if changes.plant_ids is not UNCHANGED
        else (plant_ids if role in PLANT_ROLES else ()),
        changes.cluster_id
        if changes.cluster_id is not UNCHANGED
        else kept(user.cluster_id, Role.CLUSTER_INCHARGE),
        changes.state_id
        if changes.state_id is not UNCHANGED
        else kept(user.state_id, Role.STATE_INCHARGE),
    )


async def _apply_scope(session: AsyncSession, user: User, role: Role, changes: UserChanges) -> None:
    """Set the role and the scope fields that go with it, after checking they fit."""
    assert user.id is not None  # noqa: S101 - a loaded row
    stored_plants = await _plant_ids_of(session, user.id)
    scope = _scope_after(user, stored_plants, role, changes)
    check_scope(role, scope)
    await _check_scope_exists(session, scope)
    user.role, user.cluster_id, user.state_id = role, scope.cluster_id, scope.state_id
    if scope.plant_ids != stored_plants:
        await _replace_plants(session, user.id, scope.plant_ids)


async def _apply_logins(
    session: AsyncSession,
    user: User,
    email: str | Unchanged | None,
    phone: str | Unchanged | None,
) -> None:
    new_email = user.email if email is UNCHANGED else email
    new_phone = user.phone if phone is UNCHANGED else phone
    _check_has_login(new_email, new_phone)
    await _ensure_logins_unique(
        session,
        None if email is UNCHANGED else email,
        None if phone is UNCHANGED else phone,
        except_id=user.id,
    )
    user.email, user.phone = new_email, new_phone


async def update_user(ctx: RequestContext, user_id: int, changes: UserChanges) -> User:
    """Change a staff account. Deactivating it, or setting a new password, ends its sessions."""
    actor = require_admin(ctx, MANAGE_USERS)
    name = clean_change(changes.name, clean_name, input_field("name"))
    email = _optional_change(changes.email, clean_email, "email")
    phone = _optional_change(changes.phone, clean_phone, "phone")
    password = clean_change(changes.password, check_password, input_field("password"))
    _check_not_locking_out(actor, user_id, changes)
    password_hash = None if password is UNCHANGED else await hash_password_async(password)
    now = utcnow()
    async with write_session(ctx.sessions) as session:
        user = await get_or_not_found(session, User, user_id, "User", input_field("id"))
        if changes.touches_scope:
            role = user.role if changes.role is UNCHANGED else changes.role
            await _apply_scope(session, user, role, changes)
        await _apply_logins(session, user, email, phone)
        if name is not UNCHANGED:
            user.name = name
        if changes.active is not UNCHANGED:
            user.active = changes.active
        if password_hash is not None:
            user.password_hash = password_hash
        if changes.active is False or password_hash is not None:
            await end_sessions(session, user_id, now)
        user.updated_at = now
        await flush_checked(session, USER_LOGINS)
        # What the user may see or do may have changed: every process drops their actor.
        await record_event(
            session,
            topic=EventTopic.STAFF,
            subject_type="User",
            subject_id=user_id,
            actor_id=actor.user_id,
        )
    ctx.forget_actors(user_id)
    return user
