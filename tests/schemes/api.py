"""Calling the scheme operations through GraphQL, as the app does."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.factories import World

CANCEL = """
mutation($input: CancelSchemeEnrollmentInput!) {
  cancelSchemeEnrollment(input: $input) {
    enrollment { id repaymentStatus cancelReason amountPaid { amount } }
    errors { code message field }
  }
}
"""


async def enroll(
    client: GraphQLClient, world: World, user: str, **variables: Any
) -> dict[str, Any]:
    body = await client.document("EnrollInScheme.graphql", variables, token=world.token(user))
    assert not body.get("errors"), body
    payload: dict[str, Any] = body["data"]["enrollInScheme"]
    return payload


async def pay(client: GraphQLClient, world: World, user: str, **variables: Any) -> dict[str, Any]:
    body = await client.document("RecordSchemePayment.graphql", variables, token=world.token(user))
    assert not body.get("errors"), body
    payload: dict[str, Any] = body["data"]["recordSchemePayment"]
    return payload


async def cancel(
    client: GraphQLClient, world: World, user: str, enrollment_id: str, reason: str = "Returned"
) -> dict[str, Any]:
    body = await client.request(
        CANCEL,
        {"input": {"enrollmentId": enrollment_id, "reason": reason}},
        token=world.token(user),
    )
    assert not body.get("errors"), body
    payload: dict[str, Any] = body["data"]["cancelSchemeEnrollment"]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]
