"""Administration of the scheme catalogue (ADMIN): creating and changing schemes.

Enrolments copy the price terms, so changing a scheme never changes what an enrolled
customer agreed to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import write_session
from models.base import utcnow
from models.geography import State
from models.inventory import Product
from models.schemes.tables import InstallmentFrequency, Scheme, SchemeState, SchemeType
from resolvers.admin import (
    UNCHANGED,
    Unchanged,
    UniqueField,
    ensure_unique,
    flush_checked,
    get_or_not_found,
    require_admin,
)
from resolvers.context import RequestContext
from resolvers.validation import clean_code, clean_name, input_field, invalid, money_to_minor

ValueT = TypeVar("ValueT")
MANAGE_SCHEMES = "manage schemes"
SCHEME_CODE = UniqueField(Scheme, "code", input_field("code"), "Scheme code")
# A schedule longer than this is a typo (weekly for ten years at most).
MAX_INSTALLMENTS = 520


@dataclass(frozen=True, slots=True)
class SchemeTerms:
    code: str
    name: str
    scheme_type: SchemeType
    product_id: int
    total_price: Decimal
    down_payment: Decimal
    installment_count: int
    frequency: InstallmentFrequency
    valid_from: date
    valid_to: date | None
    state_ids: list[int]
    active: bool = True


@dataclass(frozen=True, slots=True)
class SchemeChanges:
    code: str | Unchanged = UNCHANGED
    name: str | Unchanged = UNCHANGED
    scheme_type: SchemeType | Unchanged = UNCHANGED
    product_id: int | Unchanged = UNCHANGED
    total_price: Decimal | Unchanged = UNCHANGED
    down_payment: Decimal | Unchanged = UNCHANGED
    installment_count: int | Unchanged = UNCHANGED
    frequency: InstallmentFrequency | Unchanged = UNCHANGED
    valid_from: date | Unchanged = UNCHANGED
    valid_to: date | Unchanged | None = UNCHANGED
    state_ids: list[int] | Unchanged = UNCHANGED
    active: bool | Unchanged = UNCHANGED


async def _checked(session: AsyncSession, terms: SchemeTerms) -> tuple[SchemeTerms, int, int]:
    """The cleaned terms and the price and down payment in minor units; VALIDATION else."""
    code = clean_code(terms.code, input_field("code"))
    name = clean_name(terms.name, input_field("name"))
    total = money_to_minor(terms.total_price, input_field("totalPrice"))
    down = money_to_minor(terms.down_payment, input_field("downPayment"))
    if total <= 0:
        raise invalid("The total price is more than zero.", input_field("totalPrice"))
    if down > total:
        raise invalid("The down payment is at most the total price.", input_field("downPayment"))
    if not 0 < terms.installment_count <= MAX_INSTALLMENTS:
        raise invalid(
            f"Between 1 and {MAX_INSTALLMENTS} instalments.", input_field("installmentCount")
        )
    if terms.valid_to is not None and terms.valid_to < terms.valid_from:
        raise invalid("`validTo` is before `validFrom`.", input_field("validTo"))
    state_ids = sorted(set(terms.state_ids))
    if not state_ids:
        raise invalid("Offer the scheme in at least one state.", input_field("stateIds"))
    await get_or_not_found(session, Product, terms.product_id, "Product", input_field("productId"))
    found = (
        await session.execute(sa.select(col(State.id)).where(col(State.id).in_(state_ids)))
    ).scalars()
    if set(found) != set(state_ids):
        raise invalid("Unknown state.", input_field("stateIds"))
    return replace(terms, code=code, name=name, state_ids=state_ids), total, down


async def _set_states(session: AsyncSession, scheme_id: int, state_ids: list[int]) -> None:
    await session.execute(sa.delete(SchemeState).where(col(SchemeState.scheme_id) == scheme_id))
    session.add_all(SchemeState(scheme_id=scheme_id, state_id=s) for s in state_ids)
    await session.flush()


def _apply(scheme: Scheme, terms: SchemeTerms, total: int, down: int) -> None:
    scheme.code = terms.code
    scheme.name = terms.name
    scheme.scheme_type = terms.scheme_type
    scheme.product_id = terms.product_id
    scheme.total_price_minor = total
    scheme.down_payment_minor = down
    scheme.installment_count = terms.installment_count
    scheme.frequency = terms.frequency
    scheme.valid_from = terms.valid_from
    scheme.valid_to = terms.valid_to
    scheme.active = terms.active


async def create_scheme(ctx: RequestContext, terms: SchemeTerms) -> Scheme:
    require_admin(ctx, MANAGE_SCHEMES)
    async with write_session(ctx.sessions) as session:
        cleaned, total, down = await _checked(session, terms)
        await ensure_unique(session, SCHEME_CODE, cleaned.code)
        scheme = Scheme(
            code=cleaned.code,
            name=cleaned.name,
            scheme_type=cleaned.scheme_type,
            product_id=cleaned.product_id,
            total_price_minor=total,
            down_payment_minor=down,
            installment_count=cleaned.installment_count,
            frequency=cleaned.frequency,
            valid_from=cleaned.valid_from,
            valid_to=cleaned.valid_to,
            active=cleaned.active,
        )
        session.add(scheme)
        await flush_checked(session, [SCHEME_CODE])
        assert scheme.id is not None  # noqa: S101
        await _set_states(session, scheme.id, cleaned.state_ids)
    return scheme


def _pick(change: ValueT | Unchanged, current: ValueT) -> ValueT:
    return current if isinstance(change, Unchanged) else change


async def update_scheme(ctx: RequestContext, scheme_id: int, changes: SchemeChanges) -> Scheme:
    """Change a scheme; the result is validated as a whole (down payment <= price, ...)."""
    require_admin(ctx, MANAGE_SCHEMES)
    async with write_session(ctx.sessions) as session:
        scheme = await get_or_not_found(session, Scheme, scheme_id, "Scheme", input_field("id"))
        current_states = list(
            (
                await session.execute(
                    sa.select(col(SchemeState.state_id)).where(
                        col(SchemeState.scheme_id) == scheme_id
                    )
                )
            ).scalars()
        )

        terms = SchemeTerms(
            code=_pick(changes.code, scheme.code),
            name=_pick(changes.name, scheme.name),
            scheme_type=_pick(changes.scheme_type, scheme.scheme_type),
            product_id=_pick(changes.product_id, scheme.product_id),
            total_price=_pick(changes.total_price, Decimal(scheme.total_price_minor).scaleb(-2)),
            down_payment=_pick(changes.down_payment, Decimal(scheme.down_payment_minor).scaleb(-2)),
            installment_count=_pick(changes.installment_count, scheme.installment_count),
            frequency=_pick(changes.frequency, scheme.frequency),
            valid_from=_pick(changes.valid_from, scheme.valid_from),
            valid_to=_pick(changes.valid_to, scheme.valid_to),
            state_ids=_pick(changes.state_ids, current_states),
            active=_pick(changes.active, scheme.active),
        )
        cleaned, total, down = await _checked(session, terms)
        if cleaned.code != scheme.code:
            await ensure_unique(session, SCHEME_CODE, cleaned.code, except_id=scheme_id)
        _apply(scheme, cleaned, total, down)
        scheme.updated_at = utcnow()
        await flush_checked(session, [SCHEME_CODE])
        if sorted(current_states) != cleaned.state_ids:
            await _set_states(session, scheme_id, cleaned.state_ids)
    return scheme
