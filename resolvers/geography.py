"""The geography: reading states, clusters and plants (plants within scope); and,
for administrators, creating and changing them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import write_session
from models.events import EventTopic
from models.geography import Cluster, Plant, State
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
from resolvers.events.notifications import record_event
from resolvers.pagination import Page, PageArgs, SortKey
from resolvers.search import contains_text
from resolvers.validation import clean_code, clean_name, input_field


async def list_states(ctx: RequestContext) -> list[State]:
    ctx.require_actor()
    async with ctx.sessions() as session:
        statement = sa.select(State).order_by(col(State.name), col(State.id))
        return list((await session.execute(statement)).scalars().all())


async def list_clusters(ctx: RequestContext, state_id: int | None) -> list[Cluster]:
    ctx.require_actor()
    statement = sa.select(Cluster).order_by(col(Cluster.name), col(Cluster.id))
    if state_id is not None:
        statement = statement.where(col(Cluster.state_id) == state_id)
    async with ctx.sessions() as session:
        return list((await session.execute(statement)).scalars().all())


@dataclass(frozen=True, slots=True)
class PlantFilter:
    state_id: int | None = None
    cluster_ids: list[int] | None = None
    search: str | None = None


PLANT_ORDER = (SortKey(col(Plant.name), "name"), SortKey(col(Plant.id), "id"))


async def list_plants(ctx: RequestContext, filter: PlantFilter, page: PageArgs) -> Page[Plant]:
    actor = ctx.require_actor()
    statement = sa.select(Plant).where(actor.scope.restrict(col(Plant.id)))
    if filter.cluster_ids is not None:
        statement = statement.where(col(Plant.cluster_id).in_(filter.cluster_ids))
    if filter.state_id is not None:
        in_state = sa.select(col(Cluster.id)).where(col(Cluster.state_id) == filter.state_id)
        statement = statement.where(col(Plant.cluster_id).in_(in_state))
    if filter.search:
        statement = statement.where(
            sa.or_(
                contains_text(col(Plant.name), filter.search),
                contains_text(col(Plant.code), filter.search),
            )
        )
    return await ctx.paginate(statement, PLANT_ORDER, page)


# Administration (ADMIN): creating and changing states, clusters and plants.

MANAGE_GEOGRAPHY = "manage states, clusters and plants"
STATE_CODE = UniqueField(State, "code", input_field("code"), "State code")
CLUSTER_CODE = UniqueField(Cluster, "code", input_field("code"), "Cluster code")
PLANT_CODE = UniqueField(Plant, "code", input_field("code"), "Plant code")


@dataclass(frozen=True, slots=True)
class NewState:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class StateChanges:
    code: str | Unchanged = UNCHANGED
    name: str | Unchanged = UNCHANGED


@dataclass(frozen=True, slots=True)
class NewCluster:
    state_id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ClusterChanges:
    code: str | Unchanged = UNCHANGED
    name: str | Unchanged = UNCHANGED
    state_id: int | Unchanged = UNCHANGED


@dataclass(frozen=True, slots=True)
class NewPlant:
    cluster_id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class PlantChanges:
    code: str | Unchanged = UNCHANGED
    name: str | Unchanged = UNCHANGED
    cluster_id: int | Unchanged = UNCHANGED


async def _require_state(session: AsyncSession, state_id: int) -> State:
    return await get_or_not_found(session, State, state_id, "State", input_field("stateId"))


async def _require_cluster(session: AsyncSession, cluster_id: int) -> Cluster:
    return await get_or_not_found(session, Cluster, cluster_id, "Cluster", input_field("clusterId"))


async def create_state(ctx: RequestContext, new: NewState) -> State:
    """A new state with a unique code."""
    require_admin(ctx, MANAGE_GEOGRAPHY)
    code = clean_code(new.code, input_field("code"))
    name = clean_name(new.name, input_field("name"))
    async with write_session(ctx.sessions) as session:
        await ensure_unique(session, STATE_CODE, code)
        state = State(code=code, name=name)
        session.add(state)
        await flush_checked(session, [STATE_CODE])
    return state


async def update_state(ctx: RequestContext, state_id: int, changes: StateChanges) -> State:
    """Change a state's code or name."""
    require_admin(ctx, MANAGE_GEOGRAPHY)
    code = clean_change(changes.code, clean_code, input_field("code"))
    name = clean_change(changes.name, clean_name, input_field("name"))
    async with write_session(ctx.sessions) as session:
        state = await get_or_not_found(session, State, state_id, "State", input_field("id"))
        if code is not UNCHANGED:
            await ensure_unique(session, STATE_CODE, code, except_id=state_id)
            state.code = code
        if name is not UNCHANGED:
            state.name = name
        await flush_checked(session, [STATE_CODE])
    return state


