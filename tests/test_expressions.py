"""``one_of``: an id list as one parameter, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from models.expressions import one_of
from models.geography import Plant
from tests.factories import World


async def _plant_ids(
    db: async_sessionmaker[AsyncSession], where: sa.ColumnElement[bool]
) -> set[int]:
    async with db() as session:
        found = (await session.execute(sa.select(col(Plant.id)).where(where))).scalars()
        return {plant_id for plant_id in found if plant_id is not None}


async def test_keeps_exactly_the_listed_rows(
    db: async_sessionmaker[AsyncSession], world: World
) -> None:
    every = {plant.id for plant in world.plants if plant.id is not None}
    assert len(every) == 4
    first, second, *_ = sorted(every)
    missing = max(every) + 1000
    for ids in ([], [first], [second, first], [first, first, missing], sorted(every)):
        assert await _plant_ids(db, one_of(col(Plant.id), ids)) == every & set(ids), ids
        assert await _plant_ids(db, sa.not_(one_of(col(Plant.id), ids))) == every - set(ids), ids
    combined = sa.or_(one_of(col(Plant.id), [first]), one_of(col(Plant.id), [second]))
    assert await _plant_ids(db, combined) == {first, second}


def test_one_statement_whatever_the_number_of_ids(engine: AsyncEngine) -> None:
    dialect = engine.dialect
    texts = {
        str(sa.select(col(Plant.id)).where(one_of(col(Plant.id), ids)).compile(dialect=dialect))
        for ids in ([1], [1, 2], list(range(500)))
    }
    assert len(texts) == 1, texts
    (text,) = texts
    assert ("ANY" in text) if dialect.name == "postgresql" else ("json_each" in text), text
    assert "= 1" not in text  # a predicate, not a boolean value compared with true
