"""The database engine and sessions, tuned for each of the two supported databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from core.settings import Settings


class DatabaseUnavailable(Exception):
    """The database could not be reached for a read that was tried twice."""


# Execution option set on write transactions; on SQLite they begin IMMEDIATE so that
# two writers queue on the lock at BEGIN instead of failing half-way through.
WRITE_OPTION = "gridline_write"


# Joins are planned in the order the statements write them. Compiled documents write the
# filtered page first and then LEFT JOIN each relation by its key, the order a good plan
# takes anyway; searching for another made planning cost more than running (the In
# Process tab of one plant: 2.4 ms planning, 0.5 ms running; 0.35 ms planning in order).
POSTGRES_SESSION_SETTINGS = {"join_collapse_limit": "1"}


def create_engine(settings: Settings) -> AsyncEngine:
    """An engine for ``settings.database_url``, with per-connection SQLite pragmas."""
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url)
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        pool_pre_ping=settings.database_pool_pre_ping,
        connect_args={"server_settings": POSTGRES_SESSION_SETTINGS},
    )


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # We issue BEGIN ourselves (see _begin below): the driver's implicit
        # transactions would defer taking the write lock until the first write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_session_factory(
    engine: AsyncEngine, settings: Settings
) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads of one statement each (DataLoader batches, pages, sign-in).

    On PostgreSQL they run in autocommit: a lone SELECT is its own snapshot, and BEGIN and
    ROLLBACK would cost two more round trips per statement. SQLite keeps its transaction
    (local, and WAL readers want one).
    """
    if settings.is_sqlite:
        return create_session_factory(engine)
    return create_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


@asynccontextmanager
async def read_session(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A short session for reads; closed (and its transaction ended) on exit."""
    async with factory() as session:
        yield session


@asynccontextmanager
async def write_session(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back otherwise."""
    async with factory() as session, session.begin():
        await session.connection(execution_options={WRITE_OPTION: True})
        yield session
