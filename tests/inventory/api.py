"""Sending inventory operations as a client does: the documents of queries/ where the
app has one, plain documents for the administration mutations."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient

ERRORS = "errors { code message field }"
PRODUCT = "product { id sku name type unitPrice { amount currency } reorderLevel active }"
WAREHOUSE = "warehouse { id code name address location { latitude longitude } active state { id } }"

# Mutations the app sends from queries/ (by file), and administration ones (inline).
DOCUMENT_FILES = {
    "createPurchaseRequest": "CreatePurchaseRequest.graphql",
    "approvePurchaseRequest": "ApprovePurchaseRequest.graphql",
    "rejectPurchaseRequest": "RejectPurchaseRequest.graphql",
    "receivePurchase": "ReceivePurchase.graphql",
    "adjustStock": "AdjustStock.graphql",
    "transferStock": "TransferStock.graphql",
}
ADMIN_SELECTIONS = {
    "createProduct": PRODUCT,
    "updateProduct": PRODUCT,
    "createWarehouse": WAREHOUSE,
    "updateWarehouse": WAREHOUSE,
}
MUTATIONS = sorted({*DOCUMENT_FILES, *ADMIN_SELECTIONS})


def _inline(name: str) -> str:
    input_type = name[0].upper() + name[1:] + "Input"
    return (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) "
        f"{{ {ADMIN_SELECTIONS[name]} {ERRORS} }} }}"
    )


async def send(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str | None
) -> dict[str, Any]:
    """The whole response body of mutation ``name``."""
    variables = {"input": input}
    if name in DOCUMENT_FILES:
        return await client.document(DOCUMENT_FILES[name], variables, token=token)
    return await client.request(_inline(name), variables, token=token)


async def mutate(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str
) -> dict[str, Any]:
    """The payload of mutation ``name``; fails on GraphQL errors."""
    body = await send(client, name, input, token=token)
    assert not body.get("errors"), body["errors"]
    payload: dict[str, Any] = body["data"][name]
    return payload


async def mutate_ok(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str
) -> dict[str, Any]:
    payload = await mutate(client, name, input, token=token)
    assert payload["errors"] == [], payload["errors"]
    return payload


async def refused(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str
) -> dict[str, Any]:
    """The one UserError of a refused mutation, which returns no object."""
    payload = await mutate(client, name, input, token=token)
    assert len(payload["errors"]) == 1, payload
    assert all(not value for key, value in payload.items() if key != "errors"), payload
    error: dict[str, Any] = payload["errors"][0]
    return error
