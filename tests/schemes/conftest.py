"""Fixtures of the scheme tests: the small world with a fan in stock and schemes."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import World
from tests.schemes.factories import SchemeWorld, build_schemes


@pytest.fixture
async def schemes(db: async_sessionmaker[AsyncSession], world: World) -> SchemeWorld:
    return await build_schemes(db, world)
