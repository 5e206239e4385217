"""Observability: one JSON log line per operation, Prometheus metrics, request ids,
security headers and CORS."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from core.logs import RequestIdFilter, json_formatter, log_format, logging_config
from core.metrics import active_subscription, exposition
from core.settings import Settings
from resolvers import geography
from resolvers.context import RequestContext
from server.app import create_app
from tests.conftest import GraphQLClient
from tests.factories import World

PASSWORD = "hunter2-correct-horse"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """The test's log records, from INFO up."""
    caplog.set_level(logging.INFO)
    return caplog


def _operations(logs: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in logs.records if record.name == "gridline.request"]


def _as_json(record: logging.LogRecord) -> dict[str, Any]:
    RequestIdFilter().filter(record)
    line: dict[str, Any] = json.loads(json_formatter().format(record))
    return line


async def _post(
    client: GraphQLClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    request_id: str | None = None,
) -> httpx.Response:
    headers = {"x-request-id": request_id} if request_id else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await client.http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def test_an_ok_operation_logs_one_json_line(
    client: GraphQLClient, world: World, logs: pytest.LogCaptureFixture
) -> None:
    response = await _post(
        client,
        "query Geography { states { id clusters { id } } }",
        token=world.token("admin"),
        request_id="support-ref-42",
    )
    assert response.status_code == 200
    assert not response.json().get("errors")
    assert response.headers["x-request-id"] == "support-ref-42"
    [record] = _operations(logs)
    line = _as_json(record)
    assert line["level"] == "INFO"
    assert line["logger"] == "gridline.request"
    assert line["timestamp"].endswith("+00:00")
    assert line["request_id"] == "support-ref-42"
    assert line["user_id"] == world.users["admin"].id
    assert line["operation"] == "Geography"
    assert line["operation_type"] == "query"
    assert line["outcome"] == "ok"
    assert line["error_codes"] == []
    assert line["sql_statements"] >= 2  # the states, then their clusters in one batch
    assert 0 < line["duration_ms"] < 20_000


async def test_a_user_error_is_logged_by_code_without_variables(
    client: GraphQLClient, world: World, logs: pytest.LogCaptureFixture
) -> None:
    response = await client.document(
        "Login.graphql", {"login": "admin1@test.gridline", "password": PASSWORD}
    )
    assert [e["code"] for e in response["data"]["login"]["errors"]] == ["INVALID_CREDENTIALS"]
    [record] = _operations(logs)
    line = _as_json(record)
    assert (line["operation"], line["operation_type"]) == ("Login", "mutation")
    assert line["outcome"] == "user_error"
    assert line["error_codes"] == ["INVALID_CREDENTIALS"]
    assert line["user_id"] is None
    everything = "\n".join(json.dumps(_as_json(r), default=str) for r in logs.records)
    assert PASSWORD not in everything

    # A GraphQL error from a resolver (not signed in) is a user error too.
    await client.request("query Me { me { id } }")
    line = _as_json(_operations(logs)[-1])
    assert (line["outcome"], line["error_codes"]) == ("user_error", ["UNAUTHENTICATED"])


async def test_refused_documents_are_logged_as_refused(
    client: GraphQLClient,
    world: World,
    settings: Settings,
    logs: pytest.LogCaptureFixture,
) -> None:
    await client.request("query Broken { states { id ", token=world.token("admin"))
    # A password mistyped as a number: graphql-core's message quotes it; the log must not.
    await client.request(
        'mutation L($p: String!) { login(input: {login: "x", password: $p}) { accessToken } }',
        {"p": 8675309123},
    )
    aliases = " ".join(f"a{n}: me {{ id }}" for n in range(settings.max_aliases + 1))
    await client.request(f"query Wide {{ {aliases} }}", token=world.token("admin"))
    lines = [_as_json(record) for record in _operations(logs)]
    assert [line["outcome"] for line in lines] == ["refused", "refused", "refused"]
    assert lines[2]["error_codes"] == ["QUERY_TOO_COMPLEX"]
    assert lines[2]["operation"] == "Wide"
    assert all(line["sql_statements"] == 0 for line in lines)
    assert "8675309123" not in "\n".join(json.dumps(line) for line in lines)
    assert "8675309123" not in "\n".join(record.getMessage() for record in logs.records)


