"""Keyset pagination: one helper behind every connection.

A page is fetched as ``first + 1`` rows ordered by a sort key that ends in the
primary key, so the extra row tells whether there is a next page, and a cursor (the
sort key of a row, encoded) stays valid however many rows are inserted before it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.base import UTCDateTime
from models.expressions import one_of
from resolvers.errors import DomainError, ErrorCode

RowT = TypeVar("RowT")
CursorValue = int | str | bool | float | datetime | date | None


@dataclass(frozen=True, slots=True)
class SortKey:
    """One column of the sort order and how to read its value from a row."""

    column: Any
    attribute: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class PageArgs:
    """What the client asked for: ``first``/``after`` forwards, ``last``/``before`` back."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(slots=True)
class Page(Generic[RowT]):
    rows: list[RowT]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]


def _encode_value(value: CursorValue) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _decode_value(value: Any) -> CursorValue:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        raise ValueError("unknown cursor value")
    if value is None or isinstance(value, int | str | bool | float):
        return value
    raise ValueError("unknown cursor value")


def encode_cursor(values: Sequence[CursorValue]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[Any], argument: str) -> list[CursorValue]:
    """The values of a cursor of a list sorted by columns of ``types`` (SQLAlchemy types,
    one per key), each checked to be a value of its column: anything else a client sends
    (another list's cursor, a forged one) is a VALIDATION error, never a database one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError("wrong shape")
        decoded = [_decode_value(v) for v in values]
        for value, type_ in zip(decoded, types, strict=True):
            _check_value(value, type_)
        return decoded
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as error:
        raise DomainError(
            ErrorCode.VALIDATION, f"`{argument}` is not a cursor of this list.", [argument]
        ) from error


INT32 = 2**31
INT64 = 2**63


def _check_value(value: CursorValue, type_: Any) -> None:
    """``value`` is one a column of ``type_`` can be compared with; ValueError if not."""
    if isinstance(type_, sa.TypeDecorator) and not isinstance(type_, UTCDateTime):
        type_ = type_.impl  # SQLModel's AutoString is a decorated String
    if isinstance(type_, UTCDateTime | sa.DateTime):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("not an instant")
        value.astimezone(UTC)  # OverflowError where UTC cannot represent it
    elif isinstance(type_, sa.Date):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError("not a day")
    elif isinstance(type_, sa.Integer):
        bound = INT64 if isinstance(type_, sa.BigInteger) else INT32
        if not isinstance(value, int) or isinstance(value, bool) or not -bound <= value < bound:
            raise ValueError("not an id")
    elif isinstance(type_, sa.String) and (not isinstance(value, str) or "\x00" in value):
        raise ValueError("not a text")


def after_predicate(keys: Sequence[SortKey], values: Sequence[CursorValue]) -> Any:
    """Rows strictly after ``values`` in the order given by ``keys``."""
    clauses = []
    for index, key in enumerate(keys):
        equal_before = [keys[i].column == values[i] for i in range(index)]
        beyond = key.column < values[index] if key.descending else key.column > values[index]
        clauses.append(sa.and_(*equal_before, beyond))
    return sa.or_(*clauses)


def _reverse(keys: Sequence[SortKey]) -> list[SortKey]:
    return [SortKey(k.column, k.attribute, not k.descending) for k in keys]


def order_by_clauses(keys: Sequence[SortKey]) -> list[Any]:
    return [k.column.desc() if k.descending else k.column.asc() for k in keys]


def validate_page_args(args: PageArgs, *, default_size: int, max_size: int) -> tuple[int, bool]:
    """The page size, and whether the page is read backwards (``last``/``before``)."""
    for name, value in (("first", args.first), ("last", args.last)):
        if value is not None and not 0 <= value <= max_size:
            raise DomainError(
                ErrorCode.VALIDATION, f"`{name}` must be between 0 and {max_size}.", [name]
            )
    if args.first is not None and args.last is not None:
        raise DomainError(ErrorCode.VALIDATION, "Pass `first` or `last`, not both.", ["last"])
    backwards = args.last is not None or (args.before is not None and args.first is None)
    size = args.last if backwards else args.first
    return (default_size if size is None else size), backwards


async def paginate(
    sessions: async_sessionmaker[AsyncSession],
    statement: sa.Select[Any],
    keys: Sequence[SortKey],
    args: PageArgs,
    *,
    default_size: int,
    max_size: int,
) -> Page[Any]:
    """One page of ``statement`` (which selects one entity) in the order of ``keys``."""
    size, backwards = validate_page_args(args, default_size=default_size, max_size=max_size)
    order = _reverse(keys) if backwards else list(keys)
    page_statement = statement
    types = [key.column.type for key in keys]
    if args.after is not None:
        values = decode_cursor(args.after, types, "after")
        page_statement = page_statement.where(after_predicate(keys, values))
    if args.before is not None:
        values = decode_cursor(args.before, types, "before")
        page_statement = page_statement.where(after_predicate(_reverse(keys), values))
    page_statement = page_statement.order_by(*order_by_clauses(order)).limit(size + 1)

    async with sessions() as session:
        rows = list((await session.execute(page_statement)).scalars().all())
    has_more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    async def count() -> int:
        counted = sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
        async with sessions() as session:
            return int((await session.execute(counted)).scalar_one())

    return Page(
        rows=rows,
        cursors=[encode_cursor([getattr(row, k.attribute) for k in keys]) for row in rows],
        has_next_page=has_more if not backwards else args.before is not None,
        has_previous_page=has_more if backwards else args.after is not None,
        count=count,
    )


async def paginate_partitioned(
    sessions: async_sessionmaker[AsyncSession],
    statement: sa.Select[Any],
    entity: Any,
    partition_column: Any,
    parent_ids: Sequence[int],
    keys: Sequence[SortKey],
    args: PageArgs,
    *,
    default_size: int,
    max_size: int,
) -> dict[int, Page[Any]]:
    """The same page of ``statement`` for each parent, in one statement.

    A nested connection (a plant's consumers under a list of plants) would otherwise cost
    one query per parent; ROW_NUMBER() over each parent's rows keeps it at one. Only
    forward pages (``first``/``after``) are offered here.
    """
    size, backwards = validate_page_args(args, default_size=default_size, max_size=max_size)
    if backwards:
        raise DomainError(
            ErrorCode.VALIDATION, "Nested lists page forwards only: use first/after.", ["last"]
        )
    filtered = statement.where(one_of(partition_column, parent_ids))
    if args.after is not None:
        types = [key.column.type for key in keys]
        filtered = filtered.where(after_predicate(keys, decode_cursor(args.after, types, "after")))
    row_number = (
        sa.func.row_number()
        .over(partition_by=partition_column, order_by=order_by_clauses(keys))
        .label("rn")
    )
    numbered = filtered.add_columns(row_number).subquery()
    rows_alias = sa.orm.aliased(entity, numbered)
    page_statement = (
        sa.select(rows_alias)
        .where(numbered.c.rn <= size + 1)
        .order_by(numbered.c[partition_column.key], numbered.c.rn)
    )
    async with sessions() as session:
        rows = list((await session.execute(page_statement)).scalars().all())

    grouped: dict[int, list[Any]] = {parent_id: [] for parent_id in parent_ids}
    for row in rows:
        grouped[getattr(row, partition_column.key)].append(row)

    async def load_counts() -> dict[int, int]:
        scoped = statement.where(one_of(partition_column, parent_ids)).order_by(None).subquery()
        parent = scoped.c[partition_column.key]
        counted = sa.select(parent, sa.func.count()).group_by(parent)
        async with sessions() as session:
            return {key: int(n) for key, n in (await session.execute(counted)).all()}

    # Sibling fields ask concurrently: one grouped count serves every parent of the batch.
    counts: asyncio.Future[dict[int, int]] | None = None

    async def count_of(parent_id: int) -> int:
        nonlocal counts
        if counts is None:
            counts = asyncio.ensure_future(load_counts())
        return (await counts).get(parent_id, 0)

    pages: dict[int, Page[Any]] = {}
    for parent_id, parent_rows in grouped.items():
        has_more = len(parent_rows) > size
        parent_rows = parent_rows[:size]
        pages[parent_id] = Page(
            rows=parent_rows,
            cursors=[
                encode_cursor([getattr(row, k.attribute) for k in keys]) for row in parent_rows
            ],
            has_next_page=has_more,
            has_previous_page=args.after is not None,
            count=lambda parent_id=parent_id: count_of(parent_id),  # type: ignore[misc]
        )
    return pages
