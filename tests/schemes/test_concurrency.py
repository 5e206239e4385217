"""Twenty enrolments at once for five remaining units: exactly five win.

Sent concurrently through the ASGI app (real concurrent transactions on PostgreSQL;
queued writes on SQLite). The guarded stock update decides; losers get OUT_OF_STOCK
and leave nothing behind.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.inventory import StockLevel, StockMovement
from models.schemes.tables import SchemeEnrollment, SchemeInstallment, SchemePayment
from tests.conftest import GraphQLClient
from tests.factories import World, make_consumer
from tests.schemes.api import enroll
from tests.schemes.factories import build_schemes, gid

RACERS = 20
UNITS = 5


async def test_twenty_enrolments_for_five_units(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    built = await build_schemes(db, world, units=UNITS, wh1b_units=0)
    async with db() as session, session.begin():
        consumers = [
            await make_consumer(session, world.plants[0], world.packages[0]) for _ in range(RACERS)
        ]
    results = await asyncio.gather(
        *(
            enroll(
                client,
                world,
                "cluster1",
                consumerId=gid("Consumer", consumer),
                schemeId=built.scheme("fan"),
            )
            for consumer in consumers
        )
    )
    outcomes = Counter(r["errors"][0]["code"] if r["errors"] else "OK" for r in results)
    assert outcomes == {"OK": UNITS, "OUT_OF_STOCK": RACERS - UNITS}
    async with db() as session:
        wh1 = built.warehouses["wh1"]
        level = await session.get(StockLevel, (built.product.id if built.product else 0, wh1.id))
        assert level is not None and level.on_hand == 0

        async def count(model: type) -> int:
            statement = sa.select(sa.func.count()).select_from(model)
            return int((await session.execute(statement)).scalar_one())

        assert await count(SchemeEnrollment) == UNITS
        assert await count(SchemePayment) == UNITS
        assert await count(SchemeInstallment) == UNITS * 10
        movements = sa.select(sa.func.count()).where(
            StockMovement.enrollment_id.is_not(None)  # type: ignore[union-attr]
        )
        assert (await session.execute(movements)).scalar_one() == UNITS


async def test_retries_with_one_key_at_once_enrol_once(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    built = await build_schemes(db, world)
    variables = {
        "consumerId": built.consumer(0),
        "schemeId": built.scheme("fan"),
        "idempotencyKey": "flaky-network",
    }
    results = await asyncio.gather(*(enroll(client, world, "csa1", **variables) for _ in range(5)))
    assert all(r["errors"] == [] for r in results), results
    assert len({r["enrollment"]["id"] for r in results}) == 1
    async with db() as session:
        count = sa.select(sa.func.count()).select_from(SchemeEnrollment)
        assert (await session.execute(count)).scalar_one() == 1
