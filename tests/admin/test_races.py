"""The database's constraints are the last word: when a concurrent transaction wins the
race past the checks, the loser gets DUPLICATE (or CONFLICT), never a server error.

The races are staged by switching the up-front checks off, so that the insert or
update itself hits the constraint, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers import consumers, geography, staff
from resolvers.packages import catalogue as packages
from tests.admin import gid, refused, snapshot
from tests.conftest import GraphQLClient
from tests.factories import World


async def _no_check(*_args: Any, **_kwargs: Any) -> None:
    return None


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (consumers, geography, packages, staff):
        monkeypatch.setattr(module, "ensure_unique", _no_check)


def _clashes(world: World) -> list[tuple[str, dict[str, Any], list[str]]]:
    csa1, tech1 = world.users["csa1"], world.users["tech1"]
    plant = gid("Plant", world.plants[0].id)
    new_user = {
        "name": "Racer",
        "role": "CSA",
        "password": "long enough password",
        "plantIds": [plant],
    }
    return [
        ("createState", {"code": world.states[1].code, "name": "X"}, ["input", "code"]),
        (
            "updateState",
            {"id": gid("State", world.states[0].id), "code": world.states[1].code},
            ["input", "code"],
        ),
        (
            "createCluster",
            {
                "stateId": gid("State", world.states[0].id),
                "code": world.clusters[0].code,
                "name": "X",
            },
            ["input", "code"],
        ),
        (
            "updatePlant",
            {"id": plant, "code": world.plants[1].code},
            ["input", "code"],
        ),
        (
            "createPackage",
            {"code": world.packages[0].code, "name": "X", "loadWatts": 1, "monthlyFee": "1"},
            ["input", "code"],
        ),
        (
            "createConsumer",
            {
                "plantId": plant,
                "packageId": gid("Package", world.packages[0].id),
                "accountNumber": world.plant_consumers(1)[0].account_number,
                "name": "X",
                "phone": "+919800000009",
            },
            ["input", "accountNumber"],
        ),
        ("createUser", {**new_user, "email": csa1.email}, ["input", "email"]),
        ("createUser", {**new_user, "phone": csa1.phone}, ["input", "phone"]),
        (
            "updateUser",
            {"id": gid("User", tech1.id), "phone": csa1.phone},
            ["input", "phone"],
        ),
    ]


@pytest.mark.usefixtures("unchecked")
async def test_a_lost_race_on_a_unique_value_is_a_duplicate(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    before = await snapshot(db)
    for name, input, field in _clashes(world):
        error = await refused(client, name, input, token=world.token("admin"))
        assert (error["code"], error["field"]) == ("DUPLICATE", field), (name, error)
    assert await snapshot(db) == before


async def test_a_row_deleted_under_a_write_is_a_conflict(
    client: GraphQLClient,
    world: World,
    db: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if the cluster had been deleted after the check that it exists.
    monkeypatch.setattr(geography, "_require_cluster", _no_check)
    before = await snapshot(db)
    error = await refused(
        client,
        "createPlant",
        {"clusterId": gid("Cluster", 999999), "code": "ORPHAN", "name": "Orphan"},
        token=world.token("admin"),
    )
    assert error["code"] == "CONFLICT"
    assert await snapshot(db) == before
