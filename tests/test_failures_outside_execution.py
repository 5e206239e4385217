"""Failures before execution starts (the database away while the caller is signed in)
are still GraphQL answers with a request id, and a read is tried once more (#16)."""

from __future__ import annotations

import os
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette

from auth.actor import Actor, load_actor
from core.settings import Settings
from models.geography import State
from server import view
from server.app import create_app
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.realtime.ws import Closed, GraphQLWebSocket

STATES = "query States { states { id name } }"
CREATE_STATE = 'mutation { createState(input: {name: "Atlantis", code: "AT"}) { errors { code } } }'


def _terminated() -> OperationalError:
    return OperationalError("SELECT", {}, ConnectionError("server closed the connection"))


class FlakyActors:
    """Stands in for load_actor: the first ``failures`` calls fail as a terminated
    backend does (or with ``error``), later ones load the actor."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0
        self.load = load_actor

    async def __call__(self, session: Any, user_id: int) -> Actor | None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error if self.error is not None else _terminated()
        return await self.load(session, user_id)


async def _post(client: GraphQLClient, query: str, token: str) -> httpx.Response:
    return await client.http.post(
        "/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}", "x-request-id": "ref-7"},
    )


async def test_a_connection_lost_while_signing_in_is_tried_once_more(
    client: GraphQLClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    actors = FlakyActors(failures=1)
    monkeypatch.setattr(view, "load_actor", actors)
    response = await _post(client, STATES, world.token("tech1"))
    assert response.status_code == 200
    assert "errors" not in response.json()
    assert response.json()["data"]["states"]
    assert actors.calls == 2


async def test_a_database_away_twice_answers_service_unavailable_and_changes_nothing(
    client: GraphQLClient,
    world: World,
    db: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    actors = FlakyActors(failures=2)
    monkeypatch.setattr(view, "load_actor", actors)
    for query in (STATES, CREATE_STATE):
        actors.calls = 0
        response = await _post(client, query, world.token("admin"))
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["retry-after"] == "1"
        assert response.headers["x-request-id"] == "ref-7"
        body = response.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "requestId": "ref-7"}
        assert "ref-7" in error["message"]
        assert "server closed" not in error["message"]  # no driver text reaches clients
        assert actors.calls == 2
    async with db() as session:
        atlantis = await session.scalar(
            sa.select(sa.func.count()).select_from(State).where(sa.column("code") == "AT")
        )
        assert atlantis == 0


async def test_an_unexpected_failure_before_execution_is_an_internal_error(
    client: GraphQLClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    actors = FlakyActors(failures=1, error=RuntimeError("a bug while signing in"))
    monkeypatch.setattr(view, "load_actor", actors)
    response = await _post(client, STATES, world.token("tech1"))
    assert response.status_code == 500
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "ref-7"}
    assert "a bug" not in error["message"]
    assert actors.calls == 1  # not a lost connection: not tried again


async def test_a_websocket_sign_in_without_the_database_asks_the_client_to_retry(
    app: Starlette, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    actors = FlakyActors(failures=2)
    monkeypatch.setattr(view, "load_actor", actors)
    socket = GraphQLWebSocket(app)
    await socket.open()
    try:
        payload = {"authorization": f"Bearer {world.token('tech1')}"}
        await socket.send({"type": "connection_init", "payload": payload})
        with pytest.raises(Closed) as closed:
            await socket.receive()
        assert closed.value.code == 1013  # Try Again Later, not 4403 (a bad token)
    finally:
        await socket.close()
    assert actors.calls == 2


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("GRIDLINE_TEST_DATABASE_URL"), reason="needs PostgreSQL")
async def test_terminated_backends_do_not_fail_the_next_requests(
    settings: Settings, world: World, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without pre-ping, the pool hands out connections whose backends were terminated:
    signing in meets the dead connection first and is tried again on a new one."""
    async with engine.connect() as connection:
        started = await connection.scalar(sa.text("SELECT clock_timestamp()"))
    app = create_app(settings.model_copy(update={"database_pool_pre_ping": False}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gridline.test") as http:
            client = GraphQLClient(http)
            token = world.token("tech1")
            assert (await client.data(STATES, token=token))["states"]
            async with engine.connect() as connection:  # this app's connections only
                terminated = await connection.scalar(
                    sa.text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        " AND backend_start > :started"
                    ),
                    {"started": started},
                )
            assert terminated >= 1
            actors = FlakyActors(failures=0)  # counts the loads
            monkeypatch.setattr(view, "load_actor", actors)
            for _ in range(3):
                response = await _post(client, STATES, token)
                assert response.status_code == 200, response.text
                assert response.json()["data"]["states"]
            assert actors.calls == 4  # the first request met a dead connection, once
