"""The server around the schema: health checks, GraphiQL, websocket sign-in, settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from core.settings import Settings
from server.app import create_app
from tests.conftest import GraphQLClient
from tests.factories import World


async def test_health_and_readiness(client: GraphQLClient) -> None:
    assert (await client.http.get("/healthz")).json() == {"status": "ok"}
    assert (await client.http.get("/readyz")).json() == {"status": "ok"}


async def test_readiness_fails_when_the_database_is_unreachable(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    missing = tmp_path_factory.mktemp("nodb") / "no" / "such" / "dir" / "x.db"
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{missing}"))
    import httpx2 as httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


async def test_graphiql_is_served_to_browsers(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


PROTOCOL = "graphql-transport-ws"


def _connect(app: Starlette, payload: object) -> dict[str, object]:
    with TestClient(app) as http, http.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": payload})
        message: dict[str, object] = ws.receive_json()
        return message


def test_websocket_needs_a_valid_token_in_connection_init(settings: Settings, world: World) -> None:
    # TestClient runs the app in its own event loop: give it an app (and engine) of its own.
    app = create_app(settings)
    token = world.token("tech1")
    assert _connect(app, {"authorization": f"Bearer {token}"}) == {"type": "connection_ack"}
    for payload in ({}, {"authorization": "Bearer nonsense"}, {"authorization": token}):
        with pytest.raises(WebSocketDisconnect) as closed:
            _connect(app, payload)
        assert closed.value.code == 4403


def test_settings_validate_their_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDLINE_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("GRIDLINE_TIME_ZONE", "Asia/Kolkata")
    settings = Settings()
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("GRIDLINE_CORS_ORIGINS", '["https://c.example"]')
    assert Settings().cors_origins == ["https://c.example"]
    monkeypatch.setenv("GRIDLINE_TIME_ZONE", "Mars/Olympus")
    with pytest.raises(ValidationError):
        Settings()


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import sqlalchemy as sa

    from core.db import create_engine

    path = tmp_path_factory.mktemp("pragmas") / "p.db"
    engine = create_engine(
        Settings(database_url=f"sqlite+aiosqlite:///{path}", sqlite_busy_timeout_ms=1234)
    )
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
            await connection.execute(sa.text("SELECT 1"))
    finally:
        await engine.dispose()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 1234}


def test_outside_development_the_default_secret_key_is_refused() -> None:
    from server.cli import _check_secret

    with pytest.raises(SystemExit, match="GRIDLINE_SECRET_KEY"):
        _check_secret(Settings(environment="production"))
    _check_secret(Settings(environment="production", secret_key="x" * 48))
    _check_secret(Settings(environment="development"))


@pytest.mark.parametrize(("value", "deflate"), [(None, True), ("false", False)])
def test_serve_compresses_websockets_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch, value: str | None, deflate: bool
) -> None:
    import argparse

    import uvicorn

    from server import cli

    if value is not None:
        monkeypatch.setenv("GRIDLINE_WEBSOCKET_COMPRESSION", value)
    monkeypatch.setenv("GRIDLINE_ENVIRONMENT", "development")
    started: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(options))
    monkeypatch.setattr(cli, "get_settings", Settings)  # read now, not the cached ones
    arguments = argparse.Namespace(host="127.0.0.1", port=0, workers=1, no_migrate=True)
    cli.serve(arguments)
    assert started["ws_per_message_deflate"] is deflate
