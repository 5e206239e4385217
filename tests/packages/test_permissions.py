"""Who may do what to a package request: every operation, every user, in and out of scope.

The expected table is DESIGN.md's, written out here (not imported from the code):
a role that may not act gets FORBIDDEN; a role that may, acting on a request outside
their scope, gets NOT_FOUND (queries: the request is not there), so that existence
does not leak; a technician acts only on requests assigned to them; without a valid
token, UNAUTHENTICATED. Every refusal leaves the database as it was.

One test per operation; inside it, every user in turn, in and out of scope, each on a
request in the stage the operation needs; the outcomes are compared with the table as a
whole, so that a failure shows every cell that differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.packages import RequestStage
from models.staff import Role
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.packages import operations as ops
from tests.packages.factories import (
    add_consumer,
    add_technician,
    fingerprint,
    make_request,
    request_state,
    snapshot,
)

OPERATOR, TECHNICIAN, CSA = Role.OPERATOR, Role.TECHNICIAN, Role.CSA
CLUSTER, STATE, ADMIN = Role.CLUSTER_INCHARGE, Role.STATE_INCHARGE, Role.ADMIN

# Two technicians besides the world's, so that a technician can be in scope and yet not
# the assignee, and so that a request can be reassigned.
COLLEAGUES = {"tech1b": [0], "tech4b": [3]}
# The request's plant: plant1 (index 0) and plant4 (index 3), with its technicians
# (the assignee first) and the users whose scope holds it.
PLANTS = {"plant1": 0, "plant4": 3}
TECHNICIANS = {0: ("tech1", "tech1b"), 3: ("tech4", "tech4b")}
IN_SCOPE = {
    0: {"admin", "state1", "cluster1", "csa1", "tech1", "tech1b", "operator1", "inactive"},
    3: {"admin", "state2", "tech4", "tech4b"},
}
ROLES = {
    "admin": ADMIN,
    "state1": STATE,
    "state2": STATE,
    "cluster1": CLUSTER,
    "cluster2": CLUSTER,
    "csa1": CSA,
    "csa3": CSA,
    "tech1": TECHNICIAN,
    "tech1b": TECHNICIAN,
    "tech4": TECHNICIAN,
    "tech4b": TECHNICIAN,
    "operator1": OPERATOR,
    "inactive": CSA,
}
# Callers without a valid token: nobody, and a deactivated user.
SIGNED_OUT = ("anonymous", "inactive")
ACTORS = (*ROLES, "anonymous")

READERS = frozenset({TECHNICIAN, CSA, CLUSTER, STATE, ADMIN})
MANAGERS = frozenset({CLUSTER, STATE, ADMIN})


@dataclass(frozen=True)
class Target:
    """What an operation acts on: a consumer, and the request (if one is needed)."""

    plant_index: int
    consumer_id: int
    stage: RequestStage | None
    request_id: int | None
    assignee_id: int | None
    version: int


@dataclass(frozen=True)
class Operation:
    roles: frozenset[Role]
    # The stage of the request the operation needs (None: a consumer without request).
    stage: RequestStage | None
    # Whether a technician acts only on a request assigned to them.
    assigned_only: bool = False
    # The stage after success (mutations) or None (queries).
    to_stage: RequestStage | None = None
    mutation: str | None = None
    # What a role that may not read gets: FORBIDDEN, or (node) just nothing.
    refused_role: str = "FORBIDDEN"


OPERATIONS: dict[str, Operation] = {
    "createPackageRequest": Operation(
        frozenset({CSA, CLUSTER, ADMIN}), None, to_stage=RequestStage.REQUESTED
    ),
    "assignPackageRequest": Operation(
        MANAGERS, RequestStage.REQUESTED, to_stage=RequestStage.IN_PROCESS
    ),
    "reassignPackageRequest": Operation(
        MANAGERS, RequestStage.IN_PROCESS, to_stage=RequestStage.IN_PROCESS
    ),
    "rejectPackageRequest": Operation(
        MANAGERS | {TECHNICIAN},
        RequestStage.IN_PROCESS,
        assigned_only=True,
        to_stage=RequestStage.REJECTED,
    ),
    # A REQUESTED request is assigned to nobody: no technician may reject it.
    "rejectPackageRequest(REQUESTED)": Operation(
        MANAGERS | {TECHNICIAN},
        RequestStage.REQUESTED,
        assigned_only=True,
        to_stage=RequestStage.REJECTED,
        mutation="rejectPackageRequest",
    ),
    "cancelPackageRequest": Operation(
        frozenset({CSA, CLUSTER, ADMIN}), RequestStage.REQUESTED, to_stage=RequestStage.CANCELLED
    ),
    "processPackageRequest": Operation(
        frozenset({TECHNICIAN}),
        RequestStage.IN_PROCESS,
        assigned_only=True,
        to_stage=RequestStage.REVIEW,
    ),
    "completePackageRequest": Operation(
        MANAGERS, RequestStage.REVIEW, to_stage=RequestStage.COMPLETED
    ),
    "sendBackPackageRequest": Operation(
        MANAGERS, RequestStage.REVIEW, to_stage=RequestStage.IN_PROCESS
    ),
    "packageRequests": Operation(READERS, RequestStage.REQUESTED),
    "packageRequestCounts": Operation(READERS, RequestStage.REQUESTED),
    # A technician reads the rows of their own plants (#19).
    "packageActivitySummary": Operation(READERS, RequestStage.REQUESTED),
    "node": Operation(READERS, RequestStage.REQUESTED, refused_role="HIDDEN"),
}


def _is_mutation(name: str) -> bool:
    return OPERATIONS[name].to_stage is not None


def expected(name: str, actor: str, plant_index: int) -> str:
    """DESIGN.md's answer for ``actor`` doing ``name`` to a request at the plant."""
    operation = OPERATIONS[name]
    if actor in SIGNED_OUT:
        return "UNAUTHENTICATED"
    role = ROLES[actor]
    if role not in operation.roles:
        return operation.refused_role
    if actor not in IN_SCOPE[plant_index]:
        return "NOT_FOUND" if _is_mutation(name) else "HIDDEN"
    assignee = (
        TECHNICIANS[plant_index][0] if operation.stage is not RequestStage.REQUESTED else None
    )
    if role is TECHNICIAN and operation.assigned_only and actor != assignee:
        return "FORBIDDEN"
    return "OK"


