"""Fixtures of the inventory tests: the small world with products, warehouses and stock."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import World
from tests.inventory.factories import Inventory, build_inventory


@pytest.fixture
async def inventory(db: async_sessionmaker[AsyncSession], world: World) -> Inventory:
    return await build_inventory(db, world)
