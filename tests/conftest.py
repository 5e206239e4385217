"""Test fixtures: a migrated database (SQLite, or PostgreSQL when a URL is given),
wiped before each test; the ASGI app; a GraphQL client; a small world."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel
from starlette.applications import Starlette

import models  # noqa: F401  (registers the tables)
from core.db import create_engine, create_session_factory
from core.operation_tally import driver_statement_listeners
from core.settings import Settings
from migrations.upgrade import upgrade_to_head
from server.app import create_app
from tests.factories import World, build_world

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("GRIDLINE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'gridline-test.db'}"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=_database_url(tmp_path_factory),
        environment="test",
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        # Tests reuse ids after their wipe (SQLite) and change users directly in the
        # database: actors are loaded every request, except in tests of the cache.
        actor_cache_seconds=0,
        # Tests fire bursts of parallel writes (sign-in throttling, stock claims) on a
        # machine that may be busy with other work: on SQLite the last writer of a burst
        # can wait longer than the production default of 5 s for the one write lock.
        sqlite_busy_timeout_ms=30_000,
    )


@pytest.fixture(scope="session")
def on_postgres(settings: Settings) -> bool:
    return not settings.is_sqlite


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The test database, built by the migrations (so tests also exercise them)."""
    engine = create_engine(settings)
    await upgrade_to_head(engine)
    yield engine
    await engine.dispose()


async def wipe(engine: AsyncEngine) -> None:
    """Delete every row, children first. On the few rows a test makes, DELETE is about
    fourteen times faster than TRUNCATE on PostgreSQL (no new files, no exclusive locks);
    ids are not reset, and no test may depend on them."""
    async with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await connection.execute(table.delete())


@pytest.fixture
async def db(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """An empty database; returns a session factory for setting up and checking."""
    await wipe(engine)
    return create_session_factory(engine)


@pytest.fixture
async def world(db: async_sessionmaker[AsyncSession], settings: Settings) -> World:
    async with db() as session:
        return await build_world(session, settings)


@pytest.fixture(scope="session")
async def app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Starlette]:
    """The app, started as a server starts it (its event feed runs) for the whole session."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@dataclass
class StatementCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


_current_counter: ContextVar[StatementCounter | None] = ContextVar("current_counter", default=None)


def _count_into_current(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    counter = _current_counter.get()
    if counter is None:
        return
    if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
        counter.statements.append(statement)


@contextmanager
def statements_sent(engine: AsyncEngine) -> Iterator[StatementCounter]:
    """``with statements_sent(engine) as counter:`` counts the SQL statements sent on
    behalf of the code inside the block.

    Only statements sent from the block's context count (SQLAlchemy carries context
    variables into its greenlets): the event feed's task reading the outbox after a commit
    runs beside a request but is not part of its cost.
    """
    counter = StatementCounter()
    token = _current_counter.set(counter)
    sa.event.listen(engine.sync_engine, "before_cursor_execute", _count_into_current)
    driver_statement_listeners.append(_count_driver_statement)
    try:
        yield counter
    finally:
        driver_statement_listeners.remove(_count_driver_statement)
        sa.event.remove(engine.sync_engine, "before_cursor_execute", _count_into_current)
        _current_counter.reset(token)


def _count_driver_statement(statement: str) -> None:
    """A compiled document's statement, sent on the driver's connection directly."""
    _count_into_current(None, None, statement)


@pytest.fixture
def count_statements(app: Starlette) -> Any:
    """``with count_statements() as counter:`` counts the app's statements sent from the
    block (see :func:`statements_sent`)."""
    engine: AsyncEngine = app.state.runtime.engine
    return lambda: statements_sent(engine)


class GraphQLClient:
    """Sends GraphQL over HTTP to the ASGI app, as the mobile app does."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def request(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        sent_headers = dict(headers or {})
        if token is not None:
            sent_headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=sent_headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The ``data`` of a request that must succeed without GraphQL errors."""
        body = await self.request(query, variables, token=token)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def document(
        self, name: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """Run a document from ``queries/`` by file name, as the app sends it."""
        return await self.request((QUERIES_DIR / name).read_text(), variables, token=token)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gridline.test") as http:
        yield GraphQLClient(http)


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
