"""The workflow refuses every step it does not allow, and every step on a stale version.

The cases are generated from ``models.packages.TRANSITIONS``: a change to the table
changes the test. The table itself is checked against DESIGN.md's diagram.
"""

from __future__ import annotations

from collections import deque

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.packages import (
    CLOSED_STAGES,
    OPEN_STAGES,
    TRANSITIONS,
    RequestAction,
    RequestStage,
)
from resolvers.packages.rules import ACTORS
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.packages import operations as ops
from tests.packages.factories import (
    add_consumer,
    add_technician,
    make_request,
    request_state,
    snapshot,
)

S = RequestStage
A = RequestAction

# DESIGN.md, "Package activity":
#
# REQUESTED --assign(assignee)--> IN_PROCESS --process--> REVIEW --complete--> COMPLETED
#     |                            |   ^  |                  |
#     |                 reassign --+   |  +--reject--> REJECTED
#     +--cancel--> CANCELLED           +--- sendBack(reason) +
#     +--reject--> REJECTED
DIAGRAM = {
    (S.REQUESTED, A.ASSIGN, S.IN_PROCESS),
    (S.IN_PROCESS, A.REASSIGN, S.IN_PROCESS),
    (S.IN_PROCESS, A.PROCESS, S.REVIEW),
    (S.REVIEW, A.COMPLETE, S.COMPLETED),
    (S.REVIEW, A.SEND_BACK, S.IN_PROCESS),
    (S.IN_PROCESS, A.REJECT, S.REJECTED),
    (S.REQUESTED, A.REJECT, S.REJECTED),
    (S.REQUESTED, A.CANCEL, S.CANCELLED),
}


def _edges() -> set[tuple[RequestStage, RequestAction, RequestStage]]:
    return {
        (stage, action, to)
        for action, (from_stages, to) in TRANSITIONS.items()
        for stage in from_stages
    }


def _ways_out(stage: RequestStage) -> set[RequestAction]:
    return {action for action, (from_stages, _) in TRANSITIONS.items() if stage in from_stages}


# --- The table itself -------------------------------------------------------------


def test_the_table_is_the_diagram() -> None:
    assert _edges() == DIAGRAM


def test_every_action_but_create_is_a_transition() -> None:
    assert set(TRANSITIONS) == set(RequestAction) - {A.CREATE}
    assert set(ACTORS) == set(TRANSITIONS)
    assert set(ops.TRANSITION_MUTATIONS) == set(TRANSITIONS)


def test_open_and_closed_stages_partition_the_stages() -> None:
    assert {S.REQUESTED, S.IN_PROCESS, S.REVIEW} == OPEN_STAGES
    assert {S.COMPLETED, S.REJECTED, S.CANCELLED} == CLOSED_STAGES
    assert set(RequestStage) == OPEN_STAGES | CLOSED_STAGES


@pytest.mark.parametrize("stage", sorted(OPEN_STAGES))
def test_every_open_stage_has_a_way_out(stage: RequestStage) -> None:
    assert any(TRANSITIONS[action][1] != stage for action in _ways_out(stage))


@pytest.mark.parametrize("stage", sorted(CLOSED_STAGES))
def test_closed_stages_have_no_way_out(stage: RequestStage) -> None:
    assert _ways_out(stage) == set()


def _reachable(start: RequestStage) -> set[RequestStage]:
    seen, queue = {start}, deque([start])
    while queue:
        stage = queue.popleft()
        for action in _ways_out(stage):
            to = TRANSITIONS[action][1]
            if to not in seen:
                seen.add(to)
                queue.append(to)
    return seen


def test_every_stage_is_reachable_and_every_request_can_close() -> None:
    assert _reachable(S.REQUESTED) == set(RequestStage)
    for stage in OPEN_STAGES:
        assert _reachable(stage) & CLOSED_STAGES, stage


def test_transitions_only_lead_forward_or_back_into_the_open() -> None:
    """Nothing leads back to REQUESTED; closed stages are only ever targets."""
    targets = {to for _, to in TRANSITIONS.values()}
    assert S.REQUESTED not in targets
    assert targets >= CLOSED_STAGES


# --- Through the API ----------------------------------------------------------------

NOT_ALLOWED = [
    (action, stage)
    for action, (from_stages, _) in TRANSITIONS.items()
    for stage in sorted(set(RequestStage) - from_stages)
]
ALLOWED = [
    (action, stage)
    for action, (from_stages, _) in TRANSITIONS.items()
    for stage in sorted(from_stages)
]


STALE = ("CONFLICT", ["input", "expectedVersion"])


def _actor(action: RequestAction) -> str:
    """Someone whose role may take the step on a request at plant1 (its assignee: tech1)."""
    return "tech1" if action is A.PROCESS else "cluster1"


@pytest.fixture
async def colleague(world: World, db: async_sessionmaker[AsyncSession]) -> World:
    """A second technician at plant1, to assign and reassign to."""
    async with db() as session:
        await add_technician(session, world, "tech1b", plant_indexes=[0])
    return world


def _user_id(world: World, name: str) -> int:
    user_id = world.users[name].id
    assert user_id is not None
    return user_id


