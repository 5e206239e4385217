"""Output values, as Strawberry prints them."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo


def global_id(type_name: str, node_id: int) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def node_id(value: str, type_name: str) -> int:
    decoded = base64.b64decode(value).decode()
    kind, _, number = decoded.partition(":")
    if kind != type_name or not number.isdigit():
        raise ValueError(f"not a {type_name} id: {value}")
    return int(number)


def instant(value: Any) -> str | None:
    """An aware UTC datetime, as ``isoformat`` prints it (SQLite gives naive text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).isoformat())


def day(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value.isoformat())


def money(minor: int, currency: str) -> dict[str, str]:
    return {"amount": str(Decimal(minor).scaleb(-2)), "currency": currency}


def cursor(values: Sequence[Any]) -> str:
    """resolvers/pagination.py's cursor: base64url of a JSON list, instants tagged."""
    encoded = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(encoded, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def as_date(value: Any) -> date | None:
    if value is None:
        return None
    return date.fromisoformat(value) if isinstance(value, str) else value


def local_midnight(value: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)
