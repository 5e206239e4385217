"""createScheme / updateScheme (ADMIN) and the schemes catalogue filter."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.dates import today
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.schemes.factories import SchemeWorld, gid

CREATE = """mutation($input: CreateSchemeInput!) {
  createScheme(input: $input) {
    scheme { id code totalPrice { amount } downPayment { amount } states { id } active }
    errors { code message field }
  }
}"""
UPDATE = """mutation($input: UpdateSchemeInput!) {
  updateScheme(input: $input) {
    scheme { id name validTo downPayment { amount } states { id } }
    errors { code message field }
  }
}"""


def _input(world: World, schemes: SchemeWorld, **changes: Any) -> dict[str, Any]:
    return {
        "code": "tv-fest",
        "name": "Festive TV",
        "type": "FESTIVE",
        "productId": gid("Product", schemes.product),
        "totalPrice": "12000",
        "downPayment": "2000.00",
        "installmentCount": 12,
        "frequency": "MONTHLY",
        "validFrom": "2026-01-01",
        "stateIds": [gid("State", world.states[0])],
        **changes,
    }


async def _create(client: GraphQLClient, world: World, user: str, input: dict[str, Any]) -> Any:
    return (await client.data(CREATE, {"input": input}, token=world.token(user)))["createScheme"]


async def test_admin_creates_and_updates_a_scheme(
    client: GraphQLClient, world: World, schemes: SchemeWorld
) -> None:
    created = await _create(client, world, "admin", _input(world, schemes))
    assert created["errors"] == []
    scheme = created["scheme"]
    assert scheme["code"] == "TV-FEST" and scheme["downPayment"]["amount"] == "2000.00"
    state2 = gid("State", world.states[1])
    updated = await client.data(
        UPDATE,
        {"input": {"id": scheme["id"], "name": "Diwali TV", "stateIds": [state2]}},
        token=world.token("admin"),
    )
    assert updated["updateScheme"]["errors"] == []
    assert updated["updateScheme"]["scheme"]["states"] == [{"id": state2}]
    assert updated["updateScheme"]["scheme"]["validTo"] is None
    too_much = await client.data(
        UPDATE,
        {"input": {"id": scheme["id"], "downPayment": "12000.01"}},
        token=world.token("admin"),
    )
    assert [e["code"] for e in too_much["updateScheme"]["errors"]] == ["VALIDATION"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"downPayment": "12000.01"}, "downPayment"),
        ({"installmentCount": 0}, "installmentCount"),
        ({"validTo": "2025-12-31"}, "validTo"),
        ({"stateIds": []}, "stateIds"),
        ({"totalPrice": "0"}, "totalPrice"),
    ],
)
async def test_create_validation(
    client: GraphQLClient,
    world: World,
    schemes: SchemeWorld,
    changes: dict[str, Any],
    field: str,
) -> None:
    refused = await _create(client, world, "admin", _input(world, schemes, **changes))
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("VALIDATION", ["input", field])
    ]


async def test_only_admin_manages_schemes(
    client: GraphQLClient, world: World, schemes: SchemeWorld
) -> None:
    for user in ("state1", "cluster1", "csa1", "operator1"):
        refused = await _create(client, world, user, _input(world, schemes))
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]


async def test_catalogue_filters(client: GraphQLClient, world: World, schemes: SchemeWorld) -> None:
    query = "query($f: SchemeFilter) { schemes(filter: $f) { id } }"

    async def ids(filter: dict[str, Any]) -> set[str]:
        data = await client.data(query, {"f": filter}, token=world.token("tech4"))
        return {s["id"] for s in data["schemes"]}

    on = today(world.settings.zone).isoformat()
    assert await ids({"activeOn": on}) == {schemes.scheme("fan"), schemes.scheme("state2only")}
    assert await ids({"stateId": gid("State", world.states[1])}) == {
        schemes.scheme("fan"),
        schemes.scheme("state2only"),
    }
    assert await ids({"type": "FESTIVE"}) == set()
