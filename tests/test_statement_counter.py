"""The statement counter counts a request's statements, not a background task's."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from starlette.applications import Starlette

from tests.conftest import GraphQLClient
from tests.factories import World

ME = "query { me { role plants { name } } }"


async def test_counts_the_request_and_not_a_task_running_beside_it(
    app: Starlette, client: GraphQLClient, world: World, count_statements: Any
) -> None:
    engine = app.state.runtime.engine
    started = asyncio.Event()
    release = asyncio.Event()

    async def background() -> None:  # like the event feed reading the outbox after a commit
        started.set()
        await release.wait()
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT 42"))

    task = asyncio.create_task(background())
    await started.wait()
    with count_statements() as counter:
        release.set()
        body = await client.request(ME, token=world.token("admin"))
        await task
    assert body["data"]["me"]["role"] == "ADMIN", body
    assert counter.count > 0
    assert not any("42" in statement for statement in counter.statements), counter.statements
