"""Trusted documents: the manifest, Apollo persisted queries, trusted-only mode,
introspection and GraphiQL switched off."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2 as httpx
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.settings import Settings
from server.app import create_app
from server.trusted_documents import load_manifest
from tests.conftest import QUERIES_DIR, GraphQLClient, error_codes
from tests.factories import World

ME = (QUERIES_DIR / "Me.graphql").read_text()
ME_HASH = hashlib.sha256(ME.encode()).hexdigest()
AD_HOC = "query AdHoc { me { id name } }"
INTROSPECTION = "{ __schema { types { name } } }"


def _persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


async def _post(http: httpx.AsyncClient, body: dict[str, Any], token: str | None) -> Any:
    response = await http.post("/graphql", json=body, headers=_auth(token))
    assert response.status_code == 200, response.text
    return response.json()


@asynccontextmanager
async def _http_for(settings: Settings, **update: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An app built with different settings, over HTTP; its engine is disposed after."""
    application: Starlette = create_app(settings.model_copy(update=update))
    try:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://gridline.test") as h:
            yield h
    finally:
        await application.state.runtime.engine.dispose()


def test_every_document_is_in_the_manifest_by_its_sha256() -> None:
    manifest = load_manifest(QUERIES_DIR)
    files = sorted(QUERIES_DIR.glob("*.graphql"))
    assert len(manifest) == len(files)
    for path in files:
        text = path.read_text()
        assert manifest[hashlib.sha256(text.encode()).hexdigest()] == text


async def test_query_by_hash_returns_what_the_text_returns(
    client: GraphQLClient, world: World
) -> None:
    token = world.token("csa1")
    by_text = await client.data(ME, token=token)
    by_hash = await _post(client.http, {"extensions": _persisted(ME_HASH)}, token)
    assert not by_hash.get("errors"), by_hash
    assert by_hash["data"] == by_text
    assert by_text["me"]["name"]
    both = await _post(client.http, {"query": ME, "extensions": _persisted(ME_HASH)}, token)
    assert both["data"] == by_text


async def test_get_by_hash(client: GraphQLClient, world: World) -> None:
    response = await client.http.get(
        "/graphql",
        params={"extensions": json.dumps(_persisted(ME_HASH)), "operationName": "Me"},
        headers=_auth(world.token("csa1")),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    assert body["data"]["me"]["name"]


async def test_unknown_hash_is_persisted_query_not_found(client: GraphQLClient) -> None:
    body = await _post(client.http, {"extensions": _persisted("0" * 64)}, None)
    assert error_codes(body) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_hash_that_does_not_match_the_query_is_a_bad_request(
    client: GraphQLClient, world: World
) -> None:
    body = await _post(
        client.http, {"query": AD_HOC, "extensions": _persisted(ME_HASH)}, world.token("csa1")
    )
    assert error_codes(body) == ["BAD_REQUEST"]
    assert body.get("data") is None


async def test_trusted_documents_only(settings: Settings, world: World) -> None:
    csa, admin = world.token("csa1"), world.token("admin")
    async with _http_for(settings, trusted_documents_only=True) as http:
        by_text = await _post(http, {"query": ME}, csa)
        assert not by_text.get("errors"), by_text
        by_hash = await _post(http, {"extensions": _persisted(ME_HASH)}, csa)
        assert by_hash["data"] == by_text["data"]

        refused = await _post(http, {"query": AD_HOC}, csa)
        assert error_codes(refused) == ["UNTRUSTED_DOCUMENT"]
        assert refused.get("data") is None
        anonymous = await _post(http, {"query": AD_HOC}, None)
        assert error_codes(anonymous) == ["UNTRUSTED_DOCUMENT"]

        from_admin = await _post(http, {"query": AD_HOC}, admin)
        assert not from_admin.get("errors"), from_admin
        assert from_admin["data"]["me"]["id"]


async def test_introspection_disabled(settings: Settings, world: World) -> None:
    async with _http_for(settings, introspection_enabled=False) as http:
        refused = await _post(http, {"query": INTROSPECTION}, world.token("csa1"))
        assert error_codes(refused) == ["INTROSPECTION_DISABLED"]
        by_fragment = await _post(
            http,
            {"query": 'query Q { ...F } fragment F on Query { __type(name: "Query") { name } }'},
            world.token("csa1"),
        )
        assert error_codes(by_fragment) == ["INTROSPECTION_DISABLED"]
        typename = await _post(http, {"query": "{ __typename }"}, world.token("csa1"))
        assert typename["data"] == {"__typename": "Query"}

        allowed = await _post(http, {"query": INTROSPECTION}, world.token("admin"))
        assert not allowed.get("errors"), allowed
        assert allowed["data"]["__schema"]["types"]


async def test_introspection_enabled_by_default(client: GraphQLClient, world: World) -> None:
    data = await client.data(INTROSPECTION, token=world.token("csa1"))
    assert data["__schema"]["types"]


async def _ide(http: httpx.AsyncClient) -> httpx.Response:
    return await http.get("/graphql", headers={"Accept": "text/html"})


def _is_ide(response: httpx.Response) -> bool:
    is_html = "text/html" in response.headers.get("content-type", "")
    return response.status_code == 200 and is_html and "graphiql" in response.text.lower()


async def test_graphiql_served_by_default_and_not_when_disabled(
    client: GraphQLClient, settings: Settings
) -> None:
    assert _is_ide(await _ide(client.http))
    async with _http_for(settings, graphiql_enabled=False) as http:
        response = await _ide(http)
        assert not _is_ide(response)
        assert response.status_code == 404
        assert (await http.get("/graphiql/graphiql-3.8.3.min.js")).status_code == 404


def _over_websocket(app: Starlette, token: str, query: str) -> dict[str, Any]:
    """One operation over graphql-transport-ws; the first message answering it."""
    with (
        TestClient(app) as http,
        http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        message: dict[str, Any] = ws.receive_json()
        return message


def test_websocket_operations_follow_the_same_rules(settings: Settings, world: World) -> None:
    # TestClient runs the app in its own event loop: give it an app (and engine) of its own.
    app = create_app(
        settings.model_copy(update={"trusted_documents_only": True, "introspection_enabled": False})
    )
    csa, admin = world.token("csa1"), world.token("admin")
    refused = _over_websocket(app, csa, AD_HOC)
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT"
    trusted = _over_websocket(app, csa, ME)
    assert trusted["type"] == "next", trusted
    assert trusted["payload"]["data"]["me"]["name"]
    from_admin = _over_websocket(app, admin, AD_HOC)
    assert from_admin["type"] == "next", from_admin
    assert from_admin["payload"]["data"]["me"]["id"]
