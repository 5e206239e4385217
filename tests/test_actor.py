"""The actor of a request: the active user and the plants of their scope, in one statement."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from auth.actor import load_actor
from auth.scope import PlantScope
from models.staff import Role, UserPlant
from tests.auth.test_scope import VISIBLE_PLANTS
from tests.conftest import statements_sent
from tests.factories import World


def _id(world: World, name: str) -> int:
    user_id = world.users[name].id
    assert user_id is not None
    return user_id


async def test_each_role_sees_its_plants(
    db: async_sessionmaker[AsyncSession], world: World
) -> None:
    plant_ids = [plant.id for plant in world.plants]
    async with db() as session:
        admin = await load_actor(session, _id(world, "admin"))
        assert admin is not None
        assert admin.scope == PlantScope.all_plants()
        assert admin.role is Role.ADMIN
        for name, indexes in VISIBLE_PLANTS.items():
            if name == "admin":
                continue
            actor = await load_actor(session, _id(world, name))
            assert actor is not None, name
            user = world.users[name]
            assert (actor.user_id, actor.name, actor.role) == (user.id, user.name, user.role)
            assert (actor.cluster_id, actor.state_id) == (user.cluster_id, user.state_id)
            assert actor.scope == PlantScope.of({plant_ids[i] for i in indexes}), name  # type: ignore[misc]


async def test_unknown_and_deactivated_users_are_nobody(
    db: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with db() as session:
        assert await load_actor(session, _id(world, "inactive")) is None
        assert await load_actor(session, max(u.id or 0 for u in world.users.values()) + 1) is None


async def test_only_the_roles_branch_counts(
    db: async_sessionmaker[AsyncSession], world: World
) -> None:
    """A plant link left on an in-charge (a former technician promoted) grants nothing."""
    async with db() as session:
        session.add(UserPlant(user_id=_id(world, "cluster2"), plant_id=world.plants[3].id or 0))
        await session.commit()
        actor = await load_actor(session, _id(world, "cluster2"))
    assert actor is not None
    assert actor.scope == PlantScope.of({world.plants[2].id or 0})


async def test_one_statement(
    db: async_sessionmaker[AsyncSession], world: World, engine: AsyncEngine
) -> None:
    with statements_sent(engine) as counter:
        async with db() as session:
            actor = await load_actor(session, _id(world, "state1"))
    assert actor is not None
    assert len(actor.scope.plant_ids) == 3
    assert counter.count == 1, counter.statements
