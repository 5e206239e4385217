"""Rows of the demo world in memory, and how they reach the database fast.

On PostgreSQL each table is loaded with ``COPY`` (asyncpg's binary copy), then each id
sequence is moved past the largest id so that later inserts work. On SQLite rows go in
as ``executemany`` batches of a core ``INSERT``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on the metadata)

Row = dict[str, Any]

SQLITE_BATCH_ROWS = 5_000
DEMO_ZONE = ZoneInfo("Asia/Kolkata")
SECONDS_PER_HOUR = 3_600
WORKDAY_START_SECONDS = 9 * SECONDS_PER_HOUR
WORKDAY_END_SECONDS = 18 * SECONDS_PER_HOUR


def table_of(model: type[SQLModel]) -> sa.Table:
    """The table a SQLModel class maps to."""
    return cast(sa.Table, model.__table__)  # type: ignore[attr-defined]


class Dataset:
    """Rows to insert, per table; every row names every column of its table."""

    def __init__(self) -> None:
        self._rows: dict[str, list[Row]] = {
            table.name: [] for table in SQLModel.metadata.sorted_tables
        }

    def add(self, model: type[SQLModel], row: Row) -> None:
        """Queue one row of ``model``'s table."""
        self._rows[table_of(model).name].append(row)

    def extend(self, model: type[SQLModel], rows: Iterable[Row]) -> None:
        """Queue rows of ``model``'s table."""
        self._rows[table_of(model).name].extend(rows)

    def rows(self, model: type[SQLModel]) -> list[Row]:
        """The rows queued for ``model``'s table so far."""
        return self._rows[table_of(model).name]

    def count(self, model: type[SQLModel]) -> int:
        """How many rows are queued for ``model``'s table."""
        return len(self.rows(model))

    def rows_of_table(self, table: sa.Table) -> list[Row]:
        """The rows queued for ``table``."""
        return self._rows[table.name]


class Clock:
    """Turns the demo's local calendar days (as ordinals) into UTC instants."""

    def __init__(self, today: date) -> None:
        self.today_ordinal = today.toordinal()

    def day(self, days_ago: int) -> int:
        """The ordinal of the day ``days_ago`` days before today."""
        return self.today_ordinal - days_ago

    def instant(self, day_ordinal: int, seconds: int) -> datetime:
        """``seconds`` after local midnight of that day, in UTC."""
        return _local_midnight_utc(day_ordinal) + timedelta(seconds=seconds)


@lru_cache(maxsize=8_192)
def _local_midnight_utc(day_ordinal: int) -> datetime:
    day = date.fromordinal(day_ordinal)
    return datetime(day.year, day.month, day.day, tzinfo=DEMO_ZONE).astimezone(UTC)


def _check_columns(table: sa.Table, rows: list[Row]) -> None:
    expected = set(table.columns.keys())
    for row in rows:
        if row.keys() != expected:
            raise ValueError(
                f"{table.name}: row columns differ from the table's:"
                f" missing {sorted(expected - row.keys())}, extra {sorted(row.keys() - expected)}"
            )


async def insert_dataset(connection: AsyncConnection, data: Dataset) -> None:
    """Insert every queued row, parents before children, in the caller's transaction."""
    postgres = connection.dialect.name == "postgresql"
    # Checking foreign keys row by row costs more than the COPY itself; PostgreSQL's
    # advice for bulk loads is to drop them and add them back, which checks each
    # constraint once, with one join, before the transaction commits.
    foreign_keys = await _drop_foreign_keys(connection) if postgres else []
    for table in SQLModel.metadata.sorted_tables:
        rows = data.rows_of_table(table)
        if not rows:
            continue
        _check_columns(table, rows)
        if postgres:
            await _copy_rows(connection, table, rows)
        else:
            await _insert_batches(connection, table, rows)
    if postgres:
        await _add_foreign_keys(connection, foreign_keys)
        await reset_id_sequences(connection)


async def _drop_foreign_keys(connection: AsyncConnection) -> list[tuple[str, str, str]]:
    """Drop the foreign keys of our tables; return (table, name, definition) of each."""
    result = await connection.execute(
        sa.text(
            "SELECT c.relname, quote_ident(k.conname), pg_get_constraintdef(k.oid)"
            " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
            " WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace"
            " ORDER BY c.relname, k.conname"
        )
    )
    ours = set(SQLModel.metadata.tables)
    foreign_keys = [
        (table, name, definition) for table, name, definition in result if table in ours
    ]
    for table, name, _definition in foreign_keys:
        await connection.execute(sa.text(f'ALTER TABLE "{table}" DROP CONSTRAINT {name}'))
    return foreign_keys


async def _add_foreign_keys(
    connection: AsyncConnection, foreign_keys: list[tuple[str, str, str]]
) -> None:
    for table, name, definition in foreign_keys:
        await connection.execute(
            sa.text(f'ALTER TABLE "{table}" ADD CONSTRAINT {name} {definition}')
        )


async def _insert_batches(connection: AsyncConnection, table: sa.Table, rows: list[Row]) -> None:
    statement = sa.insert(table)
    for start in range(0, len(rows), SQLITE_BATCH_ROWS):
        await connection.execute(statement, rows[start : start + SQLITE_BATCH_ROWS])


async def _copy_rows(connection: AsyncConnection, table: sa.Table, rows: list[Row]) -> None:
    columns = list(table.columns.keys())
    # COPY bypasses SQLAlchemy's type processing: JSON must be sent as text. Enum values
    # are StrEnums, which asyncpg sends as the strings they are.
    json_columns = [name for name in columns if isinstance(table.columns[name].type, sa.JSON)]
    records: list[tuple[Any, ...]] = []
    for row in rows:
        if json_columns:
            row = {**row, **{name: json.dumps(row[name], sort_keys=True) for name in json_columns}}
        records.append(tuple(row[name] for name in columns))
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None:
        raise RuntimeError("the PostgreSQL connection has no asyncpg connection under it")
    await driver.copy_records_to_table(table.name, records=records, columns=columns)


def _serial_tables() -> list[sa.Table]:
    return [
        table
        for table in SQLModel.metadata.sorted_tables
        if [column.name for column in table.primary_key.columns] == ["id"]
    ]


async def reset_id_sequences(connection: AsyncConnection) -> None:
    """Move each PostgreSQL id sequence past the largest id (rows went in with ids)."""
    for table in _serial_tables():
        await connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"  # noqa: S608
                f" COALESCE(MAX(id), 0) + 1, false) FROM {table.name}"
            )
        )


async def delete_all_rows(connection: AsyncConnection) -> None:
    """Empty every table: children before parents, or on PostgreSQL one TRUNCATE.

    (Deleting 200,000 consumers row by row, with the foreign-key checks of each row,
    takes PostgreSQL half a minute; TRUNCATE takes a moment, and is transactional too.)
    """
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        await connection.execute(sa.text(f"TRUNCATE TABLE {names} RESTART IDENTITY"))
        return
    for table in tables:
        await connection.execute(sa.delete(table))
