"""Single-statement reads run outside transactions on PostgreSQL; writes keep theirs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from core.db import write_session

STARTED = sa.text("SELECT transaction_timestamp()")


async def _two_transaction_starts(session: AsyncSession) -> tuple[datetime, datetime]:
    first = (await session.execute(STARTED)).scalar_one()
    await session.execute(sa.text("SELECT pg_sleep(0.01)"))
    return first, (await session.execute(STARTED)).scalar_one()


async def test_reads_are_autocommit_on_postgres_and_writes_are_transactions(
    app: Starlette, on_postgres: bool
) -> None:
    runtime = app.state.runtime
    if not on_postgres:  # SQLite keeps its (local) transactions for reads
        assert runtime.reads.kw["bind"] is runtime.engine
        return
    async with runtime.reads() as session:
        first, second = await _two_transaction_starts(session)
    assert second > first  # each statement was a transaction of its own
    async with write_session(runtime.sessions) as session:
        first, second = await _two_transaction_starts(session)
    assert second == first  # one transaction


def test_the_pool_does_not_ping_by_default(app: Starlette) -> None:
    runtime = app.state.runtime
    assert runtime.settings.database_pool_pre_ping is False
    assert runtime.engine.sync_engine.pool._pre_ping is False
