"""The GraphQL documents of the package-request operations, and helpers to send them."""

from __future__ import annotations

from typing import Any

from strawberry import relay

from models.packages import RequestAction
from schema.relay import encode_id
from tests.conftest import GraphQLClient

REQUEST = "request { id stage version assignee { id } }"
ERRORS = "errors { code message field }"

INPUT_TYPES = {
    "createPackageRequest": "CreatePackageRequestInput",
    "assignPackageRequest": "AssignPackageRequestInput",
    "reassignPackageRequest": "AssignPackageRequestInput",
    "rejectPackageRequest": "ReasonTransitionInput",
    "cancelPackageRequest": "ReasonTransitionInput",
    "processPackageRequest": "NoteTransitionInput",
    "completePackageRequest": "NoteTransitionInput",
    "sendBackPackageRequest": "ReasonTransitionInput",
}


def _document(name: str) -> str:
    operation = name[0].upper() + name[1:]
    return (
        f"mutation {operation}($input: {INPUT_TYPES[name]}!) {{\n"
        f"  {name}(input: $input) {{ {REQUEST} {ERRORS} }}\n"
        "}"
    )


MUTATIONS: dict[str, str] = {name: _document(name) for name in INPUT_TYPES}

CREATE = MUTATIONS["createPackageRequest"]
ASSIGN = MUTATIONS["assignPackageRequest"]
REASSIGN = MUTATIONS["reassignPackageRequest"]
REJECT = MUTATIONS["rejectPackageRequest"]
CANCEL = MUTATIONS["cancelPackageRequest"]
PROCESS = MUTATIONS["processPackageRequest"]
COMPLETE = MUTATIONS["completePackageRequest"]
SEND_BACK = MUTATIONS["sendBackPackageRequest"]

# The mutation of each workflow transition.
TRANSITION_MUTATIONS: dict[RequestAction, str] = {
    RequestAction.ASSIGN: "assignPackageRequest",
    RequestAction.REASSIGN: "reassignPackageRequest",
    RequestAction.REJECT: "rejectPackageRequest",
    RequestAction.CANCEL: "cancelPackageRequest",
    RequestAction.PROCESS: "processPackageRequest",
    RequestAction.COMPLETE: "completePackageRequest",
    RequestAction.SEND_BACK: "sendBackPackageRequest",
}

# Transitions whose input carries a `reason` (required) rather than an optional `note`.
WITH_REASON = frozenset({RequestAction.REJECT, RequestAction.CANCEL, RequestAction.SEND_BACK})
WITH_ASSIGNEE = frozenset({RequestAction.ASSIGN, RequestAction.REASSIGN})

PACKAGE_REQUESTS = """
query Requests($filter: PackageRequestFilter) {
  packageRequests(filter: $filter, first: 100) { edges { node { id stage } } }
}
"""
PACKAGE_REQUEST_COUNTS = """
query Counts { packageRequestCounts { requested inProcess review completed rejected cancelled } }
"""
PACKAGE_ACTIVITY_SUMMARY = """
query Summary($range: DateRange!) {
  packageActivitySummary(range: $range) {
    rows { plant { id } requested inProcess inReview completed rejected cancelled }
    total { plantCount requested }
  }
}
"""
NODE = """
query Node($id: ID!) { node(id: $id) { id ... on PackageRequest { stage version } } }
"""


def gid(type_name: str, row_id: int | None) -> str:
    assert row_id is not None
    return encode_id(type_name, row_id)


def decode(global_id: str) -> int:
    """The database id inside a global id."""
    return int(relay.GlobalID.from_id(global_id).node_id)


def request_gid(request_id: int | None) -> str:
    return gid("PackageRequest", request_id)


def transition_input(
    action: RequestAction,
    request_id: int | None,
    *,
    assignee_id: int | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """A well-formed input for ``action`` on the request."""
    input: dict[str, Any] = {"requestId": request_gid(request_id)}
    if action in WITH_ASSIGNEE:
        input["assigneeId"] = gid("User", assignee_id)
    if action in WITH_REASON:
        input["reason"] = f"Reason to {action.value.lower()}."
    else:
        input["note"] = f"Note on {action.value.lower()}."
    if expected_version is not None:
        input["expectedVersion"] = expected_version
    return input


async def mutate(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str | None
) -> dict[str, Any]:
    """The payload of mutation ``name``; fails on GraphQL errors."""
    data = await client.data(MUTATIONS[name], {"input": input}, token=token)
    payload: dict[str, Any] = data[name]
    return payload


async def succeeded(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str | None
) -> dict[str, Any]:
    """The request a successful mutation returned."""
    payload = await mutate(client, name, input, token=token)
    assert payload["errors"] == [], payload["errors"]
    request: dict[str, Any] = payload["request"]
    assert request is not None
    return request


async def refused(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str | None
) -> dict[str, Any]:
    """The one UserError of a refused mutation (which returns no request)."""
    payload = await mutate(client, name, input, token=token)
    assert payload["request"] is None, payload
    assert len(payload["errors"]) == 1, payload
    error: dict[str, Any] = payload["errors"][0]
    return error


def outcome(body: dict[str, Any], name: str) -> str:
    """A mutation's response in one word: OK, a UserError code, or a GraphQL error code."""
    if body.get("errors"):
        codes = {error.get("extensions", {}).get("code") for error in body["errors"]}
        assert len(codes) == 1, body
        assert body["data"] is None, body
        return str(codes.pop())
    payload = body["data"][name]
    if payload["errors"]:
        assert payload["request"] is None, payload
        assert len(payload["errors"]) == 1, payload
        return str(payload["errors"][0]["code"])
    assert payload["request"] is not None, payload
    return "OK"
