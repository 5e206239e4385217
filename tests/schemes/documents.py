"""The scheme documents of queries/, with their variables and who sends them (collected
by tests/test_documents.py). Schemes are master data set up in the database directly
(there is no createScheme mutation yet); enrolments and payments go through the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from core.db import create_engine, create_session_factory
from resolvers.dates import today
from schema.relay import encode_id
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.schemes.factories import build_schemes

Variables = Callable[[World, GraphQLClient], Awaitable[dict[str, Any]]]


async def _set_up(world: World) -> dict[str, str]:
    engine = create_engine(world.settings)
    try:
        built = await build_schemes(create_session_factory(engine), world)
    finally:
        await engine.dispose()
    return {"consumerId": built.consumer(0), "schemeId": built.scheme("fan")}


async def _enrolled(world: World, client: GraphQLClient) -> dict[str, Any]:
    variables = await _set_up(world)
    body = await client.document("EnrollInScheme.graphql", variables, token=world.token("csa1"))
    enrollment: dict[str, Any] = body["data"]["enrollInScheme"]["enrollment"]
    return enrollment


async def _enroll(world: World, _: GraphQLClient) -> dict[str, Any]:
    return {**await _set_up(world), "idempotencyKey": "doc-1"}


async def _enroll_new_customer(world: World, _: GraphQLClient) -> dict[str, Any]:
    variables = await _set_up(world)
    return {
        "name": "Asha Devi",
        "phone": "+91 98450 12345",
        "plantId": encode_id("Plant", world.plants[0].id or 0),
        "packageId": encode_id("Package", world.packages[0].id or 0),
        "schemeId": variables["schemeId"],
        "idempotencyKey": "doc-new-1",
    }


async def _payment(world: World, client: GraphQLClient) -> dict[str, Any]:
    enrollment = await _enrolled(world, client)
    return {"enrollmentId": enrollment["id"], "amount": "100.00", "reference": "RCPT-1"}


async def _cancel(world: World, client: GraphQLClient) -> dict[str, Any]:
    enrollment = await _enrolled(world, client)
    return {"enrollmentId": enrollment["id"], "reason": "Customer returned the fan unused"}


async def _by_code(world: World, client: GraphQLClient) -> dict[str, Any]:
    enrollment = await _enrolled(world, client)
    code: str = enrollment["schemeCodeForReading"]
    return {"code": code.lower()}


async def _list(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _enrolled(world, client)
    on = today(world.settings.zone).isoformat()
    return {
        "plantIds": [encode_id("Plant", world.plants[0].id or 0)],
        "enrolledIn": {
            "from": (today(world.settings.zone) - timedelta(days=30)).isoformat(),
            "to": on,
        },
        "schemeTypes": ["STANDARD"],
        "consumerStatus": "ACTIVE",
        "repaymentStatus": ["ON_TRACK", "BEHIND"],
    }


async def _filter_bar(world: World, _: GraphQLClient) -> dict[str, Any]:
    await _set_up(world)
    return {"activeOn": today(world.settings.zone).isoformat()}


async def _stats(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _enrolled(world, client)
    return {
        "range": {
            "from": (today(world.settings.zone) - timedelta(days=30)).isoformat(),
            "to": today(world.settings.zone).isoformat(),
        },
        "stateId": encode_id("State", world.states[0].id or 0),
    }


DOCUMENTS: dict[str, tuple[Variables, str]] = {
    "EnrollInScheme.graphql": (_enroll, "csa1"),
    "EnrollNewCustomer.graphql": (_enroll_new_customer, "csa1"),
    "RecordSchemePayment.graphql": (_payment, "csa1"),
    "CancelSchemeEnrollment.graphql": (_cancel, "cluster1"),
    "SchemeEnrollmentByCode.graphql": (_by_code, "cluster1"),
    "SchemeEnrollments.graphql": (_list, "state1"),
    "SchemeFilterBar.graphql": (_filter_bar, "csa1"),
    "SchemeStats.graphql": (_stats, "admin"),
}
