"""Only administrators may use the administration mutations.

Every other role gets FORBIDDEN and nothing changes; without a valid token the request
fails with UNAUTHENTICATED. Each input below is valid, so that only the role decides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.admin import MUTATIONS, gid, mutate, mutate_ok, refused, snapshot
from tests.conftest import GraphQLClient, error_codes
from tests.factories import World

NON_ADMINS = ("state1", "cluster1", "csa1", "tech1", "operator1")

ValidInput = Callable[[World], dict[str, Any]]

VALID_INPUTS: dict[str, ValidInput] = {
    "createState": lambda w: {"code": "NEW", "name": "New State"},
    "updateState": lambda w: {"id": gid("State", w.states[0].id), "name": "Renamed"},
    "createCluster": lambda w: {
        "stateId": gid("State", w.states[0].id),
        "code": "NEW-C",
        "name": "New Cluster",
    },
    "updateCluster": lambda w: {
        "id": gid("Cluster", w.clusters[0].id),
        "stateId": gid("State", w.states[1].id),
    },
    "createPlant": lambda w: {
        "clusterId": gid("Cluster", w.clusters[0].id),
        "code": "NEW-P",
        "name": "New Plant",
    },
    "updatePlant": lambda w: {"id": gid("Plant", w.plants[0].id), "code": "P-RENAMED"},
    "createPackage": lambda w: {
        "code": "NEW-PKG",
        "name": "2 kW",
        "loadWatts": 2000,
        "monthlyFee": "499.00",
    },
    "updatePackage": lambda w: {"id": gid("Package", w.packages[0].id), "monthlyFee": "1.00"},
    "createConsumer": lambda w: {
        "plantId": gid("Plant", w.plants[0].id),
        "packageId": gid("Package", w.packages[0].id),
        "accountNumber": "NEW-0001",
        "name": "New Consumer",
        "phone": "+919800000001",
        "connectedAt": "2025-03-01",
    },
    "updateConsumer": lambda w: {
        "id": gid("Consumer", w.plant_consumers(0)[0].id),
        "phone": "+919800000002",
    },
    "createUser": lambda w: {
        "name": "New Technician",
        "email": "new.tech@test.gridline",
        "role": "TECHNICIAN",
        "password": "a long enough password",
        "plantIds": [gid("Plant", w.plants[0].id)],
    },
    "updateUser": lambda w: {"id": gid("User", w.users["csa3"].id), "active": False},
}


def test_every_administration_mutation_is_covered() -> None:
    assert set(VALID_INPUTS) == set(MUTATIONS)


@pytest.mark.parametrize("role_user", NON_ADMINS)
@pytest.mark.parametrize("name", sorted(VALID_INPUTS))
async def test_other_roles_are_forbidden_and_nothing_changes(
    client: GraphQLClient,
    world: World,
    db: async_sessionmaker[AsyncSession],
    name: str,
    role_user: str,
) -> None:
    before = await snapshot(db)
    error = await refused(client, name, VALID_INPUTS[name](world), token=world.token(role_user))
    assert error["code"] == "FORBIDDEN"
    assert await snapshot(db) == before


# Scalars GraphQL itself parses stay well formed, so that the request reaches the mutation.
WELL_FORMED_BUT_WRONG = {"monthlyFee": "-1.001", "connectedAt": "2999-01-01", "role": "ADMIN"}


def _garbled(input: dict[str, Any]) -> dict[str, Any]:
    """The same fields, every one of them wrong: ids malformed, text empty, numbers zero."""
    garbled: dict[str, Any] = {}
    for key, value in input.items():
        if key in WELL_FORMED_BUT_WRONG:
            garbled[key] = WELL_FORMED_BUT_WRONG[key]
        elif key == "id" or key.endswith("Id"):
            garbled[key] = "garbage"
        elif isinstance(value, list):
            garbled[key] = ["garbage"]
        elif isinstance(value, bool):
            garbled[key] = value
        elif isinstance(value, int):
            garbled[key] = 0
        else:
            garbled[key] = ""
    return garbled


@pytest.mark.parametrize("name", sorted(VALID_INPUTS))
async def test_the_role_is_checked_before_the_input(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], name: str
) -> None:
    """Other roles learn nothing from their input: FORBIDDEN, however wrong it is."""
    before = await snapshot(db)
    garbled = _garbled(VALID_INPUTS[name](world))
    error = await refused(client, name, garbled, token=world.token("cluster1"))
    assert error["code"] == "FORBIDDEN"
    assert (await refused(client, name, garbled, token=world.token("admin")))["code"] in {
        "VALIDATION",
        "NOT_FOUND",
    }
    assert await snapshot(db) == before


@pytest.mark.parametrize("name", sorted(VALID_INPUTS))
async def test_signed_out_is_unauthenticated(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], name: str
) -> None:
    before = await snapshot(db)
    variables = {"input": VALID_INPUTS[name](world)}
    for token in (None, "not-a-token", world.token("inactive")):
        body = await client.request(MUTATIONS[name], variables, token=token)
        assert body["data"] is None
        assert error_codes(body) == ["UNAUTHENTICATED"]
    assert await snapshot(db) == before


@pytest.mark.parametrize("name", sorted(VALID_INPUTS))
async def test_admin_may(client: GraphQLClient, world: World, name: str) -> None:
    """The same inputs succeed for an administrator: the refusals above are about the role."""
    await mutate_ok(client, name, VALID_INPUTS[name](world), token=world.token("admin"))


async def test_descriptions_say_who_may_use_them(client: GraphQLClient, world: World) -> None:
    query = '{ __type(name: "Mutation") { fields { name description } } }'
    data = await client.data(query, token=world.token("admin"))
    descriptions = {f["name"]: f["description"] for f in data["__type"]["fields"]}
    for name in MUTATIONS:
        assert descriptions[name].endswith("Requires: ADMIN."), name


async def test_forbidden_names_no_field(client: GraphQLClient, world: World) -> None:
    payload = await mutate(
        client, "createState", VALID_INPUTS["createState"](world), token=world.token("state1")
    )
    assert payload["state"] is None
    (error,) = payload["errors"]
    assert error["code"] == "FORBIDDEN"
    assert error["field"] is None
    assert "may not" in error["message"]