async def test_an_internal_error_is_logged_with_its_request_id(
    client: GraphQLClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    logs: pytest.LogCaptureFixture,
) -> None:
    async def broken(_: RequestContext) -> list[Any]:
        raise RuntimeError("the database driver said something odd")

    monkeypatch.setattr(geography, "list_states", broken)
    # A directive keeps the document off the compiled path, which does not call list_states.
    response = await _post(
        client, "query States { states @include(if: true) { id } }", token=world.token("tech1")
    )
    body = response.json()
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32  # generated: none was sent
    assert body["errors"][0]["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": request_id,
    }
    [trace] = [r for r in logs.records if r.name == "gridline.errors"]
    trace_line = _as_json(trace)
    assert trace_line["level"] == "ERROR"
    assert trace_line["request_id"] == request_id
    assert trace_line["graphql_path"] == "states"
    assert "RuntimeError" in trace_line["exc_info"]
    line = _as_json(_operations(logs)[0])
    assert line["request_id"] == request_id
    assert line["user_id"] == world.users["tech1"].id
    assert (line["outcome"], line["error_codes"]) == ("internal_error", ["INTERNAL_SERVER_ERROR"])


async def test_an_unacceptable_request_id_is_replaced(client: GraphQLClient) -> None:
    response = await _post(client, "{ __typename }", request_id="a b<script>" + "x" * 80)
    assert response.status_code == 200
    replaced = response.headers["x-request-id"]
    assert len(replaced) == 32
    assert all(c in "0123456789abcdef" for c in replaced)


def test_log_format_follows_the_environment(settings: Settings) -> None:
    assert log_format(settings) == "json"  # the test environment
    development = settings.model_copy(update={"environment": "development"})
    assert log_format(development) == "text"
    chosen = development.model_copy(update={"log_format": "json"})
    assert log_format(chosen) == "json"
    config = logging_config(chosen)
    assert config["formatters"]["default"] == {"()": "core.logs.json_formatter"}
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert config["loggers"][name]["propagate"] is True
        assert config["loggers"][name]["handlers"] == []


def _samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def _value(text: str, name: str, **labels: str) -> float:
    return _samples(text, name).get(tuple(sorted(labels.items())), 0.0)


async def _metrics(client: GraphQLClient) -> str:
    response = await client.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_count_operations_and_http_responses(
    client: GraphQLClient, world: World, settings: Settings
) -> None:
    ops = "gridline_graphql_operations_total"
    latency = "gridline_graphql_operation_duration_seconds_count"
    http = "gridline_http_requests_total"
    before = await _metrics(client)
    await client.request("query Plants { plants { totalCount } }", token=world.token("admin"))
    await client.request("query Plants { plants { totalCount } }", token=world.token("admin"))
    await client.request("query Plants { nope }", token=world.token("admin"))
    await client.http.post("/graphql", content=b"x" * (settings.max_request_bytes + 1))
    after = await _metrics(client)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert moved(ops, operation="Plants", type="query", outcome="ok") == 2
    assert moved(ops, operation="Plants", type="query", outcome="refused") == 1
    assert moved(latency, operation="Plants") == 3
    assert moved(http, method="POST", path="/graphql", status="200") == 3
    assert moved(http, method="POST", path="/graphql", status="413") == 1
    assert moved(http, method="GET", path="/metrics", status="200") == 1


async def test_metrics_show_the_pool_and_subscriptions(
    app: Starlette, client: GraphQLClient
) -> None:
    name = "gridline_db_pool_checked_out"
    pool = app.state.runtime.engine.sync_engine.pool

    def unexplained() -> float:
        # The gauge read with the pool's own count, in one step: the app's event feed may
        # take a connection at any await, and it moves both alike.
        return _value(exposition().decode(), name) - float(pool.checkedout())

    baseline = unexplained()
    async with app.state.runtime.sessions() as session:
        await session.execute(sa.text("SELECT 1"))
        assert pool.checkedout() >= 1
        assert unexplained() == baseline
    assert unexplained() == baseline
    pool_size = pool.size()
    assert _value(await _metrics(client), "gridline_db_pool_size") == pool_size

    active = "gridline_graphql_subscriptions_active"
    start = _value(await _metrics(client), active)
    with active_subscription(), active_subscription():
        assert _value(await _metrics(client), active) == start + 2
    assert _value(await _metrics(client), active) == start


