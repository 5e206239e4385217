"""Output values written exactly as the schema writes them.

Each function takes what the database gave (after the same result conversions the ORM
applies, see ``statements``) and returns the JSON value Strawberry would serialise: global
ids as ``relay.GlobalID`` prints them, instants and days by ``isoformat``, enums by name,
decimals as strings, money as ``schema.money.Money``.
"""

from __future__ import annotations

from base64 import b64encode, urlsafe_b64encode
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from schema.money import MINOR_UNIT_EXPONENT

Encode = Callable[[Any], Any]


def global_id(type_name: str) -> Encode:
    """``relay.GlobalID(type_name, str(id))`` as a string: base64 of ``Type:id``."""
    prefix = f"{type_name}:"

    def encode(node_id: Any) -> str:
        return b64encode(f"{prefix}{node_id}".encode()).decode()

    return encode


def as_is(value: Any) -> Any:
    return value


def as_bool(value: Any) -> bool:
    return bool(value)


def instant(value: datetime) -> str:
    return value.isoformat()


def day(value: date) -> str:
    return value.isoformat()


def enum_name(value: Any) -> str:
    return value.name if isinstance(value, Enum) else str(value)


def decimal(value: Decimal) -> str:
    return str(value)


def money_amount(minor: int) -> str:
    """``Money.from_minor``'s amount: scaleb keeps the exponent ("50.00", never "5E+1")."""
    return str(Decimal(minor).scaleb(-MINOR_UNIT_EXPONENT))


def cursor_of_instant_and_id(moment: datetime, row_id: int) -> str:
    """:func:`cursor` of the usual key, (an instant, an id), in one expression."""
    raw = f'[{{"t":"{moment.isoformat()}"}},{row_id}]'
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor(*values: Any) -> str:
    """``resolvers.pagination.encode_cursor(values)``, written directly for the usual keys
    (instants, integers), whose JSON needs no escaping; anything else goes through it."""
    parts = []
    for value in values:
        if isinstance(value, datetime):
            parts.append(f'{{"t":"{value.isoformat()}"}}')
        elif isinstance(value, int) and not isinstance(value, bool):
            parts.append(str(value))
        else:
            from resolvers.pagination import encode_cursor

            return encode_cursor(values)
    raw = "[" + ",".join(parts) + "]"
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")
