"""The PostgreSQL event bus: commit order, a dropped listener, several server processes."""

from __future__ import annotations

import asyncio
import json
import os
import socket as sockets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
import websockets
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from starlette.applications import Starlette

from core.events.feed import EventFeed
from core.events.signals import PostgresSignal
from core.settings import Settings
from models.base import utcnow
from models.events import EventTopic, OutboxEvent
from resolvers.events.subscriptions import decode_cursor
from server.app import create_app
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.packages import operations as ops
from tests.realtime.documents import REQUEST_EVENTS
from tests.realtime.test_subscriptions import caught_up, create_request, listen
from tests.realtime.ws import connected, next_data, nothing_more

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not os.environ.get("GRIDLINE_TEST_DATABASE_URL"), reason="needs PostgreSQL"),
]

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def quiet_app(settings: Settings) -> AsyncIterator[Starlette]:
    """An app whose feed never polls: only NOTIFY (or a reconnect) can wake it."""
    app = create_app(settings.model_copy(update={"events_poll_seconds": 600}))
    async with app.router.lifespan_context(app):
        yield app


async def insert_event(connection: AsyncConnection, world: World, request_id: int) -> int:
    """An outbox event written on a bare connection (not through the app's sessions)."""
    event_id = await connection.scalar(
        sa.insert(OutboxEvent)
        .values(
            topic=EventTopic.PACKAGE_REQUEST.value,
            subject_type="PackageRequest",
            subject_id=request_id,
            plant_id=world.plants[0].id,
            actor_id=world.users["admin"].id,
            payload={"action": "CREATE"},
            created_at=utcnow(),
            tx_id=0,
        )
        .returning(col(OutboxEvent.id))
    )
    assert event_id is not None
    return int(event_id)


async def test_an_event_committed_after_a_newer_one_is_delivered_first_and_never_skipped(
    settings: Settings, client: GraphQLClient, world: World
) -> None:
    request_id = ops.decode(await create_request(client, world))
    async with quiet_app(settings) as app, connected(app, world.token("cluster1")) as socket:
        feed: EventFeed = app.state.runtime.feed
        await listen(socket, REQUEST_EVENTS, feed=feed)
        engine = app.state.runtime.engine
        async with engine.connect() as older, engine.connect() as newer:
            first = await insert_event(older, world, request_id)  # older transaction
            second = await insert_event(newer, world, request_id)
            await newer.commit()  # the higher id commits first...
            await nothing_more(socket, wait=0.5)  # ...and waits for the older transaction
            await older.commit()
        cursors = [(await next_data(socket))["packageRequestEvents"]["cursor"] for _ in "ab"]
        assert [decode_cursor(c)[1] for c in cursors] == [first, second]
        await nothing_more(socket)

    # Resuming after the first yields the second: it was not passed over.
    async with quiet_app(settings) as app, connected(app, world.token("cluster1")) as socket:
        await listen(socket, REQUEST_EVENTS, {"after": cursors[0]}, feed=app.state.runtime.feed)
        resumed = (await next_data(socket))["packageRequestEvents"]["cursor"]
        assert decode_cursor(resumed)[1] == second


async def test_a_terminated_listener_reconnects_and_loses_nothing(
    settings: Settings, client: GraphQLClient, world: World, engine: Any
) -> None:
    request_id = ops.decode(await create_request(client, world))
    async with quiet_app(settings) as app, connected(app, world.token("cluster1")) as socket:
        feed: EventFeed = app.state.runtime.feed
        await listen(socket, REQUEST_EVENTS, feed=feed)
        assert isinstance(feed.signal, PostgresSignal)
        listener = feed.signal.backend_pid
        async with engine.connect() as connection:
            terminated = await connection.scalar(sa.select(sa.func.pg_terminate_backend(listener)))
            assert terminated
            # Written while the listener is away: its NOTIFY reaches no one.
            written = [await insert_event(connection, world, request_id) for _ in range(3)]
            await connection.commit()
        cursors = [
            (await next_data(socket, within=10))["packageRequestEvents"]["cursor"] for _ in written
        ]
        assert [decode_cursor(c)[1] for c in cursors] == written
        assert feed.signal.backend_pid not in (None, listener)
        # And the new connection hears what comes next.
        async with engine.connect() as connection:
            later = await insert_event(connection, world, request_id)
            await connection.commit()
        event = await next_data(socket, within=2)
        assert decode_cursor(event["packageRequestEvents"]["cursor"])[1] == later
        await caught_up(feed)


def _free_port() -> int:
    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server_process(settings: Settings) -> Iterator[str]:
    """``gridline serve`` in its own process on the test database; its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "GRIDLINE_DATABASE_URL": settings.database_url,
        "GRIDLINE_SECRET_KEY": settings.secret_key,
        "GRIDLINE_ENVIRONMENT": "test",
        "GRIDLINE_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "server.cli", "serve", "--no-migrate", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own command
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server on port {port} did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _subscribe(url: str, token: str) -> Any:
    connection = await websockets.connect(
        url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    )
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await connection.recv())["type"] == "connection_ack"
    await connection.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": REQUEST_EVENTS}})
    )
    return connection


async def _next_event(connection: Any, within: float) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(connection.recv(), within))
        if message["type"] == "ping":
            await connection.send(json.dumps({"type": "pong"}))
            continue
        assert message["type"] == "next", message
        event: dict[str, Any] = message["payload"]["data"]["packageRequestEvents"]
        return event


async def test_two_server_processes_share_events_through_postgresql(
    settings: Settings, world: World
) -> None:
    with server_process(settings) as first, server_process(settings) as second:
        ws_url = first.replace("http://", "ws://") + "/graphql"
        connection = await _subscribe(ws_url, world.token("cluster1"))
        try:
            await asyncio.sleep(0.3)  # the subscription joins the first server's feed
            consumer = world.plant_consumers(0)[0]
            async with httpx.AsyncClient(base_url=second) as http:
                headers = {"Authorization": f"Bearer {world.token('csa1')}"}
                warm = await http.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)
                assert warm.json()["data"]["me"]["id"]
                response = await http.post(
                    "/graphql",
                    json={
                        "query": ops.CREATE,
                        "variables": {
                            "input": {
                                "consumerId": ops.gid("Consumer", consumer.id),
                                "service": "DISCONNECTION",
                            }
                        },
                    },
                    headers=headers,
                )
                committed = time.monotonic()  # the answer comes after the commit
            created = response.json()["data"]["createPackageRequest"]["request"]
            event = await _next_event(connection, within=5.0)
            elapsed = time.monotonic() - committed
            assert event["request"]["id"] == created["id"]
            assert event["action"] == "CREATE"
            assert elapsed < 1.0
        finally:
            await connection.close()
