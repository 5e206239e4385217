"""Query limits: aliases, tokens, estimated cost, input lists, body size, time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from graphql import parse
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import Settings
from resolvers import geography
from resolvers.context import RequestContext
from schema import schema
from schema.execution.limits import ASSUMED_LIST_SIZE, estimate_cost
from schema.relay import encode_id
from server.app import create_app
from tests.conftest import QUERIES_DIR, GraphQLClient, error_codes
from tests.factories import World

# Consumer fields selected by the costly document below: id (1) + plant { id } (2).
INNER_FIELDS_COST = 3
COSTLY = """{ plants(first: 100) { edges { node {
  consumers(first: 100) { edges { node { id plant { id } } } }
} } } }"""
# plants = 1 + 100 * (edges 1 + node 1 + consumers (1 + 100 * (edges 1 + node 1 + inner)))
COSTLY_COST = 1 + 100 * (1 + 1 + (1 + 100 * (1 + 1 + INNER_FIELDS_COST)))


def _no_traceback(body: Any) -> None:
    assert "Traceback" not in str(body)


def _too_complex(body: dict[str, Any], limit: str, maximum: int) -> None:
    assert body.get("data") is None
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
    extensions = body["errors"][0]["extensions"]
    assert (extensions["limit"], extensions["max"]) == (limit, maximum)
    _no_traceback(body)


async def test_too_many_aliases(client: GraphQLClient, world: World, settings: Settings) -> None:
    fields = " ".join(f"a{n}: me {{ id }}" for n in range(settings.max_aliases + 1))
    body = await client.request(f"{{ {fields} }}", token=world.token("admin"))
    assert "aliases" in body["errors"][0]["message"]
    _too_complex(body, "aliases", settings.max_aliases)


async def test_too_many_tokens(client: GraphQLClient, world: World, settings: Settings) -> None:
    fields = " ".join("__typename" for _ in range(settings.max_tokens + 1))
    body = await client.request(f"{{ {fields} }}", token=world.token("admin"))
    assert "token" in body["errors"][0]["message"].lower()
    _too_complex(body, "tokens", settings.max_tokens)


async def test_a_plain_syntax_error_is_not_called_too_complex(client: GraphQLClient) -> None:
    body = await client.request("{ states { id ")
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]


def _nested(depth: int) -> str:
    """``{ states { clusters { state ... { id } } } }``: ``id`` at ``depth`` (states at 0)."""
    names = ["states", *(["clusters", "state"] * depth)][:depth]
    return "{ " + " { ".join(names) + " { id" + " }" * len(names) + " }"


async def test_too_deep(client: GraphQLClient, world: World, settings: Settings) -> None:
    admin = world.token("admin")
    # At the limit, the depth passes (the cost of so many nested lists does not).
    at_limit = await client.request(_nested(settings.max_query_depth), token=admin)
    assert error_codes(at_limit) == ["QUERY_TOO_COSTLY"]
    body = await client.request(_nested(settings.max_query_depth + 1), token=admin)
    assert "depth" in body["errors"][0]["message"]
    _too_complex(body, "depth", settings.max_query_depth)


async def test_an_app_applies_the_limits_of_its_own_settings(
    client: GraphQLClient, settings: Settings, world: World
) -> None:
    strict = settings.model_copy(update={"max_aliases": 1, "max_query_depth": 3})
    app = create_app(strict)
    query = "{ a: states { id } b: states { id } }"
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gridline.test") as http:
            strict_client = GraphQLClient(http)
            body = await strict_client.request(query, token=world.token("admin"))
            _too_complex(body, "aliases", 1)
            assert "states" in await strict_client.data(_nested(3), token=world.token("admin"))
            body = await strict_client.request(_nested(4), token=world.token("admin"))
            _too_complex(body, "depth", 3)
    finally:
        await app.state.runtime.engine.dispose()
    # The process's own settings (the session app) still allow both.
    assert "a" in await client.data(query, token=world.token("admin"))
    assert "states" in await client.data(_nested(4), token=world.token("admin"))


async def test_a_costly_nested_connection_is_refused(
    client: GraphQLClient, world: World, settings: Settings
) -> None:
    assert settings.max_query_cost < COSTLY_COST
    assert estimate_cost(schema._schema, parse(COSTLY), {}, settings) == COSTLY_COST
    body = await client.request(COSTLY, token=world.token("admin"))
    assert body.get("data") is None
    assert error_codes(body) == ["QUERY_TOO_COSTLY"]
    error = body["errors"][0]
    assert str(COSTLY_COST) in error["message"]
    assert str(settings.max_query_cost) in error["message"]
    assert error["extensions"]["cost"] == COSTLY_COST
    assert error["extensions"]["maxCost"] == settings.max_query_cost
    _no_traceback(body)


async def test_page_size_from_a_variable_counts(
    client: GraphQLClient, world: World, settings: Settings
) -> None:
    query = COSTLY.replace("plants(first: 100)", "plants(first: $n)").replace(
        "{ plants", "query($n: Int) { plants", 1
    )
    body = await client.request(query, {"n": 100}, token=world.token("admin"))
    assert error_codes(body) == ["QUERY_TOO_COSTLY"]
    # With a small page, the same document is cheap enough to run.
    data = await client.data(query, {"n": 1}, token=world.token("admin"))
    assert "plants" in data


async def test_fragments_are_counted(settings: Settings) -> None:
    document = parse("{ states { ...S } } fragment S on State { id clusters { id } }")
    # states (list) = 1 + 20 * (id 1 + clusters (1 + 20 * 1))
    expected = 1 + ASSUMED_LIST_SIZE * (1 + 1 + ASSUMED_LIST_SIZE * 1)
    assert estimate_cost(schema._schema, document, {}, settings) == expected


async def test_a_cheap_query_passes(client: GraphQLClient, world: World) -> None:
    data = await client.data(
        "{ plants(first: 10) { edges { node { id consumers(first: 5) { totalCount } } } } }",
        token=world.token("admin"),
    )
    assert data["plants"]["edges"]


def test_every_document_in_queries_is_under_the_default_limit(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    default = Settings()
    costs: dict[str, int] = {}
    for path in sorted(QUERIES_DIR.glob("*.graphql")):
        document = parse(path.read_text())
        variables = {"first": 100} if "$first" in path.read_text() else {}
        costs[path.name] = estimate_cost(schema._schema, document, variables, settings)
    assert costs
    over = {name: cost for name, cost in costs.items() if cost > default.max_query_cost}
    assert not over, over
    assert capsys.readouterr() == ("", "")


async def test_nodes_with_too_many_ids(client: GraphQLClient, world: World) -> None:
    ids = [encode_id("Plant", n) for n in range(101)]
    literal = ", ".join(f'"{global_id}"' for global_id in ids)
    body = await client.request(
        f"{{ nodes(ids: [{literal}]) {{ id }} }}", token=world.token("admin")
    )
    assert error_codes(body) == ["VALIDATION"]
    assert "ids" in body["errors"][0]["message"]
    _no_traceback(body)


async def test_an_input_list_inside_an_input_object_is_limited(
    client: GraphQLClient, world: World, settings: Settings
) -> None:
    plant_ids = [encode_id("Plant", n + 1) for n in range(settings.max_input_list_length + 1)]
    body = await client.request(
        "query($f: ConsumerFilter) { consumers(filter: $f) { totalCount } }",
        {"f": {"plantIds": plant_ids}},
        token=world.token("admin"),
    )
    assert error_codes(body) == ["VALIDATION"]
    assert "filter.plantIds" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["field"] == ["filter", "plantIds"]
    _no_traceback(body)


async def test_a_body_too_large_is_413(client: GraphQLClient, settings: Settings) -> None:
    padding = " " * (settings.max_request_bytes + 1)
    response = await client.http.post("/graphql", json={"query": "{ __typename }" + padding})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    _no_traceback(response.text)


async def test_a_streamed_body_too_large_is_413(client: GraphQLClient, settings: Settings) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "x": "'
        for _ in range(settings.max_request_bytes // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    response = await client.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_slow_request_times_out_without_leaking_connections(
    settings: Settings, engine: AsyncEngine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow(ctx: RequestContext) -> list[Any]:
        async with ctx.sessions() as session:
            await session.execute(sa.text("SELECT 1"))
            await asyncio.sleep(5)
        return []

    monkeypatch.setattr(geography, "list_states", slow)
    app = create_app(settings.model_copy(update={"request_timeout_seconds": 0.05}))
    # (A directive keeps the document on the standard path, where list_states runs.)
    pool = app.state.runtime.engine.pool
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gridline.test") as http:
            response = await http.post(
                "/graphql",
                json={"query": "{ states @include(if: true) { id } }"},
                headers={"Authorization": f"Bearer {world.token('admin')}"},
            )
        assert response.status_code == 503
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"
        _no_traceback(body)
        await asyncio.sleep(0.05)
        assert pool.checkedout() == 0
    finally:
        await app.state.runtime.engine.dispose()