async def test_a_step_from_a_stage_it_does_not_start_from_is_an_invalid_transition(
    client: GraphQLClient, colleague: World, db: async_sessionmaker[AsyncSession]
) -> None:
    """INVALID_TRANSITION naming the request and its stage, and nothing changes.

    The one exception: a technician may process only a request assigned to them, and
    a request that never left REQUESTED (or was cancelled there) is assigned to no
    one, so they get FORBIDDEN before the stage is looked at.
    """
    world = colleague
    want: dict[str, str] = {}
    got: dict[str, str] = {}
    for action, stage in NOT_ALLOWED:
        case = f"{action.value} from {stage.value}"
        async with db() as session:
            consumer_index = await add_consumer(session, world)
            request = await make_request(session, world, consumer_index=consumer_index, stage=stage)
        unassigned = request.assignee_id is None
        want[case] = (
            "FORBIDDEN" if action is A.PROCESS and unassigned else "INVALID_TRANSITION names it"
        )
        before = await snapshot(db)
        input = ops.transition_input(action, request.id, assignee_id=_user_id(world, "tech1b"))
        name = ops.TRANSITION_MUTATIONS[action]
        error = await ops.refused(client, name, input, token=world.token(_actor(action)))
        got[case] = error["code"]
        if error["code"] == "INVALID_TRANSITION":
            names_it = stage.value in error["message"] and request.number in error["message"]
            got[case] += " names it" if names_it else f": {error['message']}"
        if await snapshot(db) != before:
            got[case] += " (and changed something)"
    assert got == want


async def test_a_stale_expected_version_is_a_conflict(
    client: GraphQLClient, colleague: World, db: async_sessionmaker[AsyncSession]
) -> None:
    """From a stage the step is allowed from, a version other than the current one is
    refused with CONFLICT and nothing changes; the current version goes through."""
    world = colleague
    tech1b = _user_id(world, "tech1b")
    for action, stage in ALLOWED:
        case = f"{action.value} from {stage.value}"
        name = ops.TRANSITION_MUTATIONS[action]
        async with db() as session:
            consumer_index = await add_consumer(session, world)
            request = await make_request(session, world, consumer_index=consumer_index, stage=stage)
        token = world.token(_actor(action))
        before = await snapshot(db)
        for stale in (request.version - 1, request.version + 1):
            input = ops.transition_input(
                action, request.id, assignee_id=tech1b, expected_version=stale
            )
            error = await ops.refused(client, name, input, token=token)
            assert (error["code"], error["field"]) == STALE, (case, error)
        assert await snapshot(db) == before, case

        input = ops.transition_input(
            action, request.id, assignee_id=tech1b, expected_version=request.version
        )
        saved = await ops.succeeded(client, name, input, token=token)
        assert saved["version"] == request.version + 1, case
        assert saved["stage"] == TRANSITIONS[action][1], case
        assert request.id is not None
        state = await request_state(db, request.id)
        assert state.actions[-1] is action, case
        assert state.version == request.version + 1, case


async def test_a_closed_request_stays_closed(
    client: GraphQLClient, colleague: World, db: async_sessionmaker[AsyncSession]
) -> None:
    """Whatever anyone tries on a closed request, with any version: nothing changes."""
    world = colleague
    async with db() as session:
        request = await make_request(session, world, stage=S.COMPLETED)
    before = await snapshot(db)
    for action in TRANSITIONS:
        for version in (None, request.version):
            input = ops.transition_input(
                action,
                request.id,
                assignee_id=_user_id(world, "tech1b"),
                expected_version=version,
            )
            name = ops.TRANSITION_MUTATIONS[action]
            error = await ops.refused(client, name, input, token=world.token(_actor(action)))
            assert error["code"] == "INVALID_TRANSITION", (action, error)
    assert await snapshot(db) == before


# A user saw the request in a stage; meanwhile a colleague took a step; the user then
# takes the step they meant, with the version they saw.
MOVED_ON = {
    "reviewer approves what a colleague sent back": (
        S.REVIEW,
        (A.SEND_BACK, "state1"),
        (A.COMPLETE, "cluster1"),
    ),
    "CSA cancels what was assigned meanwhile": (
        S.REQUESTED,
        (A.ASSIGN, "state1"),
        (A.CANCEL, "csa1"),
    ),
}


async def test_a_stale_version_is_a_conflict_even_when_the_stage_moved_on(
    client: GraphQLClient, colleague: World, db: async_sessionmaker[AsyncSession]
) -> None:
    world = colleague
    tech1b = _user_id(world, "tech1b")
    got: dict[str, tuple[str, list[str] | None]] = {}
    for case, (seen, meanwhile, then) in MOVED_ON.items():
        async with db() as session:
            consumer_index = await add_consumer(session, world)
            request = await make_request(session, world, consumer_index=consumer_index, stage=seen)
        action, actor = meanwhile
        await ops.succeeded(
            client,
            ops.TRANSITION_MUTATIONS[action],
            ops.transition_input(action, request.id, assignee_id=tech1b),
            token=world.token(actor),
        )
        before = await snapshot(db)
        action, actor = then
        input = ops.transition_input(
            action, request.id, assignee_id=tech1b, expected_version=request.version
        )
        error = await ops.refused(
            client, ops.TRANSITION_MUTATIONS[action], input, token=world.token(actor)
        )
        assert await snapshot(db) == before
        got[case] = (error["code"], error["field"])
    assert got == dict.fromkeys(MOVED_ON, STALE)
