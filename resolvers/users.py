"""Reading staff: the signed-in user, and colleagues within scope."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col

from auth.scope import visible_users_clause
from models.expressions import one_of
from models.users import Role, User, UserPlant
from resolvers.context import RequestContext
from resolvers.errors import unauthenticated
from resolvers.pagination import Page, PageArgs, SortKey
from resolvers.search import contains_text

USER_ORDER = (SortKey(col(User.name), "name"), SortKey(col(User.id), "id"))


@dataclass(frozen=True, slots=True)
class UserFilter:
    roles: list[Role] | None = None
    plant_ids: list[int] | None = None
    active: bool | None = None
    search: str | None = None


async def me(ctx: RequestContext) -> User:
    actor = ctx.require_actor()
    user = await ctx.loaders.user_by_id.load(actor.user_id)
    if user is None:  # deleted between authentication and now
        raise unauthenticated()
    return user


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
