"""The default demo world, seeded once for this package into the suite's database.

Seeded as ``gridline-demo seed`` seeds it: anchored on today, because the server reads
repayment status and "this week" on today's calendar too. The tests here ask the API,
as the named demo users, whether each screen's filters have something to show; they
assert that something is there, never how much (the seed may change).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from auth.tokens import issue_access_token
from core.settings import Settings
from demo.seed import DEMO_LOGINS, demo_today, seed_demo
from models import User
from tests.conftest import GraphQLClient, wipe

ADMIN, STATE, CLUSTER, CSA, TECH, OPERATOR = (login.email for login in DEMO_LOGINS)


@dataclass(frozen=True, slots=True)
class DemoWorld:
    """The seeded world's day, and a bearer token for each named login."""

    today: date
    tokens: dict[str, str]


def _token(user_id: int | None, settings: Settings) -> str:
    assert user_id is not None
    return issue_access_token(user_id, settings).token


@pytest.fixture(scope="package")
async def demo_world(engine: AsyncEngine, settings: Settings) -> AsyncIterator[DemoWorld]:
    await wipe(engine)
    today = demo_today()
    await seed_demo(engine, today=today)
    emails = [login.email for login in DEMO_LOGINS]
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(col(User.email), col(User.id)).where(col(User.email).in_(emails))
        )
        ids: dict[str | None, int | None] = dict(rows.all())
    tokens = {email: _token(ids[email], settings) for email in emails}
    yield DemoWorld(today, tokens)
    await wipe(engine)


async def ask(
    client: GraphQLClient, demo: DemoWorld, login: str, document: str, **variables: Any
) -> dict[str, Any]:
    """Run a document of ``queries/`` as ``login``; it must answer without errors."""
    body = await client.document(document, variables, token=demo.tokens[login])
    assert not body.get("errors"), (login, document, variables, body["errors"])
    data: dict[str, Any] = body["data"]
    return data
