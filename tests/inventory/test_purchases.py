"""Purchase requests: the life cycle through the app's documents, notifications and
outbox events, and two deciders (or deliveries) at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from starlette.applications import Starlette

from auth.actor import load_actor
from core.settings import Settings
from models import (
    Notification,
    OutboxEvent,
    PurchaseRequest,
    PurchaseStatus,
    StockLevel,
    StockMovement,
)
from resolvers.context import RequestContext
from resolvers.errors import DomainError
from resolvers.inventory import purchases
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.inventory.api import mutate_ok, refused
from tests.inventory.factories import Inventory, gid, snapshot


async def notifications(db: async_sessionmaker[AsyncSession]) -> list[tuple[int, str]]:
    async with db() as session:
        rows = await session.execute(
            sa.select(col(Notification.user_id), col(Notification.kind)).order_by(
                col(Notification.id)
            )
        )
        return [(user_id, kind.value) for user_id, kind in rows]


async def events(db: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, str]]:
    async with db() as session:
        rows = await session.execute(
            sa.select(
                col(OutboxEvent.topic), col(OutboxEvent.subject_type), col(OutboxEvent.payload)
            ).order_by(col(OutboxEvent.id))
        )
        return [(topic, subject, payload["action"]) for topic, subject, payload in rows]


async def on_hand(db: async_sessionmaker[AsyncSession], product: Any, warehouse: Any) -> int:
    async with db() as session:
        level = await session.get(StockLevel, (product.id, warehouse.id))
    return level.on_hand if level else 0


def user_id(world: World, name: str) -> int:
    value = world.users[name].id
    assert value is not None
    return value


async def test_life_cycle(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    world = inventory.world
    fan, wh1 = inventory.products["fan"], inventory.warehouses["wh1"]
    # A cluster in-charge asks; the state's in-charge (and only they) hear of it.
    created = await mutate_ok(
        client,
        "createPurchaseRequest",
        {
            "productId": inventory.product("fan"),
            "warehouseId": inventory.warehouse("wh1"),
            "quantity": 10,
            "reason": "  Scheme demand  ",
        },
        token=world.token("cluster1"),
    )
    request = created["purchaseRequest"]
    assert (request["status"], request["quantity"], request["reason"]) == (
        "PENDING",
        10,
        "Scheme demand",
    )
    assert request["requestedBy"]["id"] == gid("User", world.users["cluster1"])
    assert request["number"].startswith("PUR-")
    assert await notifications(db) == [(user_id(world, "state1"), "PURCHASE_REQUESTED")]

    # The state in-charge approves; the requester hears of it.
    approved = await mutate_ok(
        client,
        "approvePurchaseRequest",
        {"purchaseRequestId": request["id"], "note": "Go ahead"},
        token=world.token("state1"),
    )
    assert approved["purchaseRequest"]["status"] == "APPROVED"
    assert approved["purchaseRequest"]["decisionNote"] == "Go ahead"
    assert approved["purchaseRequest"]["decidedBy"]["id"] == gid("User", world.users["state1"])
    assert approved["purchaseRequest"]["quantityOutstanding"] == 10
    assert (await notifications(db))[-1] == (user_id(world, "cluster1"), "PURCHASE_APPROVED")

    # A first delivery of part of it: a receipt, the level up, still APPROVED.
    first = await mutate_ok(
        client,
        "receivePurchase",
        {"purchaseRequestId": request["id"], "quantityReceived": 4, "reference": "INV-1"},
        token=world.token("state1"),
    )
    assert first["purchaseRequest"]["status"] == "APPROVED"
    assert first["purchaseRequest"]["quantityReceived"] == 4
    assert first["purchaseRequest"]["quantityOutstanding"] == 6
    assert (first["movement"]["kind"], first["movement"]["quantity"]) == ("RECEIPT", 4)
    assert first["movement"]["reference"] == "INV-1"
    assert first["stockLevel"]["onHand"] == 24
    assert await on_hand(db, fan, wh1) == 24

    # More than what remains is refused, and changes nothing.
    before = await snapshot(db)
    error = await refused(
        client,
        "receivePurchase",
        {"purchaseRequestId": request["id"], "quantityReceived": 7},
        token=world.token("state1"),
    )
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "quantityReceived"])
    assert "6" in error["message"]
    assert await snapshot(db) == before

    # The rest: RECEIVED, and nothing more can be received.
    rest = await mutate_ok(
        client,
        "receivePurchase",
        {"purchaseRequestId": request["id"], "quantityReceived": 6},
        token=world.token("admin"),
    )
    assert rest["purchaseRequest"]["status"] == "RECEIVED"
    assert rest["purchaseRequest"]["quantityOutstanding"] == 0
    assert await on_hand(db, fan, wh1) == 30
    for name, input in (
        ("receivePurchase", {"quantityReceived": 1}),
        ("approvePurchaseRequest", {}),
        ("rejectPurchaseRequest", {"reason": "Too late"}),
    ):
        error = await refused(
            client,
            name,
            {"purchaseRequestId": request["id"], **input},
            token=world.token("state1"),
        )
        assert error["code"] == "INVALID_TRANSITION", name

    # The list shows it with both receipts; the ledger links them to it.
    body = await client.document(
        "PurchaseRequests.graphql", {"statuses": ["RECEIVED"]}, token=world.token("cluster1")
    )
    (edge,) = body["data"]["purchaseRequests"]["edges"]
    assert [r["quantity"] for r in edge["node"]["receipts"]] == [4, 6]
    history = await client.document(
        "StockHistory.graphql",
        {"productId": inventory.product("fan"), "warehouseId": inventory.warehouse("wh1")},
        token=world.token("state1"),
    )
    movements = [e["node"] for e in history["data"]["node"]["movements"]["edges"]]
    assert [(m["kind"], m["quantity"]) for m in movements[:2]] == [("RECEIPT", 6), ("RECEIPT", 4)]
    assert {m["purchaseRequest"]["number"] for m in movements[:2]} == {request["number"]}

    # One outbox event per change (and one for each stock movement).
    assert await events(db) == [
        ("purchase_request", "PurchaseRequest", "CREATE"),
        ("purchase_request", "PurchaseRequest", "APPROVE"),
        ("purchase_request", "PurchaseRequest", "RECEIVE"),
        ("stock", "Product", "RECEIVE"),
        ("purchase_request", "PurchaseRequest", "RECEIVE"),
        ("stock", "Product", "RECEIVE"),
    ]


async def test_reject(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    world = inventory.world
    pending = inventory.request("pending1")
    error = await refused(
        client,
        "rejectPurchaseRequest",
        {"purchaseRequestId": pending, "reason": "   "},
        token=world.token("state1"),
    )
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "reason"])
    rejected = await mutate_ok(
        client,
        "rejectPurchaseRequest",
        {"purchaseRequestId": pending, "reason": "Transfer from the depot instead"},
        token=world.token("state1"),
    )
    request = rejected["purchaseRequest"]
    assert request["status"] == "REJECTED"
    assert request["decisionNote"] == "Transfer from the depot instead"
    assert await notifications(db) == [(user_id(world, "cluster1"), "PURCHASE_REJECTED")]
    before = await snapshot(db)
    for name, input in (
        ("approvePurchaseRequest", {}),
        ("receivePurchase", {"quantityReceived": 1}),
    ):
        error = await refused(
            client, name, {"purchaseRequestId": pending, **input}, token=world.token("state1")
        )
        assert error["code"] == "INVALID_TRANSITION"
    assert await snapshot(db) == before


async def test_receiving_needs_an_approval(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    world = inventory.world
    before = await snapshot(db)
    error = await refused(
        client,
        "receivePurchase",
        {"purchaseRequestId": inventory.request("pending1"), "quantityReceived": 1},
        token=world.token("state1"),
    )
    assert error["code"] == "INVALID_TRANSITION"
    assert "PENDING" in error["message"]
    assert await snapshot(db) == before


async def test_no_notification_to_oneself(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    """state2 raised pending2 and approves it: nobody else to tell."""
    await mutate_ok(
        client,
        "approvePurchaseRequest",
        {"purchaseRequestId": inventory.request("pending2")},
        token=inventory.world.token("state2"),
    )
    assert await notifications(db) == []
    assert await events(db) == [("purchase_request", "PurchaseRequest", "APPROVE")]


async def test_state_incharges_of_other_states_are_not_notified(
    client: GraphQLClient, inventory: Inventory, db: async_sessionmaker[AsyncSession]
) -> None:
    world = inventory.world
    await mutate_ok(
        client,
        "createPurchaseRequest",
        {
            "productId": inventory.product("tv"),
            "warehouseId": inventory.warehouse("wh2"),
            "quantity": 3,
            "reason": "Festive season",
        },
        token=world.token("admin"),
    )
    assert await notifications(db) == [(user_id(world, "state2"), "PURCHASE_REQUESTED")]


async def _context(app: Starlette, settings: Settings, world: World, name: str) -> RequestContext:
    sessions = app.state.runtime.sessions
    async with sessions() as session:
        actor = await load_actor(session, user_id(world, name))
    return RequestContext(settings=settings, sessions=sessions, actor=actor, request_id=name)


CONCURRENT = 20


async def test_concurrent_approvals_one_wins(
    app: Starlette,
    settings: Settings,
    inventory: Inventory,
    db: async_sessionmaker[AsyncSession],
) -> None:
    world = inventory.world
    request_id = inventory.requests["pending1"].id or 0

    async def approve() -> str:
        ctx = await _context(app, settings, world, "state1")
        try:
            await purchases.approve_purchase_request(ctx, request_id, None)
        except DomainError as error:
            return error.code.value
        return "ok"

    results = Counter(await asyncio.gather(*(approve() for _ in range(CONCURRENT))))
    assert results["ok"] == 1, results
    # The others lost the race (CONFLICT), or came after it was decided.
    assert set(results) <= {"ok", "CONFLICT", "INVALID_TRANSITION"}, results
    assert await notifications(db) == [(user_id(world, "cluster1"), "PURCHASE_APPROVED")]
    assert await events(db) == [("purchase_request", "PurchaseRequest", "APPROVE")]


async def test_concurrent_deliveries_never_exceed_the_approval(
    app: Starlette,
    settings: Settings,
    inventory: Inventory,
    db: async_sessionmaker[AsyncSession],
) -> None:
    """approved1 is for 8 TVs; 12 deliveries of one at once: at most 8 are booked, and
    the request, the ledger and the level agree."""
    world = inventory.world
    tv, wh1 = inventory.products["tv"], inventory.warehouses["wh1"]
    request = inventory.requests["approved1"]
    before = await on_hand(db, tv, wh1)

    async def deliver() -> str:
        ctx = await _context(app, settings, world, "state1")
        try:
            await purchases.receive_purchase(ctx, request.id or 0, 1)
        except DomainError as error:
            return error.code.value
        return "ok"

    results = Counter(await asyncio.gather(*(deliver() for _ in range(12))))
    async with db() as session:
        stored = await session.get(PurchaseRequest, request.id)
        receipts = (
            await session.scalars(
                sa.select(col(StockMovement.quantity)).where(
                    col(StockMovement.purchase_request_id) == request.id
                )
            )
        ).all()
    assert stored is not None
    assert 1 <= results["ok"] <= 8, results
    assert stored.quantity_received == results["ok"] == sum(receipts)
    assert await on_hand(db, tv, wh1) == before + results["ok"]
    if stored.quantity_received == 8:
        assert stored.status is PurchaseStatus.RECEIVED
    else:
        assert stored.status is PurchaseStatus.APPROVED


async def test_a_notification_links_to_its_purchase_request(
    client: GraphQLClient, inventory: Inventory
) -> None:
    world = inventory.world
    created = await mutate_ok(
        client,
        "createPurchaseRequest",
        {
            "productId": inventory.product("fan"),
            "warehouseId": inventory.warehouse("wh1"),
            "quantity": 3,
            "reason": "Festival season",
        },
        token=world.token("cluster1"),
    )
    query = "{ notifications { edges { node { kind purchaseRequest { id status } } } } }"
    data = await client.data(query, token=world.token("state1"))
    [edge] = data["notifications"]["edges"]
    assert edge["node"]["kind"] == "PURCHASE_REQUESTED"
    assert edge["node"]["purchaseRequest"] == {
        "id": created["purchaseRequest"]["id"],
        "status": "PENDING",
    }
