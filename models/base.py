"""Column types and conventions shared by every table."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

# Stable constraint names, so that migrations can refer to them on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """An instant, stored in UTC and always read back timezone-aware.

    PostgreSQL keeps it as ``timestamptz``; SQLite has no time zones, so the UTC
    wall time is stored and the zone re-attached on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Large append-only tables get 64-bit ids; SQLite only auto-increments INTEGER keys.
BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def enum_type(enum_cls: type[Enum], name: str | None = None) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint on both databases.

    ``name`` names the CHECK constraint; give one when a table has two columns of
    the same enum.
    """
    values = [str(member.value) for member in enum_cls]
    return sa.Enum(
        enum_cls,
        name=name or _snake(enum_cls.__name__),
        native_enum=False,
        create_constraint=True,
        length=max(len(value) for value in values),
        values_callable=lambda cls: [str(member.value) for member in cls],
        validate_strings=True,
    )


def timestamp_field(*, index: bool = False) -> Any:
    """A required instant that defaults to now."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)
