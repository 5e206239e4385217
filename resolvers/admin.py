"""What every administration resolver shares: the ADMIN check, "field left unchanged",
loading a row by id, and turning unique-constraint clashes into DUPLICATE."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from auth.actor import Actor
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode, forbidden, not_found

ModelT = TypeVar("ModelT", bound=SQLModel)


class Unchanged(Enum):
    """An update field that was left out: keep the stored value.

    Distinct from ``None``, which, where a field may be empty, means "clear it".
    """

    UNCHANGED = "UNCHANGED"


UNCHANGED = Unchanged.UNCHANGED


def require_admin(ctx: RequestContext, action: str) -> Actor:
    """The actor, if an administrator: UNAUTHENTICATED when signed out, else FORBIDDEN."""
    actor = ctx.require_actor()
    if not actor.is_admin:
        raise forbidden(action)
    return actor


async def get_or_not_found(
    session: AsyncSession, model: type[ModelT], row_id: int, what: str, field: list[str]
) -> ModelT:
    """The row with this id, or NOT_FOUND naming the input field that gave the id."""
    row = await session.get(model, row_id)
    if row is None:
        raise not_found(what, field)
    return row


@dataclass(frozen=True, slots=True)
class UniqueField:
    """A unique column and the input field that sets it, for DUPLICATE errors."""

    model: type[SQLModel]
    column: str
    field: list[str]
    label: str  # how a message names it: "State code", "Email"

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    def duplicate(self, value: object) -> DomainError:
        return DomainError(
            ErrorCode.DUPLICATE, f"{self.label} {value} is already in use.", self.field
        )

    def named_in(self, database_message: str) -> bool:
        """Whether a database's unique-violation message is about this column.

        PostgreSQL names the constraint (``uq_users_email``, see the naming convention in
        models/base.py); SQLite names the column (``users.email``).
        """
        return (
            f"uq_{self.table}_{self.column}" in database_message
            or f"{self.table}.{self.column}" in database_message
        )


async def ensure_unique(
    session: AsyncSession, unique: UniqueField, value: object, *, except_id: int | None = None
) -> None:
    """DUPLICATE if another row (not ``except_id``) already holds ``value``."""
    id_column = col(unique.model.id)  # type: ignore[attr-defined]
    statement: sa.Select[Any] = sa.select(id_column).where(
        getattr(unique.model, unique.column) == value
    )
    if except_id is not None:
        statement = statement.where(id_column != except_id)
    if (await session.execute(statement.limit(1))).first() is not None:
        raise unique.duplicate(value)


async def flush_checked(session: AsyncSession, uniques: Sequence[UniqueField]) -> None:
    """Flush, turning a constraint violation into a DomainError instead of a server error.

    ``ensure_unique`` answers first with a clear message; this catches what a concurrent
    transaction committed in between. The raised error ends the ``write_session`` block,
    which rolls the transaction back.
    """
    try:
        await session.flush()
    except IntegrityError as error:
        message = str(error.orig)
        for unique in uniques:
            if unique.named_in(message):
                raise DomainError(
                    ErrorCode.DUPLICATE,
                    f"This {unique.label.lower()} is already in use.",
                    unique.field,
                ) from error
        raise DomainError(
            ErrorCode.CONFLICT,
            "Someone changed related records at the same time; reload and try again.",
        ) from error


ValueT = TypeVar("ValueT")
CleanT = TypeVar("CleanT")


def clean_change(
    value: ValueT | Unchanged,
    clean: Callable[[ValueT, list[str]], CleanT],
    field: list[str],
) -> CleanT | Unchanged:
    """``clean(value, field)`` for a field that was given; UNCHANGED passes through."""
    if value is UNCHANGED:
        return UNCHANGED
    return clean(value, field)
