"""The ASGI application: GraphQL at /graphql, health checks, metrics, middleware."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.schema import BaseSchema

from core.logs import REQUEST_ID_HEADER
from core.metrics import process_exiting
from core.persisted_queries import PersistedQueries
from core.settings import Settings, get_settings
from schema.execution.compiled.service import CompiledDocuments
from schema.execution.live import LiveSubscriptions
from server.graphiql import graphiql_assets
from server.headers import SecurityHeaders
from server.http_metrics import HTTPMetrics, metrics_endpoint
from server.limits import RequestLimits
from server.request_ids import RequestIds
from server.runtime import create_runtime
from server.trusted_documents import TrustedDocuments
from server.view import GridlineGraphQL

logger = logging.getLogger("gridline.app")


def create_app(settings: Settings | None = None, schema: BaseSchema | None = None) -> Starlette:
    """The ASGI app. Its engine is created now and disposed of at shutdown.

    Without a ``schema``, one is built with the document limits of ``settings``.
    """
    settings = settings or get_settings()
    if schema is None:
        from schema import build_schema

        schema = build_schema(settings)
    runtime = create_runtime(settings)
    documents = TrustedDocuments.load()  # once, at start-up
    compiled = (
        CompiledDocuments(schema, runtime.engine, settings, documents.by_name())
        if settings.compiled_execution
        else None
    )
    live = (
        LiveSubscriptions(
            schema, runtime.feed, runtime.actors, getattr(schema, "execution_context_class", None)
        )
        if settings.live_groups
        else None
    )
    persisted = (
        PersistedQueries(runtime.sessions, settings.persisted_queries_limit)
        if settings.persisted_queries_enabled and not settings.trusted_documents_only
        else None
    )
    graphql = GridlineGraphQL(schema, runtime, documents, compiled, live, persisted)

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
        await runtime.feed.start()
        try:
            yield
        finally:
            if live is not None:
                await live.stop()
            await runtime.feed.stop()
            await runtime.engine.dispose()
            process_exiting()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if settings.metrics_enabled:
        routes.append(Route("/metrics", metrics_endpoint(settings)))
    if settings.graphiql_enabled:
        routes.append(graphiql_assets())
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIds),  # outermost: every log line of the request has its id
            Middleware(HTTPMetrics),
            Middleware(SecurityHeaders, settings=settings),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=[
                    "authorization",
                    "content-type",
                    REQUEST_ID_HEADER,
                    *settings.cors_client_headers,
                ],
                expose_headers=[REQUEST_ID_HEADER],
            ),
            Middleware(RequestLimits, settings=settings),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.compiled = compiled
    app.state.live = live
    app.state.persisted = persisted
    return app
