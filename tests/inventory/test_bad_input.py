"""Bad input to the inventory mutations: a UserError naming the field, nothing changed.

Zero, negative or absurd quantities, unknown, malformed or foreign ids, receiving more
than approved, adjusting or transferring below zero, transferring to the same warehouse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import GraphQLClient, error_codes
from tests.inventory.api import refused, send
from tests.inventory.factories import VALID_INPUTS, Inventory, ValidInput, gid, snapshot

UNKNOWN = 999_999
TOO_LONG = "x" * 501

# Who sends each mutation's valid input; each bad case replaces some of its fields.
SENDERS = {
    "createPurchaseRequest": "cluster1",
    "approvePurchaseRequest": "state1",
    "rejectPurchaseRequest": "state1",
    "receivePurchase": "state1",
    "adjustStock": "state1",
    "transferStock": "state1",
}
VALID: dict[str, tuple[str, ValidInput]] = {
    name: (sender, VALID_INPUTS[name]) for name, sender in SENDERS.items()
}

Change = Callable[[Inventory], dict[str, Any]]
# mutation -> [(what is wrong, the change, expected code, expected field)]
BAD: dict[str, list[tuple[str, Change, str, str | None]]] = {
    "createPurchaseRequest": [
        ("zero", lambda i: {"quantity": 0}, "VALIDATION", "quantity"),
        ("negative", lambda i: {"quantity": -5}, "VALIDATION", "quantity"),
        ("absurd", lambda i: {"quantity": 100_001}, "VALIDATION", "quantity"),
        ("no reason", lambda i: {"reason": "  "}, "VALIDATION", "reason"),
        ("long reason", lambda i: {"reason": TOO_LONG}, "VALIDATION", "reason"),
        (
            "unknown product",
            lambda i: {"productId": gid("Product", UNKNOWN)},
            "NOT_FOUND",
            "productId",
        ),
        ("malformed id", lambda i: {"productId": "garbage"}, "VALIDATION", "productId"),
        (
            "id of a warehouse",
            lambda i: {"productId": i.warehouse("wh1")},
            "VALIDATION",
            "productId",
        ),
        ("discontinued", lambda i: {"productId": i.product("fridge")}, "VALIDATION", "productId"),
        (
            "unknown warehouse",
            lambda i: {"warehouseId": gid("Warehouse", UNKNOWN)},
            "NOT_FOUND",
            "warehouseId",
        ),
        ("other state", lambda i: {"warehouseId": i.warehouse("wh2")}, "FORBIDDEN", "warehouseId"),
    ],
    "approvePurchaseRequest": [
        (
            "unknown",
            lambda i: {"purchaseRequestId": gid("PurchaseRequest", UNKNOWN)},
            "NOT_FOUND",
            "purchaseRequestId",
        ),
        (
            "other state",
            lambda i: {"purchaseRequestId": i.request("pending2")},
            "NOT_FOUND",
            "purchaseRequestId",
        ),
        (
            "malformed",
            lambda i: {"purchaseRequestId": "garbage"},
            "VALIDATION",
            "purchaseRequestId",
        ),
        (
            "id of a product",
            lambda i: {"purchaseRequestId": i.product("fan")},
            "VALIDATION",
            "purchaseRequestId",
        ),
        ("long note", lambda i: {"note": TOO_LONG}, "VALIDATION", "note"),
        (
            "already approved",
            lambda i: {"purchaseRequestId": i.request("approved1")},
            "INVALID_TRANSITION",
            None,
        ),
    ],
    "rejectPurchaseRequest": [
        ("no reason", lambda i: {"reason": ""}, "VALIDATION", "reason"),
        (
            "other state",
            lambda i: {"purchaseRequestId": i.request("pending2")},
            "NOT_FOUND",
            "purchaseRequestId",
        ),
        (
            "already approved",
            lambda i: {"purchaseRequestId": i.request("approved1")},
            "INVALID_TRANSITION",
            None,
        ),
    ],
    "receivePurchase": [
        ("zero", lambda i: {"quantityReceived": 0}, "VALIDATION", "quantityReceived"),
        ("negative", lambda i: {"quantityReceived": -1}, "VALIDATION", "quantityReceived"),
        ("more than approved", lambda i: {"quantityReceived": 9}, "VALIDATION", "quantityReceived"),
        ("absurd", lambda i: {"quantityReceived": 100_001}, "VALIDATION", "quantityReceived"),
        ("long reference", lambda i: {"reference": "R" * 65}, "VALIDATION", "reference"),
        (
            "not approved",
            lambda i: {"purchaseRequestId": i.request("pending1")},
            "INVALID_TRANSITION",
            None,
        ),
        (
            "unknown",
            lambda i: {"purchaseRequestId": gid("PurchaseRequest", UNKNOWN)},
            "NOT_FOUND",
            "purchaseRequestId",
        ),
    ],
    "adjustStock": [
        ("zero", lambda i: {"delta": 0}, "VALIDATION", "delta"),
        ("absurd", lambda i: {"delta": 100_001}, "VALIDATION", "delta"),
        ("absurdly negative", lambda i: {"delta": -100_001}, "VALIDATION", "delta"),
        ("below zero", lambda i: {"delta": -21}, "OUT_OF_STOCK", "delta"),
        (
            "never stocked here",
            lambda i: {"productId": i.product("fridge")},
            "OUT_OF_STOCK",
            "delta",
        ),
        ("no reason", lambda i: {"reason": " "}, "VALIDATION", "reason"),
        (
            "unknown product",
            lambda i: {"productId": gid("Product", UNKNOWN)},
            "NOT_FOUND",
            "productId",
        ),
        (
            "unknown warehouse",
            lambda i: {"warehouseId": gid("Warehouse", UNKNOWN)},
            "NOT_FOUND",
            "warehouseId",
        ),
        ("other state", lambda i: {"warehouseId": i.warehouse("wh2")}, "FORBIDDEN", "warehouseId"),
    ],
    "transferStock": [
        (
            "same warehouse",
            lambda i: {"toWarehouseId": i.warehouse("wh1")},
            "VALIDATION",
            "toWarehouseId",
        ),
        ("zero", lambda i: {"quantity": 0}, "VALIDATION", "quantity"),
        ("negative", lambda i: {"quantity": -3}, "VALIDATION", "quantity"),
        ("absurd", lambda i: {"quantity": 100_001}, "VALIDATION", "quantity"),
        ("more than available", lambda i: {"quantity": 21}, "OUT_OF_STOCK", "quantity"),
        (
            "unknown destination",
            lambda i: {"toWarehouseId": gid("Warehouse", UNKNOWN)},
            "NOT_FOUND",
            "toWarehouseId",
        ),
        (
            "from another state",
            lambda i: {"fromWarehouseId": i.warehouse("wh2")},
            "FORBIDDEN",
            "fromWarehouseId",
        ),
        (
            "to another state",
            lambda i: {"toWarehouseId": i.warehouse("wh2")},
            "FORBIDDEN",
            "toWarehouseId",
        ),
        ("long reason", lambda i: {"reason": TOO_LONG}, "VALIDATION", "reason"),
    ],
}


def test_every_mutation_has_bad_cases() -> None:
    assert set(BAD) == set(VALID)


@pytest.mark.parametrize("name", sorted(BAD))
async def test_bad_input_is_a_user_error_and_changes_nothing(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession], name: str
) -> None:
    sender, make_valid = VALID[name]
    before = await snapshot(db)
    for what, change, code, field in BAD[name]:
        input = {**make_valid(inventory), **change(inventory)}
        error = await refused(client, name, input, token=inventory.world.token(sender))
        expected_field = ["input", field] if field else None
        assert (error["code"], error["field"]) == (code, expected_field), (what, error)
        assert error["message"], what
    assert await snapshot(db) == before


async def test_out_of_stock_says_how_many_are_left(
    client: GraphQLClient, inventory: Inventory
) -> None:
    sender, make_valid = VALID["transferStock"]
    error = await refused(
        client,
        "transferStock",
        {**make_valid(inventory), "quantity": 25},
        token=inventory.world.token(sender),
    )
    assert error["message"] == "Only 20 units available here; 25 asked."


async def test_quantities_beyond_graphql_int_are_graphql_errors(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    sender, make_valid = VALID["adjustStock"]
    before = await snapshot(db)
    body = await send(
        client,
        "adjustStock",
        {**make_valid(inventory), "delta": 2**40},
        token=inventory.world.token(sender),
    )
    assert body["errors"] and body.get("data") is None
    assert "Traceback" not in str(body)
    assert await snapshot(db) == before


BAD_ARGUMENTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("query($n: Int) { inventory(first: $n) { totalCount } }", {"n": 101}, ["first"]),
    (
        "query($f: ProductFilter) { inventory(filter: $f) { totalCount } }",
        {"f": {"stateId": "garbage"}},
        ["filter", "stateId"],
    ),
    (
        "query($f: ProductFilter) { inventoryOverview(filter: $f) { productCount } }",
        {"f": {"stateId": gid("Plant", 1)}},
        ["filter", "stateId"],
    ),
    ("query($s: ID) { warehouses(stateId: $s) { id } }", {"s": "garbage"}, ["stateId"]),
    (
        "query($f: PurchaseRequestFilter) { purchaseRequests(filter: $f) { totalCount } }",
        {"f": {"warehouseIds": [gid("Product", 1)]}},
        ["filter", "warehouseIds"],
    ),
]


async def test_bad_query_arguments(client: GraphQLClient, inventory: Inventory) -> None:
    for query, variables, field in BAD_ARGUMENTS:
        body = await client.request(query, variables, token=inventory.world.token("admin"))
        assert error_codes(body) == ["VALIDATION"], body
        assert body["errors"][0]["extensions"]["field"] == field, query
