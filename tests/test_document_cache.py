"""Parsed and validated documents are remembered; the limits that read variables are not."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.schema.schema import validate_document

import schema.execution.document_cache
from schema.execution.document_cache import DocumentCache, KnownDocument
from tests.conftest import GraphQLClient, error_codes
from tests.factories import World

PLANTS = """query Plants($first: Int, $inner: Int) { plants(first: $first) { edges { node {
  consumers(first: $inner) { edges { node { id plant { id } } } }
} } } }"""


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the runs of the standard validation rules."""
    calls: list[int] = []
    real = validate_document

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(schema.execution.document_cache, "validate_document", counting)
    return calls


async def test_a_document_is_validated_once(
    client: GraphQLClient, world: World, validations: list[int]
) -> None:
    # Text no other test sends; its directive keeps it on the standard path (the compiled
    # path keeps its own documents).
    query = "{ me @include(if: true) { id name } } # " + str(id(validations))
    first = await client.data(query, token=world.token("csa1"))
    runs_after_first = len(validations)
    assert runs_after_first > 0
    second = await client.data(query, token=world.token("cluster1"))
    assert len(validations) == runs_after_first
    assert first["me"]["id"] != second["me"]["id"]  # executed for each caller


async def test_a_remembered_document_still_gets_its_cost_checked_with_new_variables(
    client: GraphQLClient, world: World
) -> None:
    token = world.token("admin")
    cheap = await client.request(PLANTS, {"first": 2, "inner": 2}, token=token)
    assert not cheap.get("errors"), cheap
    costly = await client.request(PLANTS, {"first": 100, "inner": 100}, token=token)
    assert error_codes(costly) == ["QUERY_TOO_COSTLY"]
    assert costly.get("data") is None


async def test_a_refused_document_stays_refused(client: GraphQLClient, world: World) -> None:
    for _ in range(2):
        body = await client.request("{ me { id noSuchField } }", token=world.token("csa1"))
        assert body.get("data") is None
        assert "noSuchField" in body["errors"][0]["message"]


def test_the_cache_keeps_the_most_recently_used() -> None:
    cache = DocumentCache(size=2)
    entries = {name: KnownDocument(document=object()) for name in "abc"}  # type: ignore[arg-type]
    cache.put((1, 1, "a"), entries["a"])
    cache.put((1, 1, "b"), entries["b"])
    assert cache.get((1, 1, "a")) is entries["a"]  # a is now the most recent
    cache.put((1, 1, "c"), entries["c"])
    assert cache.get((1, 1, "b")) is None
    assert cache.get((1, 1, "a")) is entries["a"]
    assert len(cache) == 2
