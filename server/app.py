"""The ASGI application: GraphQL at /graphql, health checks, CORS."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.types.unset import UnsetType

from auth.actor import Actor, load_actor
from auth.tokens import InvalidTokenError, bearer_token, user_id_from_access_token
from resolvers.context import RequestContext
from server.db import create_engine, create_session_factory
from server.settings import Settings, get_settings

logger = logging.getLogger("gridline.app")

REQUEST_ID_HEADER = "x-request-id"


@dataclass
class Runtime:
    """What lives as long as the process: settings, engine, session factory."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


async def authenticate(runtime: Runtime, authorization: str | None) -> Actor | None:
    """The actor behind an Authorization value; None when absent or not valid."""
    token = bearer_token(authorization)
    if token is None:
        return None
    try:
        user_id = user_id_from_access_token(token, runtime.settings)
    except InvalidTokenError:
        return None
    async with runtime.sessions() as session:
        return await load_actor(session, user_id)


class GridlineGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI app with our context and websocket sign-in."""

    def __init__(self, schema: BaseSchema, runtime: Runtime) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if runtime.settings.graphiql_enabled else None,
            keep_alive=True,
            keep_alive_interval=15,
        )
        self.runtime = runtime

    async def get_context(self, request: Request | WebSocket, response: object) -> RequestContext:
        request_id = request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        actor = None
        if isinstance(request, Request):
            actor = await authenticate(self.runtime, request.headers.get("authorization"))
        return RequestContext(
            settings=self.runtime.settings,
            sessions=self.runtime.sessions,
            actor=actor,
            request_id=request_id[:64],
        )

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """Websockets carry the token in connection_init; no valid token, no connection."""
        params = context.connection_params or {}
        authorization = params.get("authorization") or params.get("Authorization")
        actor = await authenticate(
            self.runtime, authorization if isinstance(authorization, str) else None
        )
        if actor is None:
            raise ConnectionRejectionError({"reason": "A valid access token is required."})
        context.sign_in(actor)
        return await super().on_ws_connect(context)


def create_app(settings: Settings | None = None, schema: BaseSchema | None = None) -> Starlette:
    """The ASGI app. Its engine is created now and disposed of at shutdown."""
    settings = settings or get_settings()
    if schema is None:
        from schema import schema as default_schema

        schema = default_schema
    engine = create_engine(settings)
    runtime = Runtime(settings, engine, create_session_factory(engine))
    graphql = GridlineGraphQL(schema, runtime)

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        try:
            async with runtime.sessions() as session:
                await session.execute(sa.text("SELECT 1"))
        except Exception:  # any failure means "not ready"; the detail goes to the log
            logger.exception("readiness check failed")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", REQUEST_ID_HEADER],
            )
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
