"""The floor's ASGI app: ``POST /<screen>`` and ``GET /readyz``."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

from bench.floor.caller import Unauthenticated
from bench.floor.database import Database, open_database
from bench.floor.screen import Forbidden, Screen
from bench.floor.screens import SCREENS, answer


def create_floor_app() -> Any:
    """A Starlette app serving ``POST /<screen>`` and ``GET /readyz`` from the settings."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from core.settings import get_settings

    settings = get_settings()
    screen = Screen(settings.currency, settings.zone, settings.page_size_default)
    state: dict[str, Database] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> Any:
        state["db"] = await open_database(settings.database_url, settings.database_pool_size)
        yield
        await state["db"].close()

    async def serve_screen(request: Request) -> Response:
        name = request.path_params["screen"]
        if name not in SCREENS:
            return JSONResponse({"errors": [{"message": "unknown screen"}]}, status_code=404)
        body = json.loads(await request.body())
        try:
            data = await answer(
                state["db"],
                name,
                request.headers.get("authorization"),
                body.get("variables") or {},
                screen,
                settings.secret_key,
            )
        except Unauthenticated:
            return JSONResponse({"errors": [{"message": "UNAUTHENTICATED"}]}, status_code=401)
        except Forbidden:
            return JSONResponse({"errors": [{"message": "FORBIDDEN"}]}, status_code=403)
        return Response(dumps({"data": data}), media_type="application/json")

    async def ready(_: Request) -> Response:
        await state["db"].rows("SELECT 1")
        return Response("ok")

    return Starlette(
        routes=[
            Route("/readyz", ready),
            Route("/{screen}", serve_screen, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


def _dumps() -> Callable[[Any], bytes]:
    try:
        return importlib.import_module("orjson").dumps  # type: ignore[no-any-return]
    except ImportError:  # pragma: no cover - the bench extra installs it
        return lambda value: json.dumps(value, separators=(",", ":")).encode()


dumps = _dumps()
