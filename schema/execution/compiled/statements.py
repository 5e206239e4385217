"""Statements built once and run many times on the driver's own connection.

A compiled statement is a SQLAlchemy Core ``Select`` turned into SQL text once for the
engine's dialect. What SQLAlchemy would do around each execution is kept and applied
here: the bound parameters' conversions (an id list as an array or as JSON, instants as
the column stores them) and the result columns' conversions (SQLite's text into aware
datetimes, integers into booleans, strings into enums), so that the values are those the
ORM would have loaded. The text goes to asyncpg (prepared and cached per connection) or
sqlite3 directly: no statement object, cache key or result wrapper per request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import visitors

from core.operation_tally import record_statement
from models.base import UTCDateTime
from schema.execution.compiled.sources import Call, Getter

Row = Sequence[Any]
Convert = Callable[[Any], Any]
Rows = list[Any]


@dataclass(frozen=True, slots=True)
class Statement:
    """SQL text with its parameters' sources and conversions, and its columns' conversions."""

    sql: str
    parameters: tuple[tuple[Getter, Convert | None], ...]
    results: tuple[tuple[int, Convert], ...]  # (column index, conversion) where one is needed
    postgres: bool

    @classmethod
    def compile(
        cls, select: sa.Select[Any], getters: dict[str, Getter], dialect: Dialect
    ) -> Statement:
        compiled = _constants_written_out(select, getters, dialect).compile(dialect=dialect)
        names = compiled.positiontup or ()
        processors = compiled._bind_processors
        parameters = tuple(
            (
                getters.get(name) or _constant(compiled.binds[name].value),
                cast("Convert | None", processors.get(name)),
            )
            for name in names
        )
        results = []
        for index, column in enumerate(select.selected_columns):
            convert = _result_conversion(column.type, dialect)
            if convert is not None:
                results.append((index, convert))
        return cls(compiled.string, parameters, tuple(results), dialect.name == "postgresql")

    def values(self, call: Call, extra: dict[str, Any] | None = None) -> list[Any]:
        values = []
        for getter, convert in self.parameters:
            value = getter(call)
            values.append(convert(value) if convert is not None and value is not None else value)
        return values

    async def rows(self, connection: Any, values: list[Any]) -> Rows:
        """The converted rows of this statement on a driver connection."""
        record_statement(self.sql)
        if self.postgres:
            found: Rows = await connection.fetch(self.sql, *values)
        else:
            async with connection.execute(self.sql, values) as cursor:
                found = list(await cursor.fetchall())
        if not self.results:
            return found
        converted = []
        for row in found:
            values_of_row = list(row)
            for index, convert in self.results:
                value = values_of_row[index]
                if value is not None:
                    values_of_row[index] = convert(value)
            converted.append(values_of_row)
        return converted


def _result_conversion(type_: Any, dialect: Dialect) -> Convert | None:
    """SQLAlchemy's conversion of a result column of ``type_``, if it has one.

    asyncpg's numeric conversions want the column's type oid, which only a cursor knows;
    asyncpg returns those values as Python numbers already, so none is needed."""
    if dialect.name == "postgresql" and isinstance(type_, UTCDateTime):
        return None  # asyncpg gives timestamptz as aware UTC datetimes already
    if names_are_values(type_):
        return None  # the stored value is the enum's name, which is what is written out
    try:
        return cast("Convert | None", type_._cached_result_processor(dialect, None))
    except TypeError:
        return None


def names_are_values(type_: Any) -> bool:
    """An enum column whose members' values are their names: its raw value is its name."""
    enum_class = getattr(type_, "enum_class", None)
    return enum_class is not None and all(m.name == m.value for m in enum_class)


def _constants_written_out(
    select: sa.Select[Any], getters: dict[str, Getter], dialect: Dialect
) -> sa.Select[Any]:
    """The statement's constants (``kind = 'STATUS'``, ``stage IN OPEN_STAGES``) written
    into its text rather than bound: the text is rendered once here, and PostgreSQL plans
    a prepared statement generically after a few runs, when a bound constant's value is
    unknown to it (it guessed the rows of each stage, and read the summary's requests by
    the wrong index). SQLAlchemy would render an "expanding" list at each execution."""

    def literal(value: Any, type_: Any) -> Any:
        rendered = sa.literal(value, type_).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
        return sa.literal_column(rendered.string, type_)

    def written_out(element: Any, **_kw: Any) -> Any:
        if not isinstance(element, sa.BindParameter) or element.key in getters:
            return None
        if element.callable is not None or element.value is None:
            return None
        if element.expanding:
            values: list[Any] = element.value
            return sa.tuple_(*(literal(value, element.type) for value in values))
        return literal(element.value, element.type)

    return cast("sa.Select[Any]", visitors.replacement_traverse(select, {}, written_out))


def _constant(value: Any) -> Getter:
    """A parameter SQLAlchemy adds with its own value (SQLite's ``OFFSET 0``)."""
    return lambda _call: value


async def driver_connection(connection: AsyncConnection) -> Any:
    """The asyncpg or aiosqlite connection under a pooled SQLAlchemy connection."""
    raw = await connection.get_raw_connection()
    return raw.driver_connection