def test_every_operation_is_covered() -> None:
    mutations = {op.mutation or name for name, op in OPERATIONS.items() if _is_mutation(name)}
    assert mutations == set(ops.MUTATIONS)
    queries = {name for name in OPERATIONS if not _is_mutation(name)}
    assert queries == {"packageRequests", "packageRequestCounts", "packageActivitySummary", "node"}


def test_the_table_spells_out_design() -> None:
    """A few rows of DESIGN.md's permission table, read off the expected outcomes."""
    table = {
        name: {actor for actor in ROLES if expected(name, actor, 0) == "OK"} for name in OPERATIONS
    }
    assert table["createPackageRequest"] == {"admin", "cluster1", "csa1"}
    assert table["assignPackageRequest"] == {"admin", "state1", "cluster1"}
    assert table["rejectPackageRequest"] == {"admin", "state1", "cluster1", "tech1"}
    assert table["rejectPackageRequest(REQUESTED)"] == {"admin", "state1", "cluster1"}
    assert table["processPackageRequest"] == {"tech1"}
    assert table["packageRequests"] == {"admin", "state1", "cluster1", "csa1", "tech1", "tech1b"}
    assert table["packageActivitySummary"] == {
        "admin",
        "state1",
        "cluster1",
        "csa1",
        "tech1",
        "tech1b",
    }


@pytest.fixture
async def colleagues(world: World, db: async_sessionmaker[AsyncSession]) -> World:
    async with db() as session:
        for name, plant_indexes in COLLEAGUES.items():
            await add_technician(session, world, name, plant_indexes=plant_indexes)
    return world


def _token(world: World, actor: str) -> str | None:
    return None if actor == "anonymous" else world.token(actor)


def _user_id(world: World, name: str) -> int:
    user_id = world.users[name].id
    assert user_id is not None
    return user_id


async def _target(
    db: async_sessionmaker[AsyncSession],
    world: World,
    operation: Operation,
    plant_index: int,
    *,
    stage: RequestStage | None = None,
) -> Target:
    """A new consumer at the plant and, if the operation needs one, its request."""
    stage = stage or operation.stage
    assignee = TECHNICIANS[plant_index][0]
    requester = "csa1" if plant_index == 0 else "admin"
    async with db() as session:
        consumer_index = await add_consumer(session, world, plant_index=plant_index)
        consumer_id = world.plant_consumers(plant_index)[consumer_index].id
        assert consumer_id is not None
        if stage is None:
            return Target(plant_index, consumer_id, None, None, None, 0)
        request = await make_request(
            session,
            world,
            plant_index=plant_index,
            consumer_index=consumer_index,
            stage=stage,
            requested_by=requester,
            assignee=assignee,
        )
    return Target(plant_index, consumer_id, stage, request.id, request.assignee_id, request.version)


