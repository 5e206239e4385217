"""The signed-in user as the rest of the request sees them, with their scope."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.scope import PlantScope, plant_ids_in_scope
from models.users import Role, User


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling, and which plants' data they may see."""

    user_id: int
    name: str
    role: Role
    cluster_id: int | None
    state_id: int | None
    scope: PlantScope

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


async def load_actor(session: AsyncSession, user_id: int) -> Actor | None:
    """The active user with this id as an Actor, or None (unknown or deactivated)."""
    user = (
        await session.execute(
            sa.select(User).where(col(User.id) == user_id, col(User.active).is_(True))
        )
    ).scalar_one_or_none()
    if user is None or user.id is None:
        return None
    return Actor(
        user_id=user.id,
        name=user.name,
        role=user.role,
        cluster_id=user.cluster_id,
        state_id=user.state_id,
        scope=await plant_ids_in_scope(session, user),
    )
