"""The inventory documents of queries/, with the variables they are sent with and who
sends them (collected by tests/test_documents.py). Each case builds the stock it needs
through the API, as an administrator would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from schema.relay import encode_id
from tests.conftest import GraphQLClient
from tests.factories import World

Variables = Callable[[World, GraphQLClient], Awaitable[dict[str, Any]]]


async def _admin(client: GraphQLClient, world: World, mutation: str, input: dict[str, Any]) -> Any:
    name = mutation.split("(", 1)[0].split()[-1]
    document = f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {mutation} }}"
    data = await client.data(document, {"input": input}, token=world.token("admin"))
    payload = data[name]
    assert payload["errors"] == [], payload
    return payload


def _state(world: World) -> str:
    return encode_id("State", world.states[0].id or 0)


async def _stocked(world: World, client: GraphQLClient) -> dict[str, str]:
    """A fan in stock at two warehouses of state1, through the admin API."""
    product = await _admin(
        client,
        world,
        "createProduct(input: $input) { product { id } errors { code } }",
        {"sku": "FAN-1200", "name": "Ceiling fan", "type": "FAN", "unitPrice": "1499.00"},
    )
    warehouses = []
    for code in ("WH-MAIN", "WH-DEPOT"):
        created = await _admin(
            client,
            world,
            "createWarehouse(input: $input) { warehouse { id } errors { code } }",
            {
                "stateId": _state(world),
                "code": code,
                "name": f"{code} warehouse",
                "location": {"latitude": 12.97, "longitude": 77.59},
            },
        )
        warehouses.append(created["warehouse"]["id"])
    ids = {"product": product["product"]["id"], "main": warehouses[0], "depot": warehouses[1]}
    await _admin(
        client,
        world,
        "adjustStock(input: $input) { errors { code } }",
        {"productId": ids["product"], "warehouseId": ids["main"], "delta": 12, "reason": "Count"},
    )
    return ids


async def _purchase_request(world: World, client: GraphQLClient) -> str:
    """A PENDING purchase request raised by cluster1."""
    ids = await _stocked(world, client)
    body = await client.document(
        "CreatePurchaseRequest.graphql",
        {
            "input": {
                "productId": ids["product"],
                "warehouseId": ids["main"],
                "quantity": 20,
                "reason": "Scheme demand",
            }
        },
        token=world.token("cluster1"),
    )
    request_id: str = body["data"]["createPurchaseRequest"]["purchaseRequest"]["id"]
    return request_id


async def _inventory(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _stocked(world, client)
    return {"stateId": _state(world), "types": ["FAN"], "first": 10}


async def _overview(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _stocked(world, client)
    return {"stateId": _state(world)}


async def _warehouses(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _stocked(world, client)
    return {"stateId": _state(world)}


async def _history(world: World, client: GraphQLClient) -> dict[str, Any]:
    ids = await _stocked(world, client)
    return {"productId": ids["product"], "warehouseId": ids["main"]}


async def _list(world: World, client: GraphQLClient) -> dict[str, Any]:
    await _purchase_request(world, client)
    return {"statuses": ["PENDING"], "requestedByMe": True}


async def _create(world: World, client: GraphQLClient) -> dict[str, Any]:
    ids = await _stocked(world, client)
    return {
        "input": {
            "productId": ids["product"],
            "warehouseId": ids["depot"],
            "quantity": 10,
            "reason": "Below reorder level",
        }
    }


async def _approve(world: World, client: GraphQLClient) -> dict[str, Any]:
    return {"input": {"purchaseRequestId": await _purchase_request(world, client), "note": "OK"}}


async def _reject(world: World, client: GraphQLClient) -> dict[str, Any]:
    request_id = await _purchase_request(world, client)
    return {"input": {"purchaseRequestId": request_id, "reason": "Transfer instead"}}


async def _receive(world: World, client: GraphQLClient) -> dict[str, Any]:
    request_id = await _purchase_request(world, client)
    await client.document(
        "ApprovePurchaseRequest.graphql",
        {"input": {"purchaseRequestId": request_id}},
        token=world.token("state1"),
    )
    return {"input": {"purchaseRequestId": request_id, "quantityReceived": 5, "reference": "INV-1"}}


async def _adjust(world: World, client: GraphQLClient) -> dict[str, Any]:
    ids = await _stocked(world, client)
    return {
        "input": {
            "productId": ids["product"],
            "warehouseId": ids["main"],
            "delta": -1,
            "reason": "Damaged in transit",
        }
    }


async def _transfer(world: World, client: GraphQLClient) -> dict[str, Any]:
    ids = await _stocked(world, client)
    return {
        "input": {
            "productId": ids["product"],
            "fromWarehouseId": ids["main"],
            "toWarehouseId": ids["depot"],
            "quantity": 4,
            "reason": "Depot restock",
        }
    }


DOCUMENTS: dict[str, tuple[Variables, str]] = {
    "Inventory.graphql": (_inventory, "operator1"),
    "InventoryOverview.graphql": (_overview, "csa1"),
    "Warehouses.graphql": (_warehouses, "cluster1"),
    "StockHistory.graphql": (_history, "tech1"),
    "PurchaseRequests.graphql": (_list, "cluster1"),
    "CreatePurchaseRequest.graphql": (_create, "cluster1"),
    "ApprovePurchaseRequest.graphql": (_approve, "state1"),
    "RejectPurchaseRequest.graphql": (_reject, "state1"),
    "ReceivePurchase.graphql": (_receive, "state1"),
    "AdjustStock.graphql": (_adjust, "state1"),
    "TransferStock.graphql": (_transfer, "state1"),
}
