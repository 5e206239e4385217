"""User administration: creating staff with the scope of their role, changing them,
deactivating them (which ends their sessions)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models import RefreshToken, Role, User, UserPlant
from tests.admin import LOGIN, ME, MUTATIONS, REFRESH, gid, mutate_ok, refused, snapshot
from tests.conftest import GraphQLClient, error_codes
from tests.factories import PASSWORD, World

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def admin(world: World) -> str:
    return world.token("admin")


async def login(client: GraphQLClient, login: str, password: str = PASSWORD) -> dict[str, Any]:
    data = await client.data(LOGIN, {"i": {"login": login, "password": password}})
    result: dict[str, Any] = data["login"]
    return result


async def refresh(client: GraphQLClient, token: str) -> dict[str, Any]:
    data = await client.data(REFRESH, {"i": {"refreshToken": token}})
    result: dict[str, Any] = data["refreshToken"]
    return result


async def stored_user(
    db: async_sessionmaker[AsyncSession], user_id: int | None
) -> tuple[User, list[int]]:
    """The user row and the plants it works at."""
    async with db() as session:
        user = await session.get(User, user_id)
        plants = (
            await session.execute(
                sa.select(col(UserPlant.plant_id))
                .where(col(UserPlant.user_id) == user_id)
                .order_by(col(UserPlant.plant_id))
            )
        ).scalars()
        plant_ids = list(plants)
    assert user is not None
    return user, plant_ids


def scope_input(world: World, role: Role) -> dict[str, Any]:
    """The scope fields that fit ``role``."""
    if role in (Role.OPERATOR, Role.TECHNICIAN, Role.CSA):
        return {"plantIds": [gid("Plant", world.plants[0].id), gid("Plant", world.plants[1].id)]}
    if role is Role.CLUSTER_INCHARGE:
        return {"clusterId": gid("Cluster", world.clusters[1].id)}
    if role is Role.STATE_INCHARGE:
        return {"stateId": gid("State", world.states[1].id)}
    return {}


def new_user(world: World, role: Role = Role.CSA, **fields: Any) -> dict[str, Any]:
    return {
        "name": "Asha Devi",
        "email": "Asha.Devi@Example.COM",
        "phone": "+91 99000 11122",
        "role": role.value,
        "password": NEW_PASSWORD,
        **scope_input(world, role),
        **fields,
    }


@pytest.mark.parametrize("role", list(Role))
async def test_create_user_of_each_role_who_can_then_sign_in(
    client: GraphQLClient,
    world: World,
    db: async_sessionmaker[AsyncSession],
    admin: str,
    role: Role,
) -> None:
    user = await mutate_ok(client, "createUser", new_user(world, role), token=admin)
    assert (user["name"], user["email"], user["phone"]) == (
        "Asha Devi",
        "asha.devi@example.com",
        "+919900011122",
    )
    assert (user["role"], user["active"]) == (role.value, True)

    async with db() as session:
        user_id = (
            await session.execute(
                sa.select(col(User.id)).where(col(User.email) == "asha.devi@example.com")
            )
        ).scalar_one()
    assert user["id"] == gid("User", user_id)
    row, plant_ids = await stored_user(db, user_id)
    expected = scope_input(world, role)
    assert [gid("Plant", p) for p in plant_ids] == expected.get("plantIds", [])
    assert [p["id"] for p in user["plants"]] == expected.get("plantIds", [])
    assert (user["cluster"] or {}).get("id") == expected.get("clusterId")
    assert (user["state"] or {}).get("id") == expected.get("stateId")
    assert row.password_hash != NEW_PASSWORD  # stored hashed

    for login_value in ("ASHA.DEVI@example.com", "+919900011122"):
        signed_in = await login(client, login_value, NEW_PASSWORD)
        assert signed_in["errors"] == []
        me = await client.data(ME, token=signed_in["accessToken"])
        assert me["me"]["id"] == user["id"]


async def test_create_user_with_only_a_phone_and_repeated_plants(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    plant = gid("Plant", world.plants[2].id)
    user = await mutate_ok(
        client,
        "createUser",
        new_user(world, Role.TECHNICIAN, email=None, plantIds=[plant, plant]),
        token=admin,
    )
    assert user["email"] is None
    assert [p["id"] for p in user["plants"]] == [plant]
    assert (await login(client, "+919900011122", NEW_PASSWORD))["errors"] == []


def _bad_new_users(world: World) -> list[tuple[dict[str, Any], str, list[str]]]:
    csa1 = world.users["csa1"]
    assert csa1.email and csa1.phone
    plant = gid("Plant", world.plants[0].id)
    cluster = gid("Cluster", world.clusters[0].id)
    state = gid("State", world.states[0].id)
    return [
        (new_user(world, password="too short"), "VALIDATION", ["input", "password"]),
        (new_user(world, email=None, phone=None), "VALIDATION", ["input", "email"]),
        (new_user(world, email="not-an-email"), "VALIDATION", ["input", "email"]),
        (new_user(world, email="asha@localhost"), "VALIDATION", ["input", "email"]),
        (new_user(world, email="asha devi@example.com"), "VALIDATION", ["input", "email"]),
        (new_user(world, email=""), "VALIDATION", ["input", "email"]),
        (new_user(world, phone="09900011122"), "VALIDATION", ["input", "phone"]),
        (new_user(world, phone="+91"), "VALIDATION", ["input", "phone"]),
        (new_user(world, name=""), "VALIDATION", ["input", "name"]),
        (new_user(world, name="x" * 121), "VALIDATION", ["input", "name"]),
        (new_user(world, email=csa1.email.upper()), "DUPLICATE", ["input", "email"]),
        (new_user(world, phone=csa1.phone), "DUPLICATE", ["input", "phone"]),
        # The scope must fit the role.
        (new_user(world, Role.CSA, plantIds=[]), "VALIDATION", ["input", "plantIds"]),
        (new_user(world, Role.OPERATOR, clusterId=cluster), "VALIDATION", ["input", "clusterId"]),
        (new_user(world, Role.TECHNICIAN, stateId=state), "VALIDATION", ["input", "stateId"]),
        (
            new_user(world, Role.CLUSTER_INCHARGE, clusterId=None),
            "VALIDATION",
            ["input", "clusterId"],
        ),
        (
            new_user(world, Role.CLUSTER_INCHARGE, plantIds=[plant]),
            "VALIDATION",
            ["input", "plantIds"],
        ),
        (new_user(world, Role.CLUSTER_INCHARGE, stateId=state), "VALIDATION", ["input", "stateId"]),
        (
            new_user(world, Role.STATE_INCHARGE, stateId=None),
            "VALIDATION",
            ["input", "stateId"],
        ),
        (
            new_user(world, Role.STATE_INCHARGE, clusterId=cluster),
            "VALIDATION",
            ["input", "clusterId"],
        ),
        (new_user(world, Role.ADMIN, stateId=state), "VALIDATION", ["input", "stateId"]),
        (new_user(world, Role.ADMIN, plantIds=[plant]), "VALIDATION", ["input", "plantIds"]),
        # References that name nothing, or the wrong kind of thing.
        (
            new_user(world, plantIds=[plant, gid("Plant", 999999)]),
            "NOT_FOUND",
            ["input", "plantIds"],
        ),
        (new_user(world, plantIds=[cluster]), "VALIDATION", ["input", "plantIds"]),
        (
            new_user(world, Role.CLUSTER_INCHARGE, clusterId=gid("Cluster", 999999)),
            "NOT_FOUND",
            ["input", "clusterId"],
        ),
        (
            new_user(world, Role.STATE_INCHARGE, stateId=gid("State", 999999)),
            "NOT_FOUND",
            ["input", "stateId"],
        ),
        (new_user(world, Role.STATE_INCHARGE, stateId="junk"), "VALIDATION", ["input", "stateId"]),
    ]


async def test_create_user_refuses_bad_input_and_changes_nothing(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    before = await snapshot(db)
    for input, code, field in _bad_new_users(world):
        error = await refused(client, "createUser", input, token=admin)
        assert (error["code"], error["field"]) == (code, field), (input, error)
    assert await snapshot(db) == before


async def test_an_unknown_role_is_a_graphql_error(
    client: GraphQLClient, world: World, admin: str
) -> None:
    body = await client.request(
        MUTATIONS["createUser"],
        {"input": new_user(world, role=Role.CSA) | {"role": "BOSS"}},
        token=admin,
    )
    assert body.get("errors")
    assert "INTERNAL_SERVER_ERROR" not in error_codes(body)


async def test_update_user_details(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.users["csa3"]
    user = await mutate_ok(
        client,
        "updateUser",
        {
            "id": gid("User", target.id),
            "name": "Renamed",
            "email": "NEW@Example.com",
            "phone": None,
        },
        token=admin,
    )
    assert (user["name"], user["email"], user["phone"]) == ("Renamed", "new@example.com", None)
    row, plant_ids = await stored_user(db, target.id)
    assert (row.name, row.email, row.phone, row.role) == (
        "Renamed",
        "new@example.com",
        None,
        Role.CSA,
    )
    assert plant_ids == [world.plants[2].id]
    assert row.updated_at > target.updated_at
    assert (await login(client, "new@example.com"))["errors"] == []


async def test_update_user_replaces_plants(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.users["tech1"]
    plants = [gid("Plant", world.plants[3].id), gid("Plant", world.plants[2].id)]
    user = await mutate_ok(
        client, "updateUser", {"id": gid("User", target.id), "plantIds": plants}, token=admin
    )
    assert sorted(p["id"] for p in user["plants"]) == sorted(plants)
    _, plant_ids = await stored_user(db, target.id)
    assert set(plant_ids) == {world.plants[3].id, world.plants[2].id}


async def test_changing_role_moves_the_scope_to_the_new_role(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.users["csa1"]
    user_id = gid("User", target.id)
    cluster = gid("Cluster", world.clusters[2].id)
    state = gid("State", world.states[1].id)

    user = await mutate_ok(
        client,
        "updateUser",
        {"id": user_id, "role": "CLUSTER_INCHARGE", "clusterId": cluster},
        token=admin,
    )
    assert (user["role"], user["cluster"], user["plants"]) == (
        "CLUSTER_INCHARGE",
        {"id": cluster},
        [],
    )
    row, plant_ids = await stored_user(db, target.id)
    assert (row.role, row.cluster_id, row.state_id, plant_ids) == (
        Role.CLUSTER_INCHARGE,
        world.clusters[2].id,
        None,
        [],
    )

    await mutate_ok(
        client,
        "updateUser",
        {"id": user_id, "role": "STATE_INCHARGE", "stateId": state},
        token=admin,
    )
    row, _ = await stored_user(db, target.id)
    assert (row.role, row.cluster_id, row.state_id) == (
        Role.STATE_INCHARGE,
        None,
        world.states[1].id,
    )

    await mutate_ok(client, "updateUser", {"id": user_id, "role": "ADMIN"}, token=admin)
    row, _ = await stored_user(db, target.id)
    assert (row.role, row.cluster_id, row.state_id) == (Role.ADMIN, None, None)

    plant = gid("Plant", world.plants[0].id)
    await mutate_ok(
        client, "updateUser", {"id": user_id, "role": "OPERATOR", "plantIds": [plant]}, token=admin
    )
    row, plant_ids = await stored_user(db, target.id)
    assert (row.role, plant_ids) == (Role.OPERATOR, [world.plants[0].id])

    # Between two roles that work at plants, the plants stay.
    await mutate_ok(client, "updateUser", {"id": user_id, "role": "TECHNICIAN"}, token=admin)
    row, plant_ids = await stored_user(db, target.id)
    assert (row.role, plant_ids) == (Role.TECHNICIAN, [world.plants[0].id])


def _bad_updates(world: World) -> list[tuple[dict[str, Any], str, list[str]]]:
    csa = gid("User", world.users["csa1"].id)
    cluster_ic = gid("User", world.users["cluster1"].id)
    taken = world.users["tech1"]
    plant = gid("Plant", world.plants[0].id)
    return [
        ({"id": gid("User", 999999), "name": "X"}, "NOT_FOUND", ["input", "id"]),
        ({"id": gid("Plant", world.plants[0].id)}, "VALIDATION", ["input", "id"]),
        ({"id": "garbage"}, "VALIDATION", ["input", "id"]),
        ({"id": csa, "name": None}, "VALIDATION", ["input", "name"]),
        ({"id": csa, "name": " "}, "VALIDATION", ["input", "name"]),
        ({"id": csa, "role": None}, "VALIDATION", ["input", "role"]),
        ({"id": csa, "active": None}, "VALIDATION", ["input", "active"]),
        ({"id": csa, "password": "short"}, "VALIDATION", ["input", "password"]),
        ({"id": csa, "password": None}, "VALIDATION", ["input", "password"]),
        ({"id": csa, "email": "bad@"}, "VALIDATION", ["input", "email"]),
        ({"id": csa, "phone": "+91 abc"}, "VALIDATION", ["input", "phone"]),
        ({"id": csa, "email": None, "phone": None}, "VALIDATION", ["input", "email"]),
        ({"id": csa, "email": taken.email}, "DUPLICATE", ["input", "email"]),
        ({"id": csa, "phone": taken.phone}, "DUPLICATE", ["input", "phone"]),
        ({"id": csa, "plantIds": []}, "VALIDATION", ["input", "plantIds"]),
        ({"id": csa, "plantIds": None}, "VALIDATION", ["input", "plantIds"]),
        ({"id": csa, "plantIds": [gid("Plant", 999999)]}, "NOT_FOUND", ["input", "plantIds"]),
        (
            {"id": csa, "clusterId": gid("Cluster", world.clusters[0].id)},
            "VALIDATION",
            ["input", "clusterId"],
        ),
        ({"id": csa, "role": "CLUSTER_INCHARGE"}, "VALIDATION", ["input", "clusterId"]),
        (
            {
                "id": csa,
                "role": "CLUSTER_INCHARGE",
                "plantIds": [plant],
                "clusterId": gid("Cluster", world.clusters[0].id),
            },
            "VALIDATION",
            ["input", "plantIds"],
        ),
        ({"id": csa, "role": "STATE_INCHARGE"}, "VALIDATION", ["input", "stateId"]),
        ({"id": cluster_ic, "plantIds": [plant]}, "VALIDATION", ["input", "plantIds"]),
        ({"id": cluster_ic, "clusterId": None}, "VALIDATION", ["input", "clusterId"]),
        (
            {"id": cluster_ic, "stateId": gid("State", world.states[0].id)},
            "VALIDATION",
            ["input", "stateId"],
        ),
        ({"id": cluster_ic, "role": "CSA"}, "VALIDATION", ["input", "plantIds"]),
        (
            {"id": cluster_ic, "clusterId": gid("Cluster", 999999)},
            "NOT_FOUND",
            ["input", "clusterId"],
        ),
    ]


async def test_update_user_refuses_bad_input_and_changes_nothing(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    before = await snapshot(db)
    for input, code, field in _bad_updates(world):
        error = await refused(client, "updateUser", input, token=admin)
        assert (error["code"], error["field"]) == (code, field), (input, error)
    assert await snapshot(db) == before


async def test_deactivating_a_user_ends_their_sessions(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.users["tech1"]
    assert target.email is not None
    signed_in = await login(client, target.email)
    other_session = await login(client, target.email)
    assert signed_in["errors"] == []
    await client.data(ME, token=signed_in["accessToken"])

    user = await mutate_ok(
        client, "updateUser", {"id": gid("User", target.id), "active": False}, token=admin
    )
    assert user["active"] is False

    body = await client.request(ME, token=signed_in["accessToken"])
    assert error_codes(body) == ["UNAUTHENTICATED"]
    for tokens_of_session in (signed_in, other_session):
        renewed = await refresh(client, tokens_of_session["refreshToken"])
        assert renewed["accessToken"] is None
        assert [e["code"] for e in renewed["errors"]] == ["INVALID_CREDENTIALS"]
    assert [e["code"] for e in (await login(client, target.email))["errors"]] == ["FORBIDDEN"]
    async with db() as session:
        tokens = (
            (
                await session.execute(
                    sa.select(RefreshToken).where(col(RefreshToken.user_id) == target.id)
                )
            )
            .scalars()
            .all()
        )
    assert len(tokens) == 2
    assert all(token.revoked_at is not None for token in tokens)

    # Reactivated, they sign in again (their old sessions stay ended).
    await mutate_ok(
        client, "updateUser", {"id": gid("User", target.id), "active": True}, token=admin
    )
    again = await login(client, target.email)
    assert again["errors"] == []
    await client.data(ME, token=again["accessToken"])
    assert (await refresh(client, other_session["refreshToken"]))["errors"]


async def test_a_new_password_replaces_the_old_and_ends_sessions(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.users["operator1"]
    assert target.phone is not None
    before = await login(client, target.phone)
    await mutate_ok(
        client, "updateUser", {"id": gid("User", target.id), "password": NEW_PASSWORD}, token=admin
    )
    assert [e["code"] for e in (await login(client, target.phone))["errors"]] == [
        "INVALID_CREDENTIALS"
    ]
    assert (await login(client, target.phone, NEW_PASSWORD))["errors"] == []
    assert (await refresh(client, before["refreshToken"]))["errors"]
    row, _ = await stored_user(db, target.id)
    assert row.active is True


async def test_an_admin_cannot_lock_themselves_out(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    me = gid("User", world.users["admin"].id)
    before = await snapshot(db)
    error = await refused(client, "updateUser", {"id": me, "active": False}, token=admin)
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "active"])
    error = await refused(
        client,
        "updateUser",
        {"id": me, "role": "CSA", "plantIds": [gid("Plant", world.plants[0].id)]},
        token=admin,
    )
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "role"])
    assert await snapshot(db) == before
    user = await mutate_ok(client, "updateUser", {"id": me, "name": "Chief"}, token=admin)
    assert user["name"] == "Chief"
