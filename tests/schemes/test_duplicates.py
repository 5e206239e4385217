"""The duplicate guard (#19): a consumer with a live enrolment in a scheme is refused a
second one in it, naming the first's code, unless the input says another unit is meant."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.inventory import StockLevel
from models.schemes.codes import format_for_reading
from models.schemes.tables import SchemeEnrollment
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.schemes.api import cancel, codes, enroll
from tests.schemes.factories import SchemeWorld, gid, make_scheme, snapshot


async def _on_hand(db: async_sessionmaker[AsyncSession], schemes: SchemeWorld) -> int:
    async with db() as session:
        product = schemes.product.id if schemes.product else 0
        level = await session.get(StockLevel, (product, schemes.warehouses["wh1"].id))
        return level.on_hand if level else 0


async def _fan(
    client: GraphQLClient, world: World, schemes: SchemeWorld, user: str = "csa1", **more: Any
) -> dict[str, Any]:
    return await enroll(
        client, world, user, consumerId=schemes.consumer(0), schemeId=schemes.scheme("fan"), **more
    )


async def test_a_second_enrolment_in_a_scheme_is_a_duplicate_naming_the_first(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    first = await _fan(client, world, schemes, idempotencyKey="first")
    assert first["errors"] == []
    code = first["enrollment"]["schemeCode"]
    before = await snapshot(db)
    for user in ("csa1", "cluster1", "admin"):
        again = await _fan(client, world, schemes, user, idempotencyKey=f"again-{user}")
        assert again["enrollment"] is None
        (error,) = again["errors"]
        assert (error["code"], error["field"]) == ("DUPLICATE", ["input", "consumerId"])
        assert format_for_reading(code) in error["message"]
        assert "additionalUnit" in error["message"]
    assert await snapshot(db) == before
    # The first attempt retried with its key is its answer, not a duplicate.
    retried = await _fan(client, world, schemes, idempotencyKey="first")
    assert retried["errors"] == [] and retried["enrollment"]["id"] == first["enrollment"]["id"]
    assert await snapshot(db) == before


async def test_another_unit_when_the_input_says_so(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    assert (await _fan(client, world, schemes))["errors"] == []
    second = await _fan(client, world, schemes, additionalUnit=True)
    assert second["errors"] == []
    assert await _on_hand(db, schemes) == 8  # ten in stock, two handed over
    # A third one is refused again without the flag.
    assert codes(await _fan(client, world, schemes)) == ["DUPLICATE"]


async def test_a_cancelled_enrolment_or_another_scheme_is_no_duplicate(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    first = await _fan(client, world, schemes)
    assert (await cancel(client, world, "cluster1", first["enrollment"]["id"]))["errors"] == []
    assert (await _fan(client, world, schemes))["errors"] == []
    async with db() as session, session.begin():
        assert schemes.product is not None
        other = await make_scheme(session, schemes.product, world.states)
    tv = await enroll(
        client, world, "csa1", consumerId=schemes.consumer(0), schemeId=gid("Scheme", other)
    )
    assert tv["errors"] == []


async def test_outside_scope_the_guard_leaks_nothing(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    code = (await _fan(client, world, schemes))["enrollment"]["schemeCode"]
    before = await snapshot(db)
    for user, expected in (("csa3", "NOT_FOUND"), ("state1", "FORBIDDEN"), ("tech1", "FORBIDDEN")):
        for flag in (False, True):
            refused = await _fan(client, world, schemes, user, additionalUnit=flag)
            assert codes(refused) == [expected], (user, flag)
            assert format_for_reading(code) not in refused["errors"][0]["message"]
    assert await snapshot(db) == before


async def test_two_enrolments_of_one_consumer_at_once_make_one(
    client: GraphQLClient, world: World, schemes: SchemeWorld, db: async_sessionmaker[AsyncSession]
) -> None:
    results = await asyncio.gather(
        *(
            _fan(client, world, schemes, user, idempotencyKey=f"tap-{n}")
            for n, user in enumerate(["csa1", "cluster1", "admin", "csa1", "cluster1"])
        )
    )
    outcomes = Counter(r["errors"][0]["code"] if r["errors"] else "OK" for r in results)
    assert outcomes == {"OK": 1, "DUPLICATE": 4}
    async with db() as session:
        count = sa.select(sa.func.count()).select_from(SchemeEnrollment)
        assert (await session.execute(count)).scalar_one() == 1
    assert await _on_hand(db, schemes) == 9