async def create_cluster(ctx: RequestContext, new: NewCluster) -> Cluster:
    """A new cluster in an existing state, with a unique code."""
    require_admin(ctx, MANAGE_GEOGRAPHY)
    code = clean_code(new.code, input_field("code"))
    name = clean_name(new.name, input_field("name"))
    async with write_session(ctx.sessions) as session:
        await _require_state(session, new.state_id)
        await ensure_unique(session, CLUSTER_CODE, code)
        cluster = Cluster(code=code, name=name, state_id=new.state_id)
        session.add(cluster)
        await flush_checked(session, [CLUSTER_CODE])
    return cluster


async def update_cluster(ctx: RequestContext, cluster_id: int, changes: ClusterChanges) -> Cluster:
    """Change a cluster's code or name, or move it (with its plants) to another state."""
    require_admin(ctx, MANAGE_GEOGRAPHY)
    code = clean_change(changes.code, clean_code, input_field("code"))
    name = clean_change(changes.name, clean_name, input_field("name"))
    async with write_session(ctx.sessions) as session:
        cluster = await get_or_not_found(session, Cluster, cluster_id, "Cluster", input_field("id"))
        moved = changes.state_id is not UNCHANGED and changes.state_id != cluster.state_id
        if changes.state_id is not UNCHANGED:
            await _require_state(session, changes.state_id)
            cluster.state_id = changes.state_id
        if code is not UNCHANGED:
            await ensure_unique(session, CLUSTER_CODE, code, except_id=cluster_id)
            cluster.code = code
        if name is not UNCHANGED:
            cluster.name = name
        await flush_checked(session, [CLUSTER_CODE])
        if moved:
            await _scopes_changed(ctx, session, "Cluster", cluster_id)
    if moved:
        ctx.forget_actors()
    return cluster


async def create_plant(ctx: RequestContext, new: NewPlant) -> Plant:
    """A new plant in an existing cluster, with a unique code."""
    require_admin(ctx, MANAGE_GEOGRAPHY)
    code = clean_code(new.code, input_field("code"))
    name = clean_name(new.name, input_field("name"))
    async with write_session(ctx.sessions) as session:
        await _require_cluster(session, new.cluster_id)
        await ensure_unique(session, PLANT_CODE, code)
        plant = Plant(code=code, name=name, cluster_id=new.cluster_id)
        session.add(plant)
        await flush_checked(session, [PLANT_CODE])
        assert plant.id is not None  # noqa: S101 - flushed
        await _scopes_changed(ctx, session, "Plant", plant.id)
    ctx.forget_actors()
    return plant


async def update_plant(ctx: RequestContext, plant_id: int, changes: PlantChanges) -> Plant:
    """Change a plant's code or name, or move it (with its consumers) to another cluster."""
    require_admin(ctx, MANAGE_GEOGRAPHY)
    code = clean_change(changes.code, clean_code, input_field("code"))
    name = clean_change(changes.name, clean_name, input_field("name"))
    async with write_session(ctx.sessions) as session:
        plant = await get_or_not_found(session, Plant, plant_id, "Plant", input_field("id"))
        moved = changes.cluster_id is not UNCHANGED and changes.cluster_id != plant.cluster_id
        if changes.cluster_id is not UNCHANGED:
            await _require_cluster(session, changes.cluster_id)
            plant.cluster_id = changes.cluster_id
        if code is not UNCHANGED:
            await ensure_unique(session, PLANT_CODE, code, except_id=plant_id)
            plant.code = code
        if name is not UNCHANGED:
            plant.name = name
        await flush_checked(session, [PLANT_CODE])
        if moved:
            await _scopes_changed(ctx, session, "Plant", plant_id)
    if moved:
        ctx.forget_actors()
    return plant


async def _scopes_changed(
    ctx: RequestContext, session: AsyncSession, subject_type: str, subject_id: int
) -> None:
    """Plants changed hands: in-charges' scopes changed (every process's actors drop)."""
    await record_event(
        session,
        topic=EventTopic.GEOGRAPHY,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=ctx.require_actor().user_id,
    )
