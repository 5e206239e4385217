"""Schemes, stock and enrolments for the scheme tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.geography import State
from models.inventory import Product, Warehouse
from models.schemes.tables import (
    InstallmentFrequency,
    Scheme,
    SchemeEnrollment,
    SchemeInstallment,
    SchemeState,
    SchemeType,
)
from schema.relay import encode_id
from tests.factories import World, unique
from tests.inventory.factories import make_product, make_warehouse, receive

# The tables scheme operations write: a refusal must leave every one unchanged.
SCHEME_TABLES = (
    "scheme_enrollments",
    "scheme_installments",
    "scheme_payments",
    "stock_levels",
    "stock_movements",
    "outbox_events",
)


def gid(type_name: str, row: Any) -> str:
    row_id = row if isinstance(row, int) else row.id
    assert row_id is not None
    return encode_id(type_name, row_id)


async def make_scheme(
    session: AsyncSession, product: Product, states: list[State], **fields: Any
) -> Scheme:
    code = unique("SCH-")[:16]
    scheme = Scheme(
        **{
            "code": code,
            "name": f"Scheme {code}",
            "scheme_type": SchemeType.STANDARD,
            "product_id": product.id,
            "total_price_minor": 120_000,
            "down_payment_minor": 20_000,
            "installment_count": 10,
            "frequency": InstallmentFrequency.MONTHLY,
            "valid_from": date(2020, 1, 1),
            "valid_to": None,
            **fields,
        }
    )
    session.add(scheme)
    await session.flush()
    assert scheme.id is not None
    for state in states:
        assert state.id is not None
        session.add(SchemeState(scheme_id=scheme.id, state_id=state.id))
    await session.flush()
    return scheme


@dataclass
class SchemeWorld:
    world: World
    product: Product | None = None
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    schemes: dict[str, Scheme] = field(default_factory=dict)

    def scheme(self, name: str) -> str:
        return gid("Scheme", self.schemes[name])

    def warehouse(self, name: str) -> str:
        return gid("Warehouse", self.warehouses[name])

    def consumer(self, plant_index: int, n: int = 0) -> str:
        return gid("Consumer", self.world.plant_consumers(plant_index)[n])


async def build_schemes(
    db: async_sessionmaker[AsyncSession], world: World, *, units: int = 10, wh1b_units: int = 2
) -> SchemeWorld:
    """A fan with ``units`` in wh1 (state1), ``wh1b_units`` in wh1b (state1), 5 in wh2 (state2), and
    schemes: ``fan`` (both states), ``expired``, ``state2only``, ``inactive``."""
    built = SchemeWorld(world=world)
    state1, state2 = world.states
    async with db() as session, session.begin():
        fan = await make_product(session)
        built.product = fan
        wh1 = await make_warehouse(session, state1)
        wh1b = await make_warehouse(session, state1)
        wh2 = await make_warehouse(session, state2)
        for warehouse, n in ((wh1, units), (wh1b, wh1b_units), (wh2, 5)):
            if n:
                await receive(session, fan, warehouse, n, world.users["admin"])
        built.warehouses = {"wh1": wh1, "wh1b": wh1b, "wh2": wh2}
        built.schemes = {
            "fan": await make_scheme(session, fan, [state1, state2]),
            "expired": await make_scheme(
                session, fan, [state1], valid_from=date(2020, 1, 1), valid_to=date(2021, 1, 1)
            ),
            "state2only": await make_scheme(session, fan, [state2]),
            "inactive": await make_scheme(session, fan, [state1], active=False),
        }
    return built


async def snapshot(db: async_sessionmaker[AsyncSession]) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with db() as session:
        for table in SCHEME_TABLES:
            result = await session.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608
            rows[table] = sorted((tuple(row) for row in result), key=repr)
    return rows


async def backdate(db: async_sessionmaker[AsyncSession], enrollment_id: int, days: int) -> None:
    """Move an enrolment and its schedule ``days`` into the past, as if made then."""
    async with db() as session, session.begin():
        enrollment = await session.get(SchemeEnrollment, enrollment_id)
        assert enrollment is not None
        enrollment.enrolled_at = enrollment.enrolled_at - timedelta(days=days)
        installments = (
            await session.execute(
                sa.select(SchemeInstallment).where(
                    col(SchemeInstallment.enrollment_id) == enrollment_id
                )
            )
        ).scalars()
        for installment in installments:
            installment.due_date = installment.due_date - timedelta(days=days)
