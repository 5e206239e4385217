"""The benchmark's raw floor (bench/floor.py) answers exactly what the documents answer.

A floor that answered less (a missing field, a row out of scope) would make every ratio
of `make bench` flatter the server; this runs the harness's own check on the default
demo world, on whichever database the suite runs on.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from auth.tokens import issue_access_token
from bench import floor, screens
from core.settings import Settings
from demo.seed import seed_demo
from models import User

SCREENS = {
    "InProcessTab",
    "PackageRequestDetails",
    "PackageActivitySummary",
    "SchemeEnrollments",
    "Inventory",
    "InProcessTabOnePlant",
}


async def _authorization(db: async_sessionmaker[AsyncSession], settings: Settings) -> str:
    async with db() as session:
        user_id = (
            await session.execute(sa.select(col(User.id)).where(col(User.email) == screens.LOGIN))
        ).scalar_one()
    assert user_id is not None
    return f"Bearer {issue_access_token(user_id, settings).token}"


async def test_the_floor_answers_the_same_data_as_each_document(
    db: async_sessionmaker[AsyncSession], engine: AsyncEngine, settings: Settings
) -> None:
    await seed_demo(engine)
    authorization = await _authorization(db, settings)
    loads = await screens.workloads(settings, authorization)
    assert {load.screen for load in loads} == SCREENS

    checks = await screens.check(settings, authorization, loads)

    assert {name: check.difference for name, check in checks.items()} == dict.fromkeys(SCREENS)
    for name, check in checks.items():
        # Both send statements (compiled documents may send fewer than the floor).
        assert check.floor_statements >= 1, name
        assert check.graphql_statements >= 1, name


async def test_the_floor_refuses_a_token_signed_with_another_key(
    db: async_sessionmaker[AsyncSession], engine: AsyncEngine, settings: Settings
) -> None:
    await seed_demo(engine)
    authorization = await _authorization(db, settings)
    (inventory,) = [
        load
        for load in await screens.workloads(settings, authorization)
        if load.screen == "Inventory"
    ]
    database = await floor.open_database(settings.database_url, 1)
    screen = floor.Screen(settings.currency, settings.zone, settings.page_size_default)
    try:
        answered = await floor.answer(
            database, "Inventory", authorization, inventory.variables, screen, settings.secret_key
        )
        assert answered["inventory"]["edges"]
        with pytest.raises(floor.Unauthenticated):
            await floor.answer(
                database,
                "Inventory",
                authorization,
                inventory.variables,
                screen,
                "another-secret-key-that-is-long-enough-for-hs256",
            )
    finally:
        await database.close()