def _mutation_input(world: World, name: str, target: Target) -> dict[str, Any]:
    name = OPERATIONS[name].mutation or name
    if name == "createPackageRequest":
        return {
            "consumerId": ops.gid("Consumer", target.consumer_id),
            "service": "UPGRADE",
            "requestedPackageId": ops.gid("Package", world.packages[1].id),
            "note": "Wants a fridge",
        }
    input: dict[str, Any] = {"requestId": ops.request_gid(target.request_id)}
    first, second = TECHNICIANS[target.plant_index]
    if name == "assignPackageRequest":
        input["assigneeId"] = ops.gid("User", _user_id(world, first))
    elif name == "reassignPackageRequest":
        input["assigneeId"] = ops.gid("User", _user_id(world, second))
    if name in ("rejectPackageRequest", "cancelPackageRequest", "sendBackPackageRequest"):
        input["reason"] = "Customer changed their mind"
    return input


async def _check_success(
    db: async_sessionmaker[AsyncSession],
    name: str,
    operation: Operation,
    target: Target,
    body: dict[str, Any],
) -> None:
    """What a successful mutation must have done to its request."""
    request = body["data"][operation.mutation or name]["request"]
    assert request["stage"] == operation.to_stage
    if target.request_id is None:
        assert request["version"] == 1
        return
    assert request["id"] == ops.request_gid(target.request_id)
    assert request["version"] == target.version + 1
    state = await request_state(db, target.request_id)
    assert state.stage == operation.to_stage
    assert state.version == target.version + 1
    assert state.outbox_events == 1


@pytest.mark.parametrize("name", [name for name in OPERATIONS if _is_mutation(name)])
async def test_mutation(
    client: GraphQLClient,
    colleagues: World,
    db: async_sessionmaker[AsyncSession],
    name: str,
) -> None:
    """Each user in turn, on a request at plant1 and then at plant4."""
    world, operation = colleagues, OPERATIONS[name]
    mutation = operation.mutation or name
    want: dict[str, str] = {}
    got: dict[str, str] = {}
    for plant, plant_index in PLANTS.items():
        target: Target | None = None
        for actor in ACTORS:
            case = f"{actor} at {plant}"
            want[case] = expected(name, actor, plant_index)
            if target is None:  # the first, or the previous one was used up by a success
                target = await _target(db, world, operation, plant_index)
            before = await fingerprint(db) if want[case] != "OK" else None
            body = await client.request(
                ops.MUTATIONS[mutation],
                {"input": _mutation_input(world, name, target)},
                token=_token(world, actor),
            )
            got[case] = ops.outcome(body, mutation)
            if got[case] == "OK":
                await _check_success(db, name, operation, target, body)
                target = None
            elif before is not None and await fingerprint(db) != before:
                got[case] += " (and changed something)"
    assert got == want


Check = Callable[[dict[str, Any], Target, World], str]

# The queries look for a request at each plant, each in its own stage, so that a badge
# or a summary figure tells which of the two a user sees.
QUERY_STAGES = {0: RequestStage.REQUESTED, 3: RequestStage.REVIEW}
BADGES = {RequestStage.REQUESTED: "requested", RequestStage.REVIEW: "review"}
FIGURES = {RequestStage.REQUESTED: "requested", RequestStage.REVIEW: "inReview"}


def _listed(data: dict[str, Any], target: Target, world: World) -> str:
    ids = {edge["node"]["id"] for edge in data["packageRequests"]["edges"]}
    return "OK" if ops.request_gid(target.request_id) in ids else "HIDDEN"


def _counted(data: dict[str, Any], target: Target, world: World) -> str:
    assert target.stage is not None
    count = data["packageRequestCounts"][BADGES[target.stage]]
    assert count in (0, 1), data
    return "OK" if count else "HIDDEN"


def _summarised(data: dict[str, Any], target: Target, world: World) -> str:
    assert target.stage is not None
    summary = data["packageActivitySummary"]
    plant_id = ops.gid("Plant", world.plants[target.plant_index].id)
    rows = [row for row in summary["rows"] if row["plant"]["id"] == plant_id]
    assert summary["total"]["plantCount"] == len(summary["rows"])
    if not rows:
        return "HIDDEN"
    (row,) = rows
    assert row[FIGURES[target.stage]] == 1, row
    return "OK"


def _fetched(data: dict[str, Any], target: Target, world: World) -> str:
    node = data["node"]
    if node is None:
        return "HIDDEN"
    assert node["id"] == ops.request_gid(target.request_id)
    assert node["stage"] == target.stage
    return "OK"


def _today(world: World) -> str:
    return datetime.now(world.settings.zone).date().isoformat()


def _yesterday(world: World) -> str:
    return (datetime.now(world.settings.zone).date() - timedelta(days=1)).isoformat()


