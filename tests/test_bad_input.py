"""Bad input gets a clear error, never a server error or a stack trace."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from resolvers import geography
from schema.relay import encode_id
from tests.conftest import GraphQLClient, error_codes
from tests.factories import World

NODE = "query($id: ID!) { node(id: $id) { id } }"


@pytest.mark.parametrize(
    "bad_id",
    [
        "",
        "not-base64!!",
        "UGxhbnQ=",
        *(base64.b64encode(raw).decode() for raw in (b"Plant:", b"Plant:abc", b"Plant:-1")),
        base64.b64encode(b"Plant:1" + b"0" * 30).decode(),
        "x" * 500,
    ],
)
async def test_malformed_global_ids_are_validation_errors(
    client: GraphQLClient, world: World, bad_id: str
) -> None:
    body = await client.request(NODE, {"id": bad_id}, token=world.token("admin"))
    assert error_codes(body) == ["VALIDATION"], body


@pytest.mark.parametrize("raw", ["Nonsense:1", "Plant:99999999", "Consumer:0"])
async def test_well_formed_ids_of_nothing_are_null(
    client: GraphQLClient, world: World, raw: str
) -> None:
    global_id = base64.b64encode(raw.encode()).decode()
    data = await client.data(NODE, {"id": global_id}, token=world.token("admin"))
    assert data["node"] is None


async def test_an_id_of_the_wrong_type_in_a_filter(client: GraphQLClient, world: World) -> None:
    consumer_id = encode_id("Consumer", world.plant_consumers(0)[0].id or 0)
    body = await client.request(
        "query($f: ConsumerFilter) { consumers(filter: $f) { edges { node { id } } } }",
        {"f": {"plantIds": [consumer_id]}},
        token=world.token("admin"),
    )
    assert error_codes(body) == ["VALIDATION"]
    assert body["errors"][0]["extensions"]["field"] == ["filter", "plantIds"]
    assert "Plant" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "query($f: ConsumerFilter) { consumers(filter: $f) { totalCount } }",
            {"f": {"status": "SLEEPING"}},
        ),
        ("query($n: Int) { consumers(first: $n) { totalCount } }", {"n": "ten"}),
        ("query($n: Int) { consumers(first: $n) { totalCount } }", {"n": 2**40}),
        ("{ consumers { nosuchfield } }", None),
        ("{ consumers(", None),
    ],
)
async def test_malformed_documents_and_variables(
    client: GraphQLClient, world: World, query: str, variables: dict[str, Any] | None
) -> None:
    body = await client.request(query, variables, token=world.token("admin"))
    assert body.get("errors"), body
    assert body.get("data") is None
    assert "Traceback" not in str(body)


async def test_too_many_nodes(client: GraphQLClient, world: World) -> None:
    ids = [encode_id("Plant", n) for n in range(101)]
    body = await client.request(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, token=world.token("admin")
    )
    assert error_codes(body) == ["VALIDATION"]


async def test_queries_deeper_than_the_limit_are_refused(
    client: GraphQLClient, world: World
) -> None:
    nested = "id"
    for _ in range(8):
        nested = f"plants {{ cluster {{ {nested} }} }}"
    body = await client.request(
        f"{{ states {{ clusters {{ {nested} }} }} }}", token=world.token("admin")
    )
    assert body.get("errors")
    assert "depth" in body["errors"][0]["message"]


async def test_unexpected_errors_are_masked_with_a_reference(
    client: GraphQLClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("SELECT secret FROM database -- internal detail")

    monkeypatch.setattr(geography, "list_states", broken)
    response = await client.http.post(
        "/graphql",
        # A directive keeps the document off the compiled path, which does not call it.
        json={"query": "{ states @include(if: true) { id } }"},
        headers={"Authorization": f"Bearer {world.token('admin')}", "X-Request-Id": "req-123"},
    )
    body = response.json()
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert body["errors"][0]["extensions"]["requestId"] == "req-123"
    assert "secret" not in response.text and "RuntimeError" not in response.text
