"""The two drivers behind one small interface: asyncpg on PostgreSQL, aiosqlite on SQLite."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

Row = Sequence[Any]


class Database(Protocol):
    """The two drivers behind one small interface; ``statements`` counts what is sent."""

    statements: int
    postgres: bool

    async def rows(self, sql: str, *params: Any) -> list[Row]: ...

    def member(self, column: str, index: int) -> str:
        """SQL: ``column`` is in the list passed as parameter ``index`` (1-based)."""
        ...

    def param(self, index: int) -> str: ...

    def ids(self, values: Sequence[int]) -> Any:
        """A list of ids as the parameter ``member`` expects."""
        ...

    async def close(self) -> None: ...


class PostgresDatabase:
    statements = 0
    postgres = True

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, dsn: str, size: int) -> PostgresDatabase:
        import asyncpg

        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=size)
        return cls(pool)

    async def rows(self, sql: str, *params: Any) -> list[Row]:
        self.statements += 1
        return list(await self.pool.fetch(sql, *params))

    def member(self, column: str, index: int) -> str:
        return f"{column} = ANY(${index}::int[])"

    def param(self, index: int) -> str:
        return f"${index}"

    def ids(self, values: Sequence[int]) -> Any:
        return list(values)

    async def close(self) -> None:
        await self.pool.close()


class SqliteDatabase:
    """aiosqlite runs each connection in its own thread; a few serve concurrent requests."""

    statements = 0
    postgres = False

    def __init__(self, connections: list[Any]) -> None:
        import asyncio

        self.idle: asyncio.Queue[Any] = asyncio.Queue()
        for connection in connections:
            self.idle.put_nowait(connection)
        self.connections = connections

    @classmethod
    async def connect(cls, path: str, size: int) -> SqliteDatabase:
        import aiosqlite

        connections = []
        for _ in range(size):
            connection = await aiosqlite.connect(path)
            await connection.execute("PRAGMA query_only = ON")
            connections.append(connection)
        return cls(connections)

    async def rows(self, sql: str, *params: Any) -> list[Row]:
        self.statements += 1
        connection = await self.idle.get()
        try:
            async with connection.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        finally:
            self.idle.put_nowait(connection)

    def member(self, column: str, index: int) -> str:
        return f"{column} IN (SELECT value FROM json_each(?{index}))"  # noqa: S608

    def param(self, index: int) -> str:
        return f"?{index}"

    def ids(self, values: Sequence[int]) -> Any:
        return json.dumps(list(values))

    async def close(self) -> None:
        for connection in self.connections:
            await connection.close()


async def open_database(url: str, size: int = 10) -> Database:
    """A floor database for a SQLAlchemy-style URL (the server's GRIDLINE_DATABASE_URL)."""
    if url.startswith("sqlite"):
        return await SqliteDatabase.connect(url.split(":///", 1)[1], min(size, 4))
    return await PostgresDatabase.connect(url.replace("+asyncpg", ""), size)
