"""Automatic persisted queries as Apollo defines them (#17): a hash-only miss answers
PERSISTED_QUERY_NOT_FOUND, the retry with the text is checked against the hash and stored
in the database, where another worker finds it; the store is bounded (least recently used
go first), and trusted-only mode stores nothing."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette

from core.settings import Settings
from models.persisted_queries import PersistedQuery
from server.app import create_app
from tests.conftest import error_codes
from tests.factories import World


def _document(label: str | None = None) -> str:
    """A document no other test sends (its alias is unique)."""
    return f"query Probe {{ {label or 'p' + uuid.uuid4().hex[:12]}: __typename }}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _apq(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


@pytest.fixture
async def workers(settings: Settings, engine: Any) -> AsyncIterator[Any]:
    """``workers(n, **settings)``: n apps (as n worker processes) on the test database."""
    apps: list[Starlette] = []
    clients: list[httpx.AsyncClient] = []

    def make(count: int = 1, **changes: Any) -> list[httpx.AsyncClient]:
        made = []
        for _ in range(count):
            app = create_app(settings.model_copy(update=changes))
            apps.append(app)
            http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gridline.test"
            )
            clients.append(http)
            made.append(http)
        return made

    yield make
    for http in clients:
        await http.aclose()
    for app in apps:
        await app.state.runtime.engine.dispose()


async def _by_hash(http: httpx.AsyncClient, digest: str, token: str) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"extensions": _apq(digest)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def _with_text(
    http: httpx.AsyncClient, text: str, digest: str, token: str, accept: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if accept:
        headers["accept"] = accept
    return await http.post(
        "/graphql", json={"query": text, "extensions": _apq(digest)}, headers=headers
    )


async def _stored(db: Any) -> dict[str, str]:
    async with db() as session:
        table = PersistedQuery.__table__  # type: ignore[attr-defined]
        rows = await session.execute(sa.select(table.c.sha256, table.c.document))
        return {str(sha): str(text) for sha, text in rows.all()}


async def test_a_miss_then_the_text_stores_it_for_every_worker(
    workers: Any, world: World, db: Any
) -> None:
    first, second = workers(2)
    token = world.token("tech1")
    text = _document()
    digest = _sha256(text)
    miss = await _by_hash(first, digest, token)
    assert error_codes(miss) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert miss["errors"][0]["message"] == "PersistedQueryNotFound"  # what Apollo matches

    retry = await _with_text(first, text, digest, token)
    assert retry.status_code == 200
    assert "errors" not in retry.json()
    assert (await _stored(db)) == {digest: text}

    # Another worker (another device) pays no miss: the database has it.
    hit = await _by_hash(second, digest, token)
    assert "errors" not in hit
    assert list(hit["data"].values()) == ["Query"]
    again = await _by_hash(first, digest, token)
    assert again == hit


async def test_the_miss_follows_the_accepted_media_type(workers: Any, world: World) -> None:
    """Apollo Client 4 accepts application/graphql-response+json: the miss is then a 400
    request error, which its persisted-query link reads as GraphQL errors and retries."""
    [http] = workers()
    response = await http.post(
        "/graphql",
        json={"extensions": _apq(_sha256(_document()))},
        headers={"accept": "application/graphql-response+json,application/json;q=0.9"},
    )
    assert response.status_code == 400
    assert error_codes(response.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert "data" not in response.json()


async def test_a_text_that_does_not_match_its_hash_is_refused_and_not_stored(
    workers: Any, world: World, db: Any
) -> None:
    [http] = workers()
    token = world.token("tech1")
    text, other = _document(), _document()
    response = await _with_text(http, text, _sha256(other), token)
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    assert "data" not in response.json() or response.json()["data"] is None
    assert await _stored(db) == {}
    assert error_codes(await _by_hash(http, _sha256(other), token)) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_a_document_refused_before_execution_is_not_stored(
    workers: Any, world: World, db: Any
) -> None:
    [http] = workers()
    token = world.token("tech1")
    for invalid in ("query Broken { noSuchField }", "query Broken {"):
        response = await _with_text(http, invalid, _sha256(invalid), token)
        assert response.json()["errors"]
    assert await _stored(db) == {}


async def test_the_store_keeps_the_most_recently_used(workers: Any, world: World, db: Any) -> None:
    writer, reader = workers(2, persisted_queries_limit=2)
    token = world.token("tech1")
    a, b, c = _document("a"), _document("b"), _document("c")
    for text in (a, b):
        assert (await _with_text(writer, text, _sha256(text), token)).status_code == 200
    # `a` used again (through a worker that has not seen it: the database is told).
    assert "errors" not in await _by_hash(reader, _sha256(a), token)
    assert (await _with_text(writer, c, _sha256(c), token)).status_code == 200
    assert set(await _stored(db)) == {_sha256(a), _sha256(c)}  # `b` went: least recent
    assert writer is not reader


async def test_trusted_only_mode_stores_nothing(workers: Any, world: World, db: Any) -> None:
    [http] = workers(trusted_documents_only=True)
    token = world.token("tech1")
    text = _document()
    miss = await _by_hash(http, _sha256(text), token)
    assert error_codes(miss) == ["PERSISTED_QUERY_NOT_FOUND"]
    refused = await _with_text(http, text, _sha256(text), token)
    assert error_codes(refused.json()) == ["UNTRUSTED_DOCUMENT"]
    assert await _stored(db) == {}


async def test_automatic_persisted_queries_can_be_turned_off(
    workers: Any, world: World, db: Any
) -> None:
    [http] = workers(persisted_queries_enabled=False)
    token = world.token("tech1")
    text = _document()
    response = await _with_text(http, text, _sha256(text), token)
    assert "errors" not in response.json()  # runs, with its hash checked
    assert await _stored(db) == {}
    assert error_codes(await _by_hash(http, _sha256(text), token)) == ["PERSISTED_QUERY_NOT_FOUND"]