@pytest.fixture
async def make_client(settings: Settings) -> AsyncIterator[Any]:
    """Clients of apps with other settings; their engines are disposed of afterwards."""
    apps: list[Starlette] = []
    clients: list[httpx.AsyncClient] = []

    def make(**changes: Any) -> httpx.AsyncClient:
        app = create_app(settings.model_copy(update=changes))
        apps.append(app)
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gridline.test"
        )
        clients.append(http)
        return http

    yield make
    for http in clients:
        await http.aclose()
    for app in apps:
        await app.state.runtime.engine.dispose()


async def test_metrics_can_be_disabled_or_need_a_token(make_client: Any) -> None:
    disabled = make_client(metrics_enabled=False)
    assert (await disabled.get("/metrics")).status_code == 404

    protected = make_client(metrics_token="scrape-me-please")
    refused = await protected.get("/metrics")
    assert refused.status_code == 401
    assert "gridline" not in refused.text
    wrong = await protected.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    allowed = await protected.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
    assert allowed.status_code == 200
    assert "gridline_http_requests_total" in allowed.text


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
}


def _assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)


async def test_every_response_has_the_security_headers(
    client: GraphQLClient, settings: Settings
) -> None:
    responses = [
        await client.http.post("/graphql", json={"query": "{ __typename }"}),
        await client.http.get("/healthz"),
        await client.http.get("/nowhere"),
        await client.http.post("/graphql", content=b"x" * (settings.max_request_bytes + 1)),
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 413]
    for response in responses:
        _assert_security_headers(response)
        assert "strict-transport-security" not in response.headers
    # GraphiQL still renders: the headers forbid framing, not its inline script.
    page = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    _assert_security_headers(page)
    assert "script-src" not in page.headers["content-security-policy"]


async def test_https_deployments_send_hsts(make_client: Any) -> None:
    http = make_client(https_only=True)
    response = await http.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    _assert_security_headers(response)


async def test_cors_preflight_allows_only_configured_origins(make_client: Any) -> None:
    http = make_client(cors_origins=["https://dashboard.example.org"])
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = await http.options(
        "/graphql", headers={"Origin": "https://dashboard.example.org", **preflight}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://dashboard.example.org"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()

    other = await http.options("/graphql", headers={"Origin": "https://evil.example", **preflight})
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers

    # An actual request from the allowed origin may read the request id.
    response = await http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Origin": "https://dashboard.example.org"},
    )
    assert response.headers["access-control-allow-origin"] == "https://dashboard.example.org"
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


APOLLO_HEADERS = "apollographql-client-name, apollographql-client-version, apollo-require-preflight"


async def test_cors_lets_apollo_client_send_its_headers(make_client: Any) -> None:
    origin = "https://dashboard.example.org"
    preflight = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": f"authorization, content-type, {APOLLO_HEADERS}",
    }
    http = make_client(cors_origins=[origin])
    allowed = await http.options("/graphql", headers=preflight)
    assert allowed.status_code == 200
    granted = {h.strip() for h in allowed.headers["access-control-allow-headers"].split(",")}
    assert {h.strip() for h in APOLLO_HEADERS.split(",")} <= granted
    # Configurable: a deployment may narrow the list, and then the preflight fails.
    narrow = make_client(cors_origins=[origin], cors_client_headers=["apollographql-client-name"])
    assert (await narrow.options("/graphql", headers=preflight)).status_code == 400
    named = {**preflight, "Access-Control-Request-Headers": "apollographql-client-name"}
    assert (await narrow.options("/graphql", headers=named)).status_code == 200


def test_cors_client_headers_read_their_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDLINE_CORS_CLIENT_HEADERS", "x-app-version, apollo-require-preflight")
    assert Settings().cors_client_headers == ["x-app-version", "apollo-require-preflight"]
    monkeypatch.delenv("GRIDLINE_CORS_CLIENT_HEADERS")
    assert "apollographql-client-name" in Settings().cors_client_headers


async def test_a_document_refused_before_the_schema_is_logged(
    make_client: Any, logs: pytest.LogCaptureFixture
) -> None:
    http = make_client(trusted_documents_only=True)
    response = await http.post(
        "/graphql", json={"query": "query Probe { states { id } }", "operationName": "Probe"}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT"
    [record] = _operations(logs)
    line = _as_json(record)
    assert (line["operation"], line["outcome"]) == ("Probe", "refused")
    assert line["error_codes"] == ["UNTRUSTED_DOCUMENT"]
    assert line["request_id"] == response.headers["x-request-id"]
