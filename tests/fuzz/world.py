"""The small world of tests/factories.py, filled in so that every node type has rows
in and out of each caller's scope: products, warehouses and purchase requests in both
states, a scheme with enrolments and payments at every plant, package requests in
several stages, and notifications."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models import (
    Cluster,
    Consumer,
    Notification,
    Package,
    PackageRequest,
    Plant,
    Product,
    PurchaseRequest,
    RequestStage,
    Scheme,
    SchemeEnrollment,
    SchemePayment,
    State,
    StockMovement,
    User,
    Warehouse,
)
from schema.relay import encode_id
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.inventory.factories import build_inventory
from tests.packages.factories import make_request
from tests.schemes.factories import backdate, make_scheme

TABLES: dict[str, Any] = {
    "State": State,
    "Cluster": Cluster,
    "Plant": Plant,
    "Consumer": Consumer,
    "Package": Package,
    "PackageRequest": PackageRequest,
    "User": User,
    "Notification": Notification,
    "Product": Product,
    "Warehouse": Warehouse,
    "StockMovement": StockMovement,
    "PurchaseRequest": PurchaseRequest,
    "Scheme": Scheme,
    "SchemeEnrollment": SchemeEnrollment,
    "SchemePayment": SchemePayment,
}

ENROLL = """
mutation($input: EnrollInSchemeInput!) {
  enrollInScheme(input: $input) { enrollment { id } errors { code message } }
}
"""
CANCEL = """
mutation($input: CancelSchemeEnrollmentInput!) {
  cancelSchemeEnrollment(input: $input) { enrollment { id } errors { code message } }
}
"""
ASSIGN = """
mutation($input: AssignPackageRequestInput!) {
  assignPackageRequest(input: $input) { request { id } errors { code message } }
}
"""


async def fill_world(
    db: async_sessionmaker[AsyncSession], client: GraphQLClient, world: World
) -> None:
    """Adds what the fuzzer should reach; the workflow steps go through the API, so that
    they leave the events and notifications the app writes."""
    inventory = await build_inventory(db, world)
    async with db() as session, session.begin():
        scheme = await make_scheme(session, inventory.products["fan"], world.states)
    async with db() as session:
        # (plant, consumer, stage, requester, technician) by index; the third plant has no
        # technician, so its requests are in stages without one. The two REQUESTED ones of
        # the first and last plants are then assigned through the API (notifying tech1, tech4).
        for plant, consumer, stage, requester, technician in (
            (0, 0, RequestStage.REQUESTED, "csa1", "tech1"),
            (0, 1, RequestStage.IN_PROCESS, "csa1", "tech1"),
            (1, 0, RequestStage.REVIEW, "cluster1", "tech1"),
            (1, 1, RequestStage.COMPLETED, "cluster1", "tech1"),
            (2, 0, RequestStage.REQUESTED, "csa3", "tech1"),
            (2, 1, RequestStage.CANCELLED, "csa3", "tech1"),
            (3, 0, RequestStage.REQUESTED, "admin", "tech4"),
            (3, 1, RequestStage.REJECTED, "admin", "tech4"),
        ):
            made = await make_request(
                session,
                world,
                plant_index=plant,
                consumer_index=consumer,
                stage=stage,
                requested_by=requester,
                assignee=technician,
            )
            if (plant, consumer) in ((0, 0), (3, 0)):
                assert made.id is not None
                await _ok(
                    client,
                    world,
                    ASSIGN,
                    "assignPackageRequest",
                    requestId=encode_id("PackageRequest", made.id),
                    assigneeId=encode_id("User", world.users[technician].id or 0),
                )
    assert scheme.id is not None
    for plant in range(len(world.plants)):
        enrolled = world.plant_consumers(plant)[2]
        await _ok(
            client,
            world,
            ENROLL,
            "enrollInScheme",
            consumerId=encode_id("Consumer", enrolled.id or 0),
            schemeId=encode_id("Scheme", scheme.id),
        )
    # A cancelled enrolment at the first plant: it owes nothing and is never in arrears.
    cancelled = world.plant_consumers(0)[1]
    data = await client.data(
        ENROLL,
        {
            "input": {
                "consumerId": encode_id("Consumer", cancelled.id or 0),
                "schemeId": encode_id("Scheme", scheme.id),
            }
        },
        token=world.token("admin"),
    )
    await _ok(
        client,
        world,
        CANCEL,
        "cancelSchemeEnrollment",
        enrollmentId=data["enrollInScheme"]["enrollment"]["id"],
        reason="Returned unused",
    )
    # The first plant's live enrolment was made 70 days ago: two instalments are due.
    async with db() as session:
        first = (
            await session.execute(
                sa.select(col(SchemeEnrollment.id)).where(
                    col(SchemeEnrollment.consumer_id) == world.plant_consumers(0)[2].id
                )
            )
        ).scalar_one()
    await backdate(db, first or 0, 70)


async def _ok(
    client: GraphQLClient, world: World, mutation: str, name: str, **input_fields: Any
) -> None:
    data = await client.data(mutation, {"input": input_fields}, token=world.token("admin"))
    assert data[name]["errors"] == [], data


async def global_ids(
    db: async_sessionmaker[AsyncSession], *, leave_out_user: int
) -> dict[str, list[str]]:
    """Every row's global id, by type, oldest first; without ``leave_out_user``, so that an
    administrator fuzzing does not deactivate or demote themselves halfway."""
    ids: dict[str, list[str]] = {}
    async with db() as session:
        for type_name, table in TABLES.items():
            statement = sa.select(col(table.id)).order_by(col(table.id))
            ids[type_name] = [
                encode_id(type_name, row_id)
                for row_id in (await session.execute(statement)).scalars()
                if not (type_name == "User" and row_id == leave_out_user)
            ]
    return ids
