"""Who may do what with inventory: every operation against every role of the world, in
and out of their state. The inputs are valid, so that only the caller decides.

state1 > cluster1, cluster2 (and csa1, tech1, operator1 at their plants); state2 >
cluster3 (tech4). wh1 and wh1b are in state1, wh2 in state2; pending1 and approved1 are
wh1's purchase requests, pending2 is wh2's.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import GraphQLClient, error_codes
from tests.inventory.api import MUTATIONS, mutate, mutate_ok, refused, send
from tests.inventory.factories import VALID_INPUTS, Inventory, ValidInput, gid, snapshot
from tests.permissions.model import WORLD_USERS

FIELD_STAFF = ("csa1", "csa3", "tech1", "tech4", "operator1")

# (operation, input) -> what each role gets: "ok", or the UserError code.
CASES: dict[str, tuple[str, ValidInput]] = {
    **{name: (name, valid) for name, valid in VALID_INPUTS.items()},
    "approvePurchaseRequest": (
        "approvePurchaseRequest",
        lambda i: {**VALID_INPUTS["approvePurchaseRequest"](i), "note": "OK"},
    ),
    "transferStock between states": (
        "transferStock",
        lambda i: {
            "productId": i.product("fan"),
            "fromWarehouseId": i.warehouse("wh1"),
            "toWarehouseId": i.warehouse("wh2"),
            "quantity": 3,
        },
    ),
    "createProduct": (
        "createProduct",
        lambda i: {"sku": "TV-32", "name": "TV 32 inch", "type": "TELEVISION", "unitPrice": "1"},
    ),
    "updateProduct": (
        "updateProduct",
        lambda i: {"id": i.product("fan"), "reorderLevel": 12},
    ),
    "createWarehouse": (
        "createWarehouse",
        lambda i: {"stateId": gid("State", i.world.states[0]), "code": "WH-NEW", "name": "New"},
    ),
    "updateWarehouse": (
        "updateWarehouse",
        lambda i: {"id": i.warehouse("wh1"), "name": "Renamed"},
    ),
}


def _expect(allowed: tuple[str, ...], not_found: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        role: "ok" if role in allowed else "NOT_FOUND" if role in not_found else "FORBIDDEN"
        for role in WORLD_USERS
    }


# A request outside your state does not exist for you; a warehouse (catalogue data that
# everyone reads) outside your state is simply not yours to act on.
DECIDE = _expect(("admin", "state1"), not_found=("state2",))
EXPECTED: dict[str, dict[str, str]] = {
    "createPurchaseRequest": _expect(("admin", "state1", "cluster1", "cluster2")),
    "approvePurchaseRequest": DECIDE,
    "rejectPurchaseRequest": DECIDE,
    "receivePurchase": DECIDE,
    "adjustStock": _expect(("admin", "state1")),
    "transferStock": _expect(("admin", "state1")),
    "transferStock between states": _expect(("admin",)),
    "createProduct": _expect(("admin",)),
    "updateProduct": _expect(("admin",)),
    "createWarehouse": _expect(("admin",)),
    "updateWarehouse": _expect(("admin",)),
}


def test_every_mutation_is_covered() -> None:
    assert {name for name, _ in CASES.values()} == set(MUTATIONS)
    assert set(EXPECTED) == set(CASES)


# Where two roles may both act, the second acts on its own request, so that one world
# serves every allowed role of an operation.
SECOND_TARGET: dict[str, ValidInput] = {
    "approvePurchaseRequest": lambda i: {"purchaseRequestId": i.request("pending1b")},
    "rejectPurchaseRequest": lambda i: {
        "purchaseRequestId": i.request("pending1b"),
        "reason": "No budget",
    },
    "receivePurchase": lambda i: {
        "purchaseRequestId": i.request("approved1b"),
        "quantityReceived": 2,
    },
}


def _garbled(input: dict[str, Any]) -> dict[str, Any]:
    return {
        key: "garbage" if key == "id" or key.endswith("Id") else value
        for key, value in input.items()
    }


@pytest.mark.parametrize("case", sorted(CASES))
async def test_every_role(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession], case: str
) -> None:
    """Refused roles get their UserError and change nothing; signed out, the request
    fails UNAUTHENTICATED; field staff get FORBIDDEN however wrong their input (the role
    is checked first). Then every allowed role succeeds with the same input."""
    name, make_input = CASES[case]
    input = make_input(inventory)
    before = await snapshot(db)
    outcomes = {}
    for role, expected in EXPECTED[case].items():
        if expected != "ok":
            error = await refused(client, name, input, token=inventory.world.token(role))
            outcomes[role] = error["code"]
    assert outcomes == {r: e for r, e in EXPECTED[case].items() if e != "ok"}
    for token in (None, "not-a-token", inventory.world.token("inactive")):
        body = await send(client, name, input, token=token)
        assert error_codes(body) == ["UNAUTHENTICATED"], token
    error = await refused(client, name, _garbled(input), token=inventory.world.token("csa1"))
    assert error["code"] == "FORBIDDEN"
    assert await snapshot(db) == before

    allowed = [role for role, outcome in EXPECTED[case].items() if outcome == "ok"]
    assert len(allowed) <= 2 or case not in SECOND_TARGET
    for n, role in enumerate(allowed):
        second = n > 0 and case in SECOND_TARGET
        given = SECOND_TARGET[case](inventory) if second else input
        await mutate_ok(client, name, given, token=inventory.world.token(role))


READS = """
query($pr: ID!, $product: ID!, $warehouse: ID!) {
  products { id }
  inventory { totalCount edges { node { id stock { warehouse { id } } } } }
  inventoryOverview { productCount }
  warehouses { id }
  request: node(id: $pr) { id }
  product: node(id: $product) { id }
  warehouse: node(id: $warehouse) { id }
}
"""
PURCHASE_REQUESTS = "{ purchaseRequests { edges { node { id } } } }"

IN_STATE1 = {"pending1", "pending1b", "approved1", "approved1b"}
VISIBLE_REQUESTS = {
    "admin": {*IN_STATE1, "pending2"},
    "state1": IN_STATE1,
    "cluster1": IN_STATE1,
    "cluster2": IN_STATE1,
    "state2": {"pending2"},
}


async def test_reads(client: GraphQLClient, inventory: Inventory) -> None:
    """Inventory and catalogue: everyone. Purchase requests: in-charges and admins, in
    their state; for everyone else the list is FORBIDDEN and the node null."""
    for role in WORLD_USERS:
        await _check_reads(client, inventory, role)


async def _check_reads(client: GraphQLClient, inventory: Inventory, role: str) -> None:
    token = inventory.world.token(role)
    variables = {
        "pr": inventory.request("pending1"),
        "product": inventory.product("fan"),
        "warehouse": inventory.warehouse("wh2"),
    }
    data = await client.data(READS, variables, token=token)
    assert len(data["products"]) == data["inventory"]["totalCount"] == 3, role
    assert data["inventoryOverview"]["productCount"] == 3
    assert len(data["warehouses"]) == 3
    assert data["product"] and data["warehouse"]
    visible = VISIBLE_REQUESTS.get(role)
    assert (data["request"] is not None) == ("pending1" in (visible or set())), role

    body = await client.request(PURCHASE_REQUESTS, token=token)
    if visible is None:
        assert error_codes(body) == ["FORBIDDEN"], role
        return
    ids = {edge["node"]["id"] for edge in body["data"]["purchaseRequests"]["edges"]}
    assert ids == {inventory.request(name) for name in visible}, role


async def test_descriptions_say_who_may_use_them(
    client: GraphQLClient, inventory: Inventory
) -> None:
    query = '{ __type(name: "Mutation") { fields { name description } } }'
    data = await client.data(query, token=inventory.world.token("admin"))
    descriptions = {f["name"]: f["description"] for f in data["__type"]["fields"]}
    for name in MUTATIONS:
        assert "\n\nRequires: " in descriptions[name], name
    assert descriptions["createProduct"].endswith("Requires: ADMIN.")
    assert descriptions["approvePurchaseRequest"].endswith("Requires: STATE_INCHARGE, ADMIN.")


async def test_forbidden_payload_names_the_warehouse(
    client: GraphQLClient, inventory: Inventory
) -> None:
    """A state in-charge acting on another state's warehouse is told which field."""
    name, make_input = CASES["adjustStock"]
    payload = await mutate(
        client, name, make_input(inventory), token=inventory.world.token("state2")
    )
    (error,) = payload["errors"]
    assert (error["code"], error["field"]) == ("FORBIDDEN", ["input", "warehouseId"])
