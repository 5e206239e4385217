"""Administration of packages (tariffs): codes, loads and fees in exact money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models import Package
from tests.admin import MUTATIONS, gid, mutate_ok, refused, snapshot
from tests.conftest import GraphQLClient, error_codes
from tests.factories import World


@pytest.fixture
def admin(world: World) -> str:
    return world.token("admin")


async def _stored(db: async_sessionmaker[AsyncSession], package_id: int | None) -> Package:
    async with db() as session:
        package = await session.get(Package, package_id)
    assert package is not None
    return package


async def test_create_package(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    package = await mutate_ok(
        client,
        "createPackage",
        {"code": "home-2k", "name": "Home 2 kW", "loadWatts": 2000, "monthlyFee": "499.5"},
        token=admin,
    )
    assert package["code"] == "HOME-2K"
    assert package["loadWatts"] == 2000
    assert package["monthlyFee"]["currency"] == "INR"
    assert Decimal(package["monthlyFee"]["amount"]) == Decimal("499.50")
    assert package["active"] is True
    async with db() as session:
        statement = sa.select(Package).where(col(Package.code) == "HOME-2K")
        stored = (await session.execute(statement)).scalar_one()
    assert stored.monthly_fee_minor == 49950
    assert stored.load_watts == 2000


async def test_create_inactive_free_package(
    client: GraphQLClient, world: World, admin: str
) -> None:
    package = await mutate_ok(
        client,
        "createPackage",
        {"code": "TRIAL", "name": "Trial", "loadWatts": 50, "monthlyFee": "0", "active": False},
        token=admin,
    )
    assert package["active"] is False


async def test_update_package(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.packages[0]
    package = await mutate_ok(
        client,
        "updatePackage",
        {"id": gid("Package", target.id), "monthlyFee": "120.25", "active": False},
        token=admin,
    )
    assert package["active"] is False
    assert package["code"] == target.code
    stored = await _stored(db, target.id)
    assert (stored.monthly_fee_minor, stored.active, stored.load_watts) == (12025, False, 100)
    assert stored.updated_at > target.updated_at

    await mutate_ok(
        client,
        "updatePackage",
        {"id": gid("Package", target.id), "loadWatts": 150, "name": "150 W", "code": "p-150"},
        token=admin,
    )
    stored = await _stored(db, target.id)
    assert (stored.code, stored.name, stored.load_watts) == ("P-150", "150 W", 150)
    assert stored.monthly_fee_minor == 12025


def _bad_inputs(world: World) -> list[tuple[str, dict[str, Any], str, list[str]]]:
    new = {"code": "NEW", "name": "New", "loadWatts": 100, "monthlyFee": "10.00"}
    target = gid("Package", world.packages[0].id)
    taken = world.packages[1].code
    return [
        ("createPackage", {**new, "monthlyFee": "-1"}, "VALIDATION", ["input", "monthlyFee"]),
        ("createPackage", {**new, "monthlyFee": "-0.01"}, "VALIDATION", ["input", "monthlyFee"]),
        ("createPackage", {**new, "monthlyFee": "10.005"}, "VALIDATION", ["input", "monthlyFee"]),
        ("createPackage", {**new, "monthlyFee": "NaN"}, "VALIDATION", ["input", "monthlyFee"]),
        ("createPackage", {**new, "monthlyFee": "1E+9"}, "VALIDATION", ["input", "monthlyFee"]),
        ("createPackage", {**new, "loadWatts": 0}, "VALIDATION", ["input", "loadWatts"]),
        ("createPackage", {**new, "loadWatts": -5}, "VALIDATION", ["input", "loadWatts"]),
        ("createPackage", {**new, "code": "a b"}, "VALIDATION", ["input", "code"]),
        ("createPackage", {**new, "name": ""}, "VALIDATION", ["input", "name"]),
        ("createPackage", {**new, "code": taken.lower()}, "DUPLICATE", ["input", "code"]),
        (
            "updatePackage",
            {"id": target, "monthlyFee": "1.999"},
            "VALIDATION",
            ["input", "monthlyFee"],
        ),
        (
            "updatePackage",
            {"id": target, "monthlyFee": None},
            "VALIDATION",
            ["input", "monthlyFee"],
        ),
        ("updatePackage", {"id": target, "loadWatts": 0}, "VALIDATION", ["input", "loadWatts"]),
        ("updatePackage", {"id": target, "active": None}, "VALIDATION", ["input", "active"]),
        ("updatePackage", {"id": target, "code": taken}, "DUPLICATE", ["input", "code"]),
        ("updatePackage", {"id": gid("Package", 999999)}, "NOT_FOUND", ["input", "id"]),
        ("updatePackage", {"id": gid("Plant", 1)}, "VALIDATION", ["input", "id"]),
        ("updatePackage", {"id": "UGFja2FnZTp4"}, "VALIDATION", ["input", "id"]),
    ]


async def test_bad_input_is_refused_with_the_field_and_nothing_changes(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    before = await snapshot(db)
    for name, input, code, field in _bad_inputs(world):
        error = await refused(client, name, input, token=admin)
        assert (error["code"], error["field"]) == (code, field), (name, input, error)
    assert await snapshot(db) == before


async def test_fee_with_trailing_zeros_is_exact(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.packages[0]
    await mutate_ok(
        client,
        "updatePackage",
        {"id": gid("Package", target.id), "monthlyFee": "12.500"},
        token=admin,
    )
    assert (await _stored(db, target.id)).monthly_fee_minor == 1250


async def test_a_fee_that_is_no_number_is_a_graphql_error(
    client: GraphQLClient, world: World, admin: str
) -> None:
    body = await client.request(
        MUTATIONS["updatePackage"],
        {"input": {"id": gid("Package", world.packages[0].id), "monthlyFee": "ten"}},
        token=admin,
    )
    assert body.get("errors")
    assert "INTERNAL_SERVER_ERROR" not in error_codes(body)
