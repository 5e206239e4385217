"""Every document in queries/ runs, as the app sends it, and returns data.

The cases of the foundation's documents are here; each area adds its own in
``tests/<area>/documents.py`` as a ``DOCUMENTS`` dict of the same shape.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from schema.relay import encode_id
from tests.conftest import QUERIES_DIR, GraphQLClient
from tests.factories import PASSWORD, World

Variables = Callable[[World, GraphQLClient], Awaitable[dict[str, Any]]]


async def _login_variables(world: World, _: GraphQLClient) -> dict[str, Any]:
    return {"login": world.users["csa1"].email, "password": PASSWORD}


async def _refresh_variables(world: World, client: GraphQLClient) -> dict[str, Any]:
    body = await client.document("Login.graphql", await _login_variables(world, client))
    return {"refreshToken": body["data"]["login"]["refreshToken"]}


async def _none(_: World, __: GraphQLClient) -> dict[str, Any]:
    return {}


async def _consumers(world: World, _: GraphQLClient) -> dict[str, Any]:
    return {"plantIds": [encode_id("Plant", world.plants[0].id or 0)], "status": "ACTIVE"}


async def _consumer(world: World, _: GraphQLClient) -> dict[str, Any]:
    return {"id": encode_id("Consumer", world.plant_consumers(0)[0].id or 0)}


async def _staff(world: World, _: GraphQLClient) -> dict[str, Any]:
    return {"roles": ["TECHNICIAN"], "plantIds": [encode_id("Plant", world.plants[0].id or 0)]}


# Each document, the variables it is sent with, and who sends it.
FOUNDATION_DOCUMENTS: dict[str, tuple[Variables, str]] = {
    "Login.graphql": (_login_variables, "anonymous"),
    "RefreshToken.graphql": (_refresh_variables, "anonymous"),
    "Logout.graphql": (_refresh_variables, "anonymous"),
    "Me.graphql": (_none, "csa1"),
    "Geography.graphql": (_none, "cluster1"),
    "Plants.graphql": (_none, "csa1"),
    "Consumers.graphql": (_consumers, "csa1"),
    "ConsumerDetails.graphql": (_consumer, "csa1"),
    "Packages.graphql": (_none, "csa1"),
    "Staff.graphql": (_staff, "cluster1"),
}


def _area_modules() -> list[Any]:
    return [
        importlib.import_module(f"tests.{path.parent.name}.documents")
        for path in sorted(Path(__file__).parent.glob("*/documents.py"))
    ]


DOCUMENTS = {**FOUNDATION_DOCUMENTS}
for _module in _area_modules():
    DOCUMENTS.update(_module.DOCUMENTS)
# Subscriptions run over websockets, in their area's own tests.
LIVE_DOCUMENTS = {
    name for module in _area_modules() for name in getattr(module, "LIVE_DOCUMENTS", ())
}


def test_every_document_has_a_case() -> None:
    on_disk = {path.name for path in QUERIES_DIR.glob("*.graphql")}
    assert on_disk == set(DOCUMENTS) | LIVE_DOCUMENTS, "add the new document to DOCUMENTS"


def _has_user_errors(value: Any) -> bool:
    if isinstance(value, dict):
        if value.get("errors"):
            return True
        return any(_has_user_errors(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_user_errors(v) for v in value)
    return False


def _has_content(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, list):
        return bool(value)
    return value is not None


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
async def test_document_runs(client: GraphQLClient, world: World, name: str) -> None:
    make_variables, sender = DOCUMENTS[name]
    variables = await make_variables(world, client)
    token = None if sender == "anonymous" else world.token(sender)
    body = await client.document(name, variables, token=token)
    assert not body.get("errors"), body
    assert not _has_user_errors(body["data"]), body
    assert _has_content(body["data"]), body
