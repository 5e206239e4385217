"""Money: exact amounts from integer minor units, never floats."""

from __future__ import annotations

from decimal import Decimal

import strawberry

MINOR_UNIT_EXPONENT = 2  # paise per rupee: 10**2


@strawberry.type(
    description="An amount of money, in the company's currency (`currency`, INR unless "
    "configured otherwise): `amount` is an exact decimal string with 2 decimal places."
)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        # scaleb keeps the exponent, so 50 rupees print as "50.00", never "50" or "5E+1".
        return cls(amount=Decimal(minor).scaleb(-MINOR_UNIT_EXPONENT), currency=currency)
