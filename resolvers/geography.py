"""Reading the geography: states, clusters and plants (plants within scope)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col

from models.geography import Cluster, Plant, State
from resolvers.context import RequestContext
from resolvers.pagination import Page, PageArgs, SortKey, paginate
from resolvers.search import contains_text


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
    return await paginate(
        ctx.sessions,
        statement,
        PLANT_ORDER,
        page,
        default_size=ctx.settings.page_size_default,
        max_size=ctx.settings.page_size_max,
    )
