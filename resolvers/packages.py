"""Reading packages (tariffs): part of the catalogue, readable by every signed-in user."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from models.packages import Package
from resolvers.context import RequestContext


async def list_packages(ctx: RequestContext, *, active_only: bool) -> list[Package]:
    ctx.require_actor()
    statement = sa.select(Package).order_by(col(Package.load_watts), col(Package.id))
    if active_only:
        statement = statement.where(col(Package.active).is_(True))
    async with ctx.sessions() as session:
        return list((await session.execute(statement)).scalars().all())
