"""GraphQL over HTTP (#17): request errors are JSON GraphQL responses with a code and the
right status, ``application/graphql-response+json`` is offered when asked for, and none of
these refusals is logged or counted as an internal error."""

from __future__ import annotations

import logging
from typing import Any

import httpx2 as httpx
import pytest

from server.envelope import response_media_type
from tests.conftest import GraphQLClient, error_codes

RESPONSE_JSON = "application/graphql-response+json"
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def _assert_not_internal(logs: pytest.LogCaptureFixture) -> None:
    assert not [record for record in logs.records if record.levelno >= logging.ERROR]
    outcomes = [getattr(r, "outcome", None) for r in logs.records if r.name == "gridline.request"]
    assert "internal_error" not in outcomes
    assert outcomes, "the refusal is logged as an operation line"
    assert set(outcomes) == {"refused"}


async def _post(
    client: GraphQLClient, body: Any, accept: str | None = None, **kwargs: Any
) -> httpx.Response:
    headers = {"accept": accept} if accept else {}
    return await client.http.post("/graphql", json=body, headers=headers, **kwargs)


def _is_request_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/")
    assert "json" in response.headers["content-type"]
    body: dict[str, Any] = response.json()
    assert error_codes(body) == [code]
    assert "data" not in body
    return body


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "{ __typename }", "operationName": {"a": 1}}, "`operationName`"),
        ({"query": "{ __typename }", "operationName": ["A"]}, "`operationName`"),
        ({"query": "{ __typename }", "operationName": 0}, "`operationName`"),
        ({"notquery": "{ __typename }"}, "No GraphQL query"),
        ({"query": {"obj": "ect"}}, "`query`"),
        ({"query": False}, "`query`"),
        ({"query": "{ __typename }", "variables": "string"}, "`variables`"),
        ({"query": "{ __typename }", "variables": ["array"]}, "`variables`"),
        ({"query": "{ __typename }", "extensions": 0}, "`extensions`"),
    ],
)
@pytest.mark.parametrize("accept", [None, "application/json", RESPONSE_JSON])
async def test_malformed_requests_are_json_request_errors_and_not_internal(
    client: GraphQLClient,
    logs: pytest.LogCaptureFixture,
    body: dict[str, Any],
    message: str,
    accept: str | None,
) -> None:
    response = await _post(client, body, accept)
    answer = _is_request_error(response, 400, "BAD_REQUEST")
    assert message in answer["errors"][0]["message"]
    assert "slice" not in response.text
    expected = RESPONSE_JSON if accept == RESPONSE_JSON else "application/json"
    assert response.headers["content-type"].startswith(expected)
    _assert_not_internal(logs)


async def test_a_body_that_is_not_json_or_not_declared_json_is_a_request_error(
    client: GraphQLClient,
) -> None:
    for headers in ({"content-type": "application/json"}, {}):
        response = await client.http.post("/graphql", content=b'{ "not a JSON', headers=headers)
        assert 400 <= response.status_code < 500
        assert response.headers["content-type"].startswith("application/json")
        assert error_codes(response.json()) == ["BAD_REQUEST"]


async def test_a_mutation_over_get_is_405_with_allow_post(
    client: GraphQLClient, logs: pytest.LogCaptureFixture
) -> None:
    for accept in ("application/json", RESPONSE_JSON):
        response = await client.http.get(
            "/graphql", params={"query": "mutation { __typename }"}, headers={"accept": accept}
        )
        _is_request_error(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers["allow"] == "POST"
    _assert_not_internal(logs)
    query = await client.http.get("/graphql", params={"query": "{ __typename }"})
    assert query.status_code == 200
    assert query.json() == {"data": {"__typename": "Query"}}


async def test_several_operations_need_an_operation_name(
    client: GraphQLClient, logs: pytest.LogCaptureFixture
) -> None:
    document = "query A { a: __typename } query B { b: __typename }"
    refused = await _post(client, {"query": document})
    assert refused.status_code == 200
    assert refused.json()["data"] is None
    assert error_codes(refused.json()) == ["BAD_REQUEST"]
    assert "operation name" in refused.json()["errors"][0]["message"]
    strict = await _post(client, {"query": document}, RESPONSE_JSON)
    _is_request_error(strict, 400, "BAD_REQUEST")
    unknown = await _post(client, {"query": document, "operationName": "C"}, RESPONSE_JSON)
    body = _is_request_error(unknown, 400, "BAD_REQUEST")
    assert "C" in body["errors"][0]["message"]
    _assert_not_internal(logs)
    chosen = await _post(client, {"query": document, "operationName": "B"})
    assert chosen.json() == {"data": {"b": "Query"}}


SYNTAX = {"query": "{"}
VALIDATION = {"query": "{ noSuchField }"}
COERCION = {"query": "query Q($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (SYNTAX, "GRAPHQL_PARSE_FAILED"),
        (VALIDATION, "GRAPHQL_VALIDATION_FAILED"),
        (COERCION, "BAD_USER_INPUT"),
    ],
)
async def test_graphql_response_json_makes_request_errors_400s_without_data(
    client: GraphQLClient, body: dict[str, Any], code: str
) -> None:
    strict = await _post(client, body, APOLLO_ACCEPT)
    _is_request_error(strict, 400, code)
    assert strict.headers["content-type"] == f"{RESPONSE_JSON}; charset=utf-8"
    legacy = await _post(client, body, "application/json")
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
    assert legacy.json()["data"] is None
    assert error_codes(legacy.json()) == [code]


async def test_a_successful_answer_takes_the_accepted_media_type(client: GraphQLClient) -> None:
    for accept, media in [
        (RESPONSE_JSON, RESPONSE_JSON),
        (APOLLO_ACCEPT, RESPONSE_JSON),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
    ]:
        response = await _post(client, {"query": "{ __typename }"}, accept)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_field_error_keeps_its_data_and_a_200(
    client: GraphQLClient, logs: pytest.LogCaptureFixture
) -> None:
    """Not signed in: the field refuses (it has a path), the request was fine."""
    response = await _post(client, {"query": "{ me { id } }"}, RESPONSE_JSON)
    assert response.status_code == 200
    body = response.json()
    assert "data" in body
    assert all(error.get("path") for error in body["errors"])


def test_the_accept_header_is_negotiated() -> None:
    assert response_media_type(None) == "application/json"
    assert response_media_type("*/*") == "application/json"
    assert response_media_type("application/json, multipart/mixed") == "application/json"
    assert response_media_type(APOLLO_ACCEPT) == RESPONSE_JSON
    assert response_media_type(f"application/json, {RESPONSE_JSON};q=0.5") == "application/json"
    assert response_media_type(f"{RESPONSE_JSON};q=0") == "application/json"
