"""Money: exact amounts from integer minor units, never floats."""

from __future__ import annotations

from decimal import Decimal

import strawberry

MINOR_UNITS_PER_MAJOR = 100  # paise per rupee


@strawberry.type(description="An amount of money. `amount` is an exact decimal string.")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(amount=Decimal(minor) / MINOR_UNITS_PER_MAJOR, currency=currency)
