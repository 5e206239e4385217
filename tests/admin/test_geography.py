"""Administration of the geography: states, clusters and plants."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Cluster, Plant, State
from tests.admin import gid, mutate_ok, refused, snapshot
from tests.conftest import GraphQLClient
from tests.factories import World


@pytest.fixture
def admin(world: World) -> str:
    return world.token("admin")


async def test_create_state(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    state = await mutate_ok(
        client, "createState", {"code": " ka-01 ", "name": "  Karnataka  "}, token=admin
    )
    assert state["code"] == "KA-01"
    assert state["name"] == "Karnataka"
    assert state["clusters"] == []
    async with db() as session:
        rows = [s for s in await _all(session, State) if s.code == "KA-01"]
    assert [(s.code, s.name) for s in rows] == [("KA-01", "Karnataka")]
    assert state["id"] == gid("State", rows[0].id)


async def test_update_state_changes_only_given_fields(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    target = world.states[0]
    state = await mutate_ok(
        client, "updateState", {"id": gid("State", target.id), "name": "Renamed"}, token=admin
    )
    assert (state["code"], state["name"]) == (target.code, "Renamed")
    state = await mutate_ok(
        client, "updateState", {"id": gid("State", target.id), "code": "new"}, token=admin
    )
    assert (state["code"], state["name"]) == ("NEW", "Renamed")
    async with db() as session:
        stored = await session.get(State, target.id)
    assert stored is not None
    assert (stored.code, stored.name) == ("NEW", "Renamed")


async def test_update_state_keeping_its_own_code_is_no_duplicate(
    client: GraphQLClient, world: World, admin: str
) -> None:
    target = world.states[0]
    state = await mutate_ok(
        client,
        "updateState",
        {"id": gid("State", target.id), "code": target.code.lower()},
        token=admin,
    )
    assert state["code"] == target.code


async def test_create_and_move_cluster(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    state1, state2 = world.states
    cluster = await mutate_ok(
        client,
        "createCluster",
        {"stateId": gid("State", state1.id), "code": "c-new", "name": "North"},
        token=admin,
    )
    assert cluster["code"] == "C-NEW"
    assert cluster["state"]["id"] == gid("State", state1.id)
    moved = await mutate_ok(
        client,
        "updateCluster",
        {"id": cluster["id"], "stateId": gid("State", state2.id), "name": "North-East"},
        token=admin,
    )
    assert moved["state"]["id"] == gid("State", state2.id)
    assert (moved["code"], moved["name"]) == ("C-NEW", "North-East")
    async with db() as session:
        stored = [c for c in await _all(session, Cluster) if c.code == "C-NEW"]
    assert [(c.state_id, c.name) for c in stored] == [(state2.id, "North-East")]


async def test_create_and_move_plant(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    cluster1, _, cluster3 = world.clusters
    plant = await mutate_ok(
        client,
        "createPlant",
        {"clusterId": gid("Cluster", cluster1.id), "code": "P-NEW", "name": "Hill Top"},
        token=admin,
    )
    assert plant["cluster"]["id"] == gid("Cluster", cluster1.id)
    moved = await mutate_ok(
        client,
        "updatePlant",
        {"id": plant["id"], "clusterId": gid("Cluster", cluster3.id)},
        token=admin,
    )
    assert moved["cluster"]["id"] == gid("Cluster", cluster3.id)
    assert (moved["code"], moved["name"]) == ("P-NEW", "Hill Top")
    async with db() as session:
        stored = [p for p in await _all(session, Plant) if p.code == "P-NEW"]
    assert [p.cluster_id for p in stored] == [cluster3.id]


def _bad_inputs(world: World) -> list[tuple[str, dict[str, Any], str, list[str]]]:
    """(mutation, input, expected code, expected field) for inputs that must be refused."""
    state, cluster, plant = world.states[0], world.clusters[0], world.plants[0]
    taken_state, taken_cluster, taken_plant = (
        world.states[1].code,
        world.clusters[1].code,
        world.plants[1].code,
    )
    s, c, p = gid("State", state.id), gid("Cluster", cluster.id), gid("Plant", plant.id)
    return [
        ("createState", {"code": "", "name": "X"}, "VALIDATION", ["input", "code"]),
        ("createState", {"code": "KA 01", "name": "X"}, "VALIDATION", ["input", "code"]),
        ("createState", {"code": "K" * 17, "name": "X"}, "VALIDATION", ["input", "code"]),
        ("createState", {"code": "KA_01", "name": "X"}, "VALIDATION", ["input", "code"]),
        ("createState", {"code": "KA", "name": "   "}, "VALIDATION", ["input", "name"]),
        ("createState", {"code": "KA", "name": "x" * 121}, "VALIDATION", ["input", "name"]),
        ("createState", {"code": taken_state, "name": "X"}, "DUPLICATE", ["input", "code"]),
        ("updateState", {"id": "nonsense"}, "VALIDATION", ["input", "id"]),
        ("updateState", {"id": c}, "VALIDATION", ["input", "id"]),
        ("updateState", {"id": gid("State", 999999)}, "NOT_FOUND", ["input", "id"]),
        ("updateState", {"id": s, "code": taken_state}, "DUPLICATE", ["input", "code"]),
        ("updateState", {"id": s, "name": ""}, "VALIDATION", ["input", "name"]),
        ("updateState", {"id": s, "name": None}, "VALIDATION", ["input", "name"]),
        ("updateState", {"id": s, "code": None}, "VALIDATION", ["input", "code"]),
        (
            "createCluster",
            {"stateId": gid("State", 999999), "code": "X", "name": "X"},
            "NOT_FOUND",
            ["input", "stateId"],
        ),
        (
            "createCluster",
            {"stateId": p, "code": "X", "name": "X"},
            "VALIDATION",
            ["input", "stateId"],
        ),
        (
            "createCluster",
            {"stateId": s, "code": taken_cluster, "name": "X"},
            "DUPLICATE",
            ["input", "code"],
        ),
        (
            "createCluster",
            {"stateId": s, "code": "X!", "name": "X"},
            "VALIDATION",
            ["input", "code"],
        ),
        ("updateCluster", {"id": s}, "VALIDATION", ["input", "id"]),
        ("updateCluster", {"id": gid("Cluster", 999999)}, "NOT_FOUND", ["input", "id"]),
        (
            "updateCluster",
            {"id": c, "stateId": gid("State", 999999)},
            "NOT_FOUND",
            ["input", "stateId"],
        ),
        ("updateCluster", {"id": c, "stateId": None}, "VALIDATION", ["input", "stateId"]),
        ("updateCluster", {"id": c, "stateId": "%%%"}, "VALIDATION", ["input", "stateId"]),
        ("updateCluster", {"id": c, "code": taken_cluster}, "DUPLICATE", ["input", "code"]),
        (
            "createPlant",
            {"clusterId": gid("Cluster", 999999), "code": "X", "name": "X"},
            "NOT_FOUND",
            ["input", "clusterId"],
        ),
        (
            "createPlant",
            {"clusterId": s, "code": "X", "name": "X"},
            "VALIDATION",
            ["input", "clusterId"],
        ),
        (
            "createPlant",
            {"clusterId": c, "code": taken_plant, "name": "X"},
            "DUPLICATE",
            ["input", "code"],
        ),
        ("createPlant", {"clusterId": c, "code": "X", "name": ""}, "VALIDATION", ["input", "name"]),
        ("updatePlant", {"id": gid("Plant", 999999)}, "NOT_FOUND", ["input", "id"]),
        (
            "updatePlant",
            {"id": p, "clusterId": gid("Cluster", 999999)},
            "NOT_FOUND",
            ["input", "clusterId"],
        ),
        ("updatePlant", {"id": p, "code": taken_plant}, "DUPLICATE", ["input", "code"]),
        ("updatePlant", {"id": p, "code": "é"}, "VALIDATION", ["input", "code"]),
    ]


async def test_bad_input_is_refused_with_the_field_and_nothing_changes(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], admin: str
) -> None:
    before = await snapshot(db)
    for name, input, code, field in _bad_inputs(world):
        error = await refused(client, name, input, token=admin)
        assert (error["code"], error["field"]) == (code, field), (name, input, error)
        assert error["message"]
    assert await snapshot(db) == before


async def _all(session: AsyncSession, model: Any) -> list[Any]:
    return list((await session.execute(sa.select(model))).scalars().all())
