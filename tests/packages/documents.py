"""Cases for the package-activity documents in queries/ (see tests/test_documents.py).

Each mutation's case drives the request to the stage it needs with the documents
themselves, as the app would, then returns the variables of the step under test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from models.base import utcnow
from schema.relay import encode_id
from tests.conftest import GraphQLClient
from tests.factories import World

Variables = Callable[[World, GraphQLClient], Awaitable[dict[str, Any]]]


def _plant(world: World, index: int = 0) -> str:
    return encode_id("Plant", world.plants[index].id or 0)


async def _run(
    client: GraphQLClient, world: World, document: str, sender: str, **variables: Any
) -> dict[str, Any]:
    body = await client.document(document, variables, token=world.token(sender))
    assert not body.get("errors"), body
    payload: dict[str, Any] = next(iter(body["data"].values()))
    assert payload["errors"] == [], payload
    return payload


async def _created(world: World, client: GraphQLClient) -> str:
    consumer = world.plant_consumers(0)[0]
    payload = await _run(
        client,
        world,
        "CreatePackageRequest.graphql",
        "csa1",
        consumerId=encode_id("Consumer", consumer.id or 0),
        service="UPGRADE",
        requestedPackageId=encode_id("Package", world.packages[1].id or 0),
        note="Customer wants a TV",
    )
    request_id: str = payload["request"]["id"]
    return request_id


async def _assigned(world: World, client: GraphQLClient) -> str:
    request_id = await _created(world, client)
    await _run(
        client,
        world,
        "AssignPackageRequest.graphql",
        "cluster1",
        requestId=request_id,
        assigneeId=encode_id("User", world.users["tech1"].id or 0),
    )
    return request_id


async def _processed(world: World, client: GraphQLClient) -> str:
    request_id = await _assigned(world, client)
    await _run(client, world, "ProcessPackageRequest.graphql", "tech1", requestId=request_id)
    return request_id


async def _create_vars(world: World, _: GraphQLClient) -> dict[str, Any]:
    consumer = world.plant_consumers(0)[1]
    return {
        "consumerId": encode_id("Consumer", consumer.id or 0),
        "service": "DISCONNECTION",
        "idempotencyKey": "8f14e45f-ceea-467f-a0e6-4ad2a1c5a001",
    }


async def _assign_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    return {
        "requestId": await _created(world, client),
        "assigneeId": encode_id("User", world.users["tech1"].id or 0),
        "expectedVersion": 1,
    }


CREATE_TECHNICIAN = """
mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code } } }
"""


async def _reassign_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    # A second technician at plant1 to hand the work to, made as an admin would.
    created = await client.data(
        CREATE_TECHNICIAN,
        {
            "input": {
                "name": "Ravi Second",
                "phone": "+919876500001",
                "role": "TECHNICIAN",
                "password": "a long enough password",
                "plantIds": [_plant(world)],
            }
        },
        token=world.token("admin"),
    )
    assert created["createUser"]["errors"] == []
    return {
        "requestId": await _assigned(world, client),
        "assigneeId": created["createUser"]["user"]["id"],
        "note": "Ravi is nearer",
    }


async def _reject_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    return {"requestId": await _assigned(world, client), "reason": "Meter is faulty"}


async def _cancel_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    return {"requestId": await _created(world, client), "reason": "Customer changed mind"}


async def _process_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    return {"requestId": await _assigned(world, client), "note": "New MCB fitted"}


async def _complete_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    return {"requestId": await _processed(world, client), "expectedVersion": 3}


async def _send_back_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    return {"requestId": await _processed(world, client), "reason": "Photo of the meter missing"}


async def _details_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    return {"id": await _processed(world, client)}


async def _tab_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _created(world, client)
    return {"plantIds": [_plant(world)]}


async def _in_process_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _assigned(world, client)
    return {"assignedToMe": True}


async def _review_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _processed(world, client)
    return {}


async def _completed_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    request_id = await _processed(world, client)
    await _run(client, world, "CompletePackageRequest.graphql", "cluster1", requestId=request_id)
    today = (utcnow() + timedelta(hours=5, minutes=30)).date()
    return {
        "closedIn": {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}
    }


async def _counts_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _created(world, client)
    return {}


async def _summary_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _created(world, client)
    today = (utcnow() + timedelta(hours=5, minutes=30)).date()
    return {"range": {"from": str(today - timedelta(days=30)), "to": str(today)}}


async def _notifications_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _assigned(world, client)
    return {"unreadOnly": True}


async def _mark_read_vars(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _assigned(world, client)
    return {"all": True}


DOCUMENTS: dict[str, tuple[Variables, str]] = {
    "RequestTab.graphql": (_tab_vars, "csa1"),
    "InProcessTab.graphql": (_in_process_vars, "tech1"),
    "ReviewTab.graphql": (_review_vars, "cluster1"),
    "CompletedTab.graphql": (_completed_vars, "state1"),
    "PackageRequestCounts.graphql": (_counts_vars, "cluster1"),
    "PackageRequestDetails.graphql": (_details_vars, "cluster1"),
    "PackageActivitySummary.graphql": (_summary_vars, "state1"),
    "CreatePackageRequest.graphql": (_create_vars, "csa1"),
    "AssignPackageRequest.graphql": (_assign_vars, "cluster1"),
    "ReassignPackageRequest.graphql": (_reassign_vars, "cluster1"),
    "RejectPackageRequest.graphql": (_reject_vars, "tech1"),
    "CancelPackageRequest.graphql": (_cancel_vars, "csa1"),
    "ProcessPackageRequest.graphql": (_process_vars, "tech1"),
    "CompletePackageRequest.graphql": (_complete_vars, "cluster1"),
    "SendBackPackageRequest.graphql": (_send_back_vars, "cluster1"),
    "Notifications.graphql": (_notifications_vars, "tech1"),
    "MarkNotificationsRead.graphql": (_mark_read_vars, "tech1"),
}
