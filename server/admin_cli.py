"""Administration from the command line (first admin on a new installation)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.actor import Actor
from auth.scope import PlantScope
from core.db import create_engine, create_session_factory
from core.settings import Settings
from models.geography import Cluster, Plant, State
from models.staff import Role
from resolvers.context import RequestContext
from resolvers.staff import NewUser
from resolvers.staff import create_user as create_user_as_admin

COMMAND_LINE_ACTOR = Actor(
    user_id=0,
    name="command line",
    role=Role.ADMIN,
    cluster_id=None,
    state_id=None,
    scope=PlantScope.all_plants(),
)


async def create_user(
    settings: Settings,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    role: str,
    password: str,
    plant_codes: list[str],
    cluster_code: str | None,
    state_code: str | None,
) -> int:
    """Create a user exactly as the createUser mutation would, acting as an admin."""
    engine = create_engine(settings)
    try:
        sessions = create_session_factory(engine)
        async with sessions() as session:
            plant_ids = list(
                (
                    await session.execute(
                        sa.select(col(Plant.id)).where(col(Plant.code).in_(plant_codes))
                    )
                )
                .scalars()
                .all()
            )
            if len(plant_ids) != len(set(plant_codes)):
                raise SystemExit(f"unknown plant code among {plant_codes}")
            cluster_id = await _id_of(session, Cluster, cluster_code)
            state_id = await _id_of(session, State, state_code)
        ctx = RequestContext(
            settings=settings, sessions=sessions, actor=COMMAND_LINE_ACTOR, request_id="cli"
        )
        user = await create_user_as_admin(
            ctx,
            NewUser(
                name=name,
                email=email,
                phone=phone,
                role=Role(role),
                password=password,
                plant_ids=[p for p in plant_ids if p is not None],
                cluster_id=cluster_id,
                state_id=state_id,
            ),
        )
        assert user.id is not None  # noqa: S101
        return user.id
    finally:
        await engine.dispose()


async def _id_of(
    session: AsyncSession, model: type[Cluster] | type[State], code: str | None
) -> int | None:
    if code is None:
        return None
    found = (
        await session.execute(sa.select(col(model.id)).where(col(model.code) == code))
    ).scalar_one_or_none()
    if found is None:
        raise SystemExit(f"unknown {model.__name__.lower()} code {code}")
    return found