QUERIES: dict[str, tuple[str, Callable[[Target, World], dict[str, Any]], Check]] = {
    "packageRequests": (ops.PACKAGE_REQUESTS, lambda t, w: {}, _listed),
    "packageRequestCounts": (ops.PACKAGE_REQUEST_COUNTS, lambda t, w: {}, _counted),
    "packageActivitySummary": (
        ops.PACKAGE_ACTIVITY_SUMMARY,
        lambda t, w: {"range": {"from": _yesterday(w), "to": _today(w)}},
        _summarised,
    ),
    "node": (ops.NODE, lambda t, w: {"id": ops.request_gid(t.request_id)}, _fetched),
}


async def _query_outcome(
    client: GraphQLClient, name: str, target: Target, world: World, token: str | None
) -> str:
    document, variables, check = QUERIES[name]
    body = await client.request(document, variables(target, world), token=token)
    if body.get("errors"):
        codes = {error.get("extensions", {}).get("code") for error in body["errors"]}
        assert len(codes) == 1, body
        assert not any((body["data"] or {}).values()), body
        return str(codes.pop())
    return check(body["data"], target, world)


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_query(
    client: GraphQLClient,
    colleagues: World,
    db: async_sessionmaker[AsyncSession],
    name: str,
) -> None:
    """Each user in turn, looking for the request at plant1 and the one at plant4."""
    world = colleagues
    targets = {
        plant: await _target(db, world, OPERATIONS[name], index, stage=QUERY_STAGES[index])
        for plant, index in PLANTS.items()
    }
    want: dict[str, str] = {}
    got: dict[str, str] = {}
    for plant, target in targets.items():
        for actor in ACTORS:
            case = f"{actor} at {plant}"
            want[case] = expected(name, actor, target.plant_index)
            token = _token(world, actor)
            got[case] = await _query_outcome(client, name, target, world, token)
    assert got == want


async def test_another_technician_learns_only_that_it_is_not_theirs(
    client: GraphQLClient, colleagues: World, db: async_sessionmaker[AsyncSession]
) -> None:
    """FORBIDDEN for a colleague names no one and changes nothing; the assignee may."""
    world = colleagues
    async with db() as session:
        request = await make_request(session, world, stage=RequestStage.IN_PROCESS)
    before = await snapshot(db)
    for name in ("processPackageRequest", "rejectPackageRequest"):
        input = {"requestId": ops.request_gid(request.id)}
        if name == "rejectPackageRequest":
            input["reason"] = "Not mine"
        error = await ops.refused(client, name, input, token=world.token("tech1b"))
        assert error["code"] == "FORBIDDEN"
        assert "assigned" in error["message"]
        assert world.users["tech1"].name not in error["message"]
    assert await snapshot(db) == before
    unchanged = await fingerprint(db)
    await ops.succeeded(
        client,
        "processPackageRequest",
        {"requestId": ops.request_gid(request.id)},
        token=world.token("tech1"),
    )
    assert await fingerprint(db) != unchanged


async def test_roles_are_checked_before_the_request_is_looked_up(
    client: GraphQLClient, colleagues: World, db: async_sessionmaker[AsyncSession]
) -> None:
    """A role that may never act learns nothing: FORBIDDEN even for an unknown request."""
    world = colleagues
    before = await snapshot(db)
    unknown = {"requestId": ops.request_gid(987654), "note": "Looks good"}
    for actor in ("operator1", "csa1", "tech1"):
        error = await ops.refused(
            client, "completePackageRequest", unknown, token=world.token(actor)
        )
        assert error["code"] == "FORBIDDEN"
    error = await ops.refused(client, "completePackageRequest", unknown, token=world.token("admin"))
    assert error["code"] == "NOT_FOUND"
    assert await snapshot(db) == before


async def test_the_role_is_checked_before_the_input(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    """An operator may take no step at all: FORBIDDEN, however wrong the input."""
    garbled: dict[str, dict[str, Any]] = {
        "createPackageRequest": {
            "consumerId": "garbage",
            "service": "UPGRADE",
            "requestedPackageId": "garbage",
        },
        "assignPackageRequest": {"requestId": "garbage", "assigneeId": "garbage"},
        "reassignPackageRequest": {"requestId": "garbage", "assigneeId": "garbage"},
        "processPackageRequest": {"requestId": "garbage", "note": "x"},
        "completePackageRequest": {"requestId": "garbage", "note": "x"},
        "rejectPackageRequest": {"requestId": "garbage", "reason": "x"},
        "cancelPackageRequest": {"requestId": "garbage", "reason": "x"},
        "sendBackPackageRequest": {"requestId": "garbage", "reason": "x"},
    }
    assert set(garbled) == set(ops.MUTATIONS)
    before = await snapshot(db)
    codes = {
        name: (await ops.refused(client, name, input, token=world.token("operator1")))["code"]
        for name, input in garbled.items()
    }
    assert await snapshot(db) == before
    assert codes == dict.fromkeys(garbled, "FORBIDDEN")
