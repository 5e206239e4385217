"""The stock ledger: levels always equal the sum of their movements and never go
negative, whatever sequence of movements is applied, and however many take the last
units at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from starlette.applications import Starlette

from auth.actor import load_actor
from core.db import write_session
from core.settings import Settings
from models import MovementKind, StockLevel, StockMovement
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode
from resolvers.inventory.catalogue import MAX_ON_HAND
from resolvers.inventory.stock import adjust_stock, move_stock, transfer_stock
from tests.factories import World
from tests.inventory.factories import make_product, make_warehouse, receive

PRODUCTS, WAREHOUSES = 2, 3
Pair = tuple[int, int]


async def admin_context(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, world: World
) -> RequestContext:
    async with sessions() as session:
        actor = await load_actor(session, world.users["admin"].id or 0)
    return RequestContext(settings=settings, sessions=sessions, actor=actor, request_id="test")


async def ledger_state(
    db: async_sessionmaker[AsyncSession],
) -> tuple[dict[Pair, int], dict[Pair, int]]:
    """(levels, sums of movements) per (product, warehouse)."""
    async with db() as session:
        levels = {
            (p, w): on_hand
            for p, w, on_hand in await session.execute(
                sa.select(
                    col(StockLevel.product_id),
                    col(StockLevel.warehouse_id),
                    col(StockLevel.on_hand),
                )
            )
        }
        sums = {
            (p, w): int(total)
            for p, w, total in await session.execute(
                sa.select(
                    col(StockMovement.product_id),
                    col(StockMovement.warehouse_id),
                    sa.func.sum(col(StockMovement.quantity)),
                ).group_by(col(StockMovement.product_id), col(StockMovement.warehouse_id))
            )
        }
    return levels, sums


index = st.integers(0, PRODUCTS - 1), st.integers(0, WAREHOUSES - 1)
units = st.integers(1, 12)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("receipt"), *index, units, st.just(0)),
        st.tuples(st.just("issue"), *index, units, st.just(0)),
        st.tuples(st.just("adjust"), *index, st.integers(-12, 12).filter(bool), st.just(0)),
        st.tuples(st.just("transfer"), *index, units, st.integers(0, WAREHOUSES - 1)),
    ),
    max_size=20,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
async def test_levels_equal_the_ledger_and_never_go_negative(
    db: async_sessionmaker[AsyncSession], settings: Settings, world: World, ops: list[Any]
) -> None:
    # Function-scoped fixtures are not reset between examples: each starts from its own
    # empty ledger, on the products and warehouses of the first.
    async with db() as session, session.begin():
        for table in ("stock_movements", "stock_levels", "outbox_events", "warehouses"):
            await session.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608
        await session.execute(sa.text("DELETE FROM products"))
        products = [await make_product(session) for _ in range(PRODUCTS)]
        warehouses = [await make_warehouse(session, world.states[0]) for _ in range(WAREHOUSES)]
    ctx = await admin_context(db, settings, world)
    product_ids = [p.id or 0 for p in products]
    warehouse_ids = [w.id or 0 for w in warehouses]
    expected: Counter[Pair] = Counter()

    for kind, p, w, quantity, to in ops:
        pair, target = (product_ids[p], warehouse_ids[w]), (product_ids[p], warehouse_ids[to])
        refusal: ErrorCode | None = None
        try:
            if kind in ("receipt", "issue"):
                async with write_session(db) as session:
                    await move_stock(
                        session,
                        product_id=pair[0],
                        warehouse_id=pair[1],
                        kind=MovementKind.RECEIPT if kind == "receipt" else MovementKind.ISSUE,
                        quantity=quantity if kind == "receipt" else -quantity,
                        actor_id=None,
                    )
            elif kind == "adjust":
                await adjust_stock(
                    ctx, product_id=pair[0], warehouse_id=pair[1], delta=quantity, reason="count"
                )
            else:
                await transfer_stock(
                    ctx,
                    product_id=pair[0],
                    from_warehouse_id=pair[1],
                    to_warehouse_id=target[1],
                    quantity=quantity,
                    reason=None,
                )
        except DomainError as error:
            refusal = error.code

        taken = quantity if kind in ("issue", "transfer") else -quantity
        if kind == "transfer" and pair == target:
            assert refusal is ErrorCode.VALIDATION
        elif kind in ("issue", "transfer", "adjust") and expected[pair] - taken < 0:
            assert refusal is ErrorCode.OUT_OF_STOCK, (kind, expected[pair], quantity)
        else:
            assert refusal is None, (kind, refusal)
            expected[pair] -= taken
            if kind == "transfer":
                expected[target] += quantity

        levels, sums = await ledger_state(db)
        assert levels == sums
        assert all(on_hand >= 0 for on_hand in levels.values())
        assert {k: v for k, v in levels.items() if v} == {k: v for k, v in expected.items() if v}


async def test_a_movement_of_the_wrong_sign_is_a_bug_not_a_user_error(
    db: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with db() as session, session.begin():
        product = await make_product(session)
        warehouse = await make_warehouse(session, world.states[0])
    for kind, quantity in ((MovementKind.ISSUE, 1), (MovementKind.RECEIPT, -1)):
        with pytest.raises(ValueError, match="cannot have quantity"):
            async with write_session(db) as session:
                await move_stock(
                    session,
                    product_id=product.id or 0,
                    warehouse_id=warehouse.id or 0,
                    kind=kind,
                    quantity=quantity,
                    actor_id=None,
                )


async def test_the_database_refuses_a_negative_level(
    db: async_sessionmaker[AsyncSession], world: World
) -> None:
    """The CHECK behind the guarded update: the last line of defence."""
    async with db() as session, session.begin():
        product = await make_product(session)
        warehouse = await make_warehouse(session, world.states[0])
        await receive(session, product, warehouse, 1)
    with pytest.raises(IntegrityError):
        async with db() as session, session.begin():
            await session.execute(
                sa.update(StockLevel)
                .values(on_hand=-1)
                .where(col(StockLevel.product_id) == product.id)
            )


async def test_a_level_cannot_pass_its_columns_largest_value(
    db: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with db() as session, session.begin():
        product = await make_product(session)
        warehouse = await make_warehouse(session, world.states[0])
        await receive(session, product, warehouse, 1)
        await session.execute(
            sa.update(StockLevel)
            .values(on_hand=MAX_ON_HAND - 1)
            .where(col(StockLevel.product_id) == product.id)
        )
        # Staged directly (so this level no longer equals its ledger): the edge itself.
    with pytest.raises(DomainError) as raised:
        async with write_session(db) as session:
            await move_stock(
                session,
                product_id=product.id or 0,
                warehouse_id=warehouse.id or 0,
                kind=MovementKind.RECEIPT,
                quantity=2,
                actor_id=None,
                field=["input", "quantity"],
            )
    assert (raised.value.code, raised.value.field) == (ErrorCode.VALIDATION, ["input", "quantity"])
    levels, _ = await ledger_state(db)
    assert levels == {(product.id, warehouse.id): MAX_ON_HAND - 1}


CONCURRENT = 20
LAST_UNITS = 5


async def test_concurrent_issues_of_the_last_units(
    app: Starlette,
    db: async_sessionmaker[AsyncSession],
    world: World,
    on_postgres: bool,
) -> None:
    """20 issues at once of the last 5 units: exactly 5 succeed. On SQLite writers are
    serialised by BEGIN IMMEDIATE; on PostgreSQL all 20 transactions are open at once
    before any of them updates the level, so the guarded UPDATE is what decides."""
    async with db() as session, session.begin():
        product = await make_product(session)
        warehouse = await make_warehouse(session, world.states[0])
        await receive(session, product, warehouse, LAST_UNITS)
    sessions: async_sessionmaker[AsyncSession] = app.state.runtime.sessions
    barrier = asyncio.Barrier(CONCURRENT) if on_postgres else None

    async def issue() -> str:
        try:
            async with write_session(sessions) as session:
                if barrier is not None:
                    await barrier.wait()
                await move_stock(
                    session,
                    product_id=product.id or 0,
                    warehouse_id=warehouse.id or 0,
                    kind=MovementKind.ISSUE,
                    quantity=-1,
                    actor_id=world.users["state1"].id,
                    reason="Scheme enrolment",
                )
        except DomainError as error:
            return error.code.value
        return "ok"

    results = Counter(await asyncio.gather(*(issue() for _ in range(CONCURRENT))))
    assert results == {"ok": LAST_UNITS, "OUT_OF_STOCK": CONCURRENT - LAST_UNITS}
    levels, sums = await ledger_state(db)
    assert levels == sums == {(product.id, warehouse.id): 0}
    async with db() as session:
        issues = await session.scalar(
            sa.select(sa.func.count()).where(col(StockMovement.kind) == MovementKind.ISSUE)
        )
    assert issues == LAST_UNITS
