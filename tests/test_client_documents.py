"""Trusted documents as clients send them (#17): Gridline computes the text and hash
Apollo Client 4, urql and GraphQL Codegen send for a document, checked against what the
real clients sent for the documents of queries/ (tests/fixtures/client_documents.json,
made by tools/clients/fixture.mjs: each sample's source and what each client sent), writes
their manifests, and in trusted-only mode accepts the documents of queries/ exactly as
those clients send them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from core.settings import Settings
from server.app import create_app
from server.client_documents import apollo_text, codegen_text, sha256, urql_text
from server.manifests import apollo_manifest, codegen_manifest
from server.manifests import operations as _operations_of
from server.trusted_documents import QUERIES_DIR, TrustedDocuments
from tests.conftest import error_codes
from tests.factories import World
from tests.realtime.ws import connected, nothing_more

FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "client_documents.json").read_text(encoding="utf-8")
)
RECORDED: dict[str, Any] = FIXTURE["documents"]
REFUSED = {"UNTRUSTED_DOCUMENT", "PERSISTED_QUERY_NOT_FOUND", "BAD_REQUEST"}


def _files() -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8") for p in sorted(QUERIES_DIR.glob("*.graphql"))}


def test_the_fixture_holds_real_samples() -> None:
    assert len(RECORDED) >= 40
    assert FIXTURE["clients"]["@apollo/client"].startswith("4.")
    current = _files()
    # Most samples are the documents of queries/ as they are (a document edited since
    # the fixture was made is still a sample of the clients' rules).
    assert sum(current.get(file) == r["source"] for file, r in RECORDED.items()) >= 40


@pytest.mark.parametrize("file", sorted(RECORDED))
def test_the_texts_and_hashes_are_the_clients_own(file: str) -> None:
    recorded = RECORDED[file]
    text = recorded["source"]
    apollo = recorded["apollo"]
    assert apollo_text(text) == apollo["body"]
    if apollo["sha256"] is not None:  # subscriptions go by websocket, without a hash
        assert sha256(apollo_text(text)) == apollo["sha256"]
    assert apollo_text(text) == recorded["apolloManifest"]["body"]
    assert sha256(apollo_text(text)) == recorded["apolloManifest"]["id"]
    if recorded["urql"] is not None:
        assert urql_text(text) == recorded["urql"]["body"]
        if recorded["urql"]["sha256"] is not None:
            assert sha256(urql_text(text)) == recorded["urql"]["sha256"]
    assert codegen_text(text) == recorded["codegen"]["body"]
    assert f"sha256:{sha256(codegen_text(text))}" == recorded["codegen"]["id"]


def test_every_client_hash_is_trusted() -> None:
    trusted = TrustedDocuments.load()
    for text in _files().values():
        for form in (apollo_text(text), urql_text(text), codegen_text(text)):
            assert trusted.by_hash[sha256(form)] == form
    for file, recorded in RECORDED.items():
        if _files().get(file) != recorded["source"]:
            continue
        assert trusted.by_hash[recorded["apolloManifest"]["id"]] == recorded["apollo"]["body"]
        codegen_hash = recorded["codegen"]["id"].removeprefix("sha256:")
        assert trusted.by_hash[codegen_hash] == recorded["codegen"]["body"]
    assert len(trusted.files) == len(_files())
    assert sorted(trusted.by_name()) == sorted(name.removesuffix(".graphql") for name in _files())


def _run_documents(*arguments: str) -> Any:
    output = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "server.cli", "documents", *arguments],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    ).stdout
    return json.loads(output)


def test_the_apollo_manifest_is_the_one_apollos_generator_writes() -> None:
    manifest = _run_documents("--format", "apollo")
    assert manifest == apollo_manifest(TrustedDocuments.load())
    assert manifest["format"] == "apollo-persisted-query-manifest"
    assert manifest["version"] == 1
    written = {operation["name"]: operation for operation in manifest["operations"]}
    assert len(written) == len(_files())
    for file, recorded in RECORDED.items():
        if _files().get(file) == recorded["source"]:  # as the generator wrote it
            expected = {"name": file.removesuffix(".graphql"), **recorded["apolloManifest"]}
            assert written[expected["name"]] == expected


def test_the_codegen_manifest_is_the_one_the_client_preset_writes() -> None:
    manifest = _run_documents("--format", "codegen")
    assert manifest == codegen_manifest(TrustedDocuments.load())
    assert len(manifest) == len(_files())
    for file, recorded in RECORDED.items():
        if _files().get(file) == recorded["source"]:  # as the client preset wrote it
            assert manifest[recorded["codegen"]["id"]] == recorded["codegen"]["body"]


@pytest.fixture
async def trusted_only(settings: Settings) -> Any:
    app = create_app(settings.model_copy(update={"trusted_documents_only": True}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gridline.test"
    ) as http:
        yield http
    await app.state.runtime.engine.dispose()


def _persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def _send(http: httpx.AsyncClient, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"variables": {}, **body},
        headers={
            "Authorization": f"Bearer {token}",
            "accept": "application/graphql-response+json,application/json;q=0.9",
        },
    )
    answer: dict[str, Any] = response.json()
    return answer


def _kind(text: str) -> str:
    return _operations_of(text)[0][1]


async def test_trusted_only_mode_accepts_what_apollo_urql_and_codegen_send(
    trusted_only: httpx.AsyncClient, world: World
) -> None:
    """Each document of queries/ as each client sends it (by the rules the fixture holds
    them to): never refused as untrusted or unknown (a document may still want variables
    this test does not send)."""
    token = world.token("cluster1")
    sent = 0
    for text in _files().values():
        if _kind(text) == "subscription":
            continue  # websockets, below
        apollo, urql = apollo_text(text), urql_text(text)
        bodies: list[dict[str, Any]] = [
            {"extensions": _persisted(sha256(apollo))},  # Apollo: the hash alone first
            {"query": apollo, "extensions": _persisted(sha256(apollo))},
            {"extensions": _persisted(sha256(codegen_text(text)))},  # a codegen app
        ]
        if _kind(text) == "query":
            bodies.append({"query": urql, "extensions": _persisted(sha256(urql))})
        else:
            bodies.append({"query": urql})  # urql sends mutations as text
        for body in bodies:
            answer = await _send(trusted_only, token, body)
            assert not REFUSED & set(error_codes(answer)), (body, answer)
            sent += 1
    assert sent >= 4 * 40


async def test_a_hash_apollo_sends_answers_with_the_typenames_it_asked_for(
    trusted_only: httpx.AsyncClient, world: World
) -> None:
    me = RECORDED["Me.graphql"]["apollo"]
    answer = await _send(
        trusted_only, world.token("tech1"), {"extensions": _persisted(me["sha256"])}
    )
    assert "errors" not in answer
    assert answer["data"]["me"]["__typename"] == "User"
    own = await _send(trusted_only, world.token("tech1"), {"query": "{ me { id } }"})
    assert error_codes(own) == ["UNTRUSTED_DOCUMENT"]


async def test_trusted_only_websockets_accept_apollos_subscriptions(
    settings: Settings, world: World
) -> None:
    app = create_app(settings.model_copy(update={"trusted_documents_only": True}))
    subscriptions = [
        r["apollo"]["body"] for r in RECORDED.values() if r["apollo"]["sha256"] is None
    ]
    assert subscriptions
    async with app.router.lifespan_context(app), connected(app, world.token("cluster1")) as ws:
        for number, body in enumerate(subscriptions):
            await ws.subscribe(str(number), body)
        await nothing_more(ws)  # a refused document answers an error at once
        await ws.subscribe("own", "subscription { notificationAdded { id } }")
        refused = await ws.receive()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT"


async def test_a_codegen_app_may_send_its_document_id(
    trusted_only: httpx.AsyncClient, world: World
) -> None:
    """GraphQL Codegen's ids are "sha256:<hex>": sent as `documentId` (GET or POST) or
    as the hash of Apollo's persisted-query link, they run the document."""
    me = {"id": "sha256:" + sha256(codegen_text(_files()["Me.graphql"]))}
    headers = {"Authorization": f"Bearer {world.token('tech1')}"}
    answers = [
        await trusted_only.post("/graphql", json={"documentId": me["id"]}, headers=headers),
        await trusted_only.get("/graphql", params={"documentId": me["id"]}, headers=headers),
        await trusted_only.post(
            "/graphql", json={"extensions": _persisted(me["id"])}, headers=headers
        ),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["me"]["id"]
    unknown = await trusted_only.post(
        "/graphql", json={"documentId": "sha256:" + "0" * 64}, headers=headers
    )
    assert error_codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    wrong = await trusted_only.post("/graphql", json={"documentId": 7}, headers=headers)
    assert wrong.status_code == 400
    assert error_codes(wrong.json()) == ["BAD_REQUEST"]
