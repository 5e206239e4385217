"""Factory functions that build small worlds for tests, straight into the database."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auth.passwords import hash_password
from auth.tokens import issue_access_token
from core.settings import Settings
from models import (
    Cluster,
    Consumer,
    ConsumerHistoryEntry,
    ConsumerHistoryKind,
    ConsumerStatus,
    Package,
    Plant,
    Role,
    State,
    User,
    UserPlant,
)
from models.base import utcnow

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_sequence)}"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


async def make_state(session: AsyncSession, **fields: Any) -> State:
    code = unique("S")
    state = State(**{"code": code, "name": f"State {code}", **fields})
    session.add(state)
    await session.flush()
    return state


async def make_cluster(session: AsyncSession, state: State, **fields: Any) -> Cluster:
    code = unique("C")
    cluster = Cluster(**{"code": code, "name": f"Cluster {code}", "state_id": state.id, **fields})
    session.add(cluster)
    await session.flush()
    return cluster


async def make_plant(session: AsyncSession, cluster: Cluster, **fields: Any) -> Plant:
    code = unique("P")
    plant = Plant(**{"code": code, "name": f"Plant {code}", "cluster_id": cluster.id, **fields})
    session.add(plant)
    await session.flush()
    return plant


async def make_package(session: AsyncSession, load_watts: int, **fields: Any) -> Package:
    code = unique("PKG")
    package = Package(
        **{
            "code": code,
            "name": f"{load_watts} W",
            "load_watts": load_watts,
            "monthly_fee_minor": load_watts * 100,
            **fields,
        }
    )
    session.add(package)
    await session.flush()
    return package


async def make_user(
    session: AsyncSession,
    role: Role,
    *,
    plants: list[Plant] | None = None,
    cluster: Cluster | None = None,
    state: State | None = None,
    **fields: Any,
) -> User:
    n = next(_sequence)
    user = User(
        **{
            "name": f"{role.value.title()} {n}",
            "email": f"{role.value.lower()}{n}@test.gridline",
            "phone": f"+9190000{n:05d}",
            "role": role,
            "password_hash": password_hash(),
            "cluster_id": cluster.id if cluster else None,
            "state_id": state.id if state else None,
            **fields,
        }
    )
    session.add(user)
    await session.flush()
    assert user.id is not None
    for plant in plants or []:
        assert plant.id is not None
        session.add(UserPlant(user_id=user.id, plant_id=plant.id))
    await session.flush()
    return user


async def make_consumer(
    session: AsyncSession,
    plant: Plant,
    package: Package,
    *,
    status: ConsumerStatus = ConsumerStatus.ACTIVE,
    **fields: Any,
) -> Consumer:
    n = next(_sequence)
    consumer = Consumer(
        **{
            "account_number": f"ACC-{n:06d}",
            "name": f"Consumer {n:05d}",
            "phone": f"+9198{n:08d}",
            "plant_id": plant.id,
            "package_id": package.id,
            "status": status,
            "connected_at": date(2025, 1, 1),
            **fields,
        }
    )
    session.add(consumer)
    await session.flush()
    assert consumer.id is not None
    session.add(
        ConsumerHistoryEntry(
            consumer_id=consumer.id,
            kind=ConsumerHistoryKind.STATUS,
            to_status=status,
            changed_at=utcnow(),
        )
    )
    return consumer


@dataclass
class World:
    """A small world: two states, three clusters, four plants, every role, consumers.

    state1 > cluster1 > plant1, plant2;  state1 > cluster2 > plant3;
    state2 > cluster3 > plant4.
    """

    settings: Settings
    states: list[State] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    plants: list[Plant] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    consumers: dict[int, list[Consumer]] = field(default_factory=dict)

    def token(self, name: str) -> str:
        user_id = self.users[name].id
        assert user_id is not None
        return issue_access_token(user_id, self.settings).token

    def plant_consumers(self, plant_index: int) -> list[Consumer]:
        plant_id = self.plants[plant_index].id
        assert plant_id is not None
        return self.consumers[plant_id]


CONSUMERS_PER_PLANT = 3


async def build_world(session: AsyncSession, settings: Settings) -> World:
    world = World(settings=settings)
    state1, state2 = await make_state(session), await make_state(session)
    cluster1 = await make_cluster(session, state1)
    cluster2 = await make_cluster(session, state1)
    cluster3 = await make_cluster(session, state2)
    plant1, plant2 = await make_plant(session, cluster1), await make_plant(session, cluster1)
    plant3, plant4 = await make_plant(session, cluster2), await make_plant(session, cluster3)
    world.states = [state1, state2]
    world.clusters = [cluster1, cluster2, cluster3]
    world.plants = [plant1, plant2, plant3, plant4]
    world.packages = [
        await make_package(session, 100),
        await make_package(session, 250),
        await make_package(session, 500),
        await make_package(session, 1000, active=False),
    ]
    world.users = {
        "admin": await make_user(session, Role.ADMIN),
        "state1": await make_user(session, Role.STATE_INCHARGE, state=state1),
        "state2": await make_user(session, Role.STATE_INCHARGE, state=state2),
        "cluster1": await make_user(session, Role.CLUSTER_INCHARGE, cluster=cluster1),
        "cluster2": await make_user(session, Role.CLUSTER_INCHARGE, cluster=cluster2),
        "csa1": await make_user(session, Role.CSA, plants=[plant1]),
        "csa3": await make_user(session, Role.CSA, plants=[plant3]),
        "tech1": await make_user(session, Role.TECHNICIAN, plants=[plant1, plant2]),
        "tech4": await make_user(session, Role.TECHNICIAN, plants=[plant4]),
        "operator1": await make_user(session, Role.OPERATOR, plants=[plant1]),
        "inactive": await make_user(session, Role.CSA, plants=[plant1], active=False),
    }
    for plant in world.plants:
        assert plant.id is not None
        world.consumers[plant.id] = [
            await make_consumer(session, plant, world.packages[0])
            for _ in range(CONSUMERS_PER_PLANT)
        ]
    await session.commit()
    return world
