"""The migrations build exactly the schema the models describe, on either database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel

from core.db import create_engine
from core.settings import Settings
from migrations.upgrade import alembic_config, upgrade_to_head


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, SQLModel.metadata))


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    # The session's database was built by the migrations alone (see conftest).
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


@pytest.fixture
async def scratch_url(settings: Settings, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the same kind as the test database."""
    if settings.is_sqlite:
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"gridline_scratch_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(settings.database_url).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        async with admin.connect() as connection:
            await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_downgrade_to_nothing_and_back(scratch_url: str) -> None:
    engine = create_engine(Settings(database_url=scratch_url))
    try:
        await upgrade_to_head(engine)

        def downgrade(connection: Connection) -> None:
            command.downgrade(alembic_config(connection), "base")

        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert set(tables) <= {"alembic_version"}

        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()
