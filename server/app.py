"""The ASGI application: GraphQL at /graphql, health checks, CORS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, cast

import orjson
import sqlalchemy as sa
from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema import BaseSchema
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.unset import UnsetType

from auth.actor import Actor, load_actor
from auth.tokens import InvalidTokenError, bearer_token, user_id_from_access_token
from resolvers.context import RequestContext
from server.db import create_engine, create_read_session_factory, create_session_factory
from server.events.feed import EventFeed
from server.events.signals import InProcessSignal, PostgresSignal, Signal
from server.headers import SecurityHeaders
from server.limits import RequestLimits
from server.logs import REQUEST_ID_HEADER, RequestIds
from server.metrics import HTTPMetrics, metrics_endpoint, process_exiting, watch_pool
from server.request_log import count_statements, log_refused
from server.settings import Settings, get_settings
from server.trusted_documents import (
    DocumentRefused,
    TrustedDocuments,
    check_introspection,
    resolve_document,
)

logger = logging.getLogger("gridline.app")


@dataclass
class Runtime:
    """What lives as long as the process: settings, engine, session factories, event feed."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    feed: EventFeed
    reads: async_sessionmaker[AsyncSession]


async def authenticate(runtime: Runtime, authorization: str | None) -> Actor | None:
    """The actor behind an Authorization value; None when absent or not valid."""
    token = bearer_token(authorization)
    if token is None:
        return None
    try:
        user_id = user_id_from_access_token(token, runtime.settings)
    except InvalidTokenError:
        return None
    async with runtime.reads() as session:
        return await load_actor(session, user_id)


def _admit_ws(view: object, context: RequestContext, payload: Any) -> str | GraphQLError:
    """A websocket operation's document to run, or the error refusing it (same rules as HTTP)."""
    assert isinstance(view, GridlineGraphQL)  # noqa: S101  (these handlers serve only it)
    extensions = payload.get("extensions")
    data = GraphQLRequestData(
        query=payload.get("query"),
        variables=None,
        operation_name=payload.get("operationName"),
        extensions=extensions if isinstance(extensions, dict) else None,
    )
    try:
        admitted = view.admit(data, context)
    except DocumentRefused as refused:
        return refused.error
    return admitted.query or ""


class _TransportWSHandler(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """graphql-transport-ws: each ``subscribe`` is admitted like an HTTP request, and the
    server pings an acknowledged connection (mobile NATs drop quiet connections)."""

    ping_task: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.ping_task is None:
            self.ping_task = asyncio.create_task(self._ping())

    async def _ping(self) -> None:
        assert isinstance(self.view, GridlineGraphQL)  # noqa: S101
        interval = self.view.runtime.settings.websocket_ping_seconds
        with contextlib.suppress(Exception):  # the socket closing ends the pings
            while True:
                await asyncio.sleep(interval)
                await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        if self.ping_task is not None:
            self.ping_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.ping_task
        await super().shutdown()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged:
            admitted = _admit_ws(self.view, self.context, message["payload"])
            if isinstance(admitted, GraphQLError):
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [admitted.formatted]}
                )
                return
            message = cast(
                "SubscribeMessage",
                {**message, "payload": {**message["payload"], "query": admitted}},
            )
        await super().handle_subscribe(message)


class _LegacyWSHandler(BaseGraphQLWSHandler[RequestContext, None]):
    """graphql-ws (legacy): each ``start`` is admitted like an HTTP request."""

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged:
            admitted = _admit_ws(self.view, self.context, message["payload"])
            if isinstance(admitted, GraphQLError):
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": admitted.formatted}
                )
                return
            message = cast(
                "StartMessage", {**message, "payload": {**message["payload"], "query": admitted}}
            )
        await super().handle_start(message)


class GridlineGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI app with our context, websocket sign-in and trusted documents.

    Before a document runs over HTTP, :meth:`_admit` substitutes a persisted query's text
    (Apollo ``persistedQuery`` extension) and applies ``trusted_documents_only`` and
    ``introspection_enabled``; ADMIN callers are exempt from both (analysts use GraphiQL).
    Websocket operations are admitted by the same rules (the handlers below).
    """

    graphql_transport_ws_handler_class = _TransportWSHandler
    graphql_ws_handler_class = _LegacyWSHandler

    def __init__(
        self, schema: BaseSchema, runtime: Runtime, documents: TrustedDocuments | None = None
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if runtime.settings.graphiql_enabled else None,
            keep_alive=True,
            keep_alive_interval=15,
        )
        self.max_subscriptions_per_connection = runtime.settings.max_subscriptions_per_connection
        self.runtime = runtime
        self.documents = documents if documents is not None else TrustedDocuments.load()

    def encode_json(self, data: object) -> str:
        """orjson: several times faster than json on a page of 50 requests. As text, for
        websockets carry graphql-transport-ws messages in text frames."""
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A GET by persisted hash has no ``query`` but is an operation, not the IDE."""
        if request.query_params.get("extensions") is not None:
            return False
        return super().should_render_graphql_ide(request)

    def admit(self, data: GraphQLRequestData, context: RequestContext) -> GraphQLRequestData:
        """The request to run (a persisted query's text filled in); DocumentRefused if not."""
        settings = self.runtime.settings
        is_admin = context.actor is not None and context.actor.is_admin
        query, trusted = resolve_document(
            self.documents,
            data.query,
            data.extensions,
            trusted_only=settings.trusted_documents_only and not is_admin,
        )
        if trusted is not None:
            logger.debug(
                "trusted document %s (%s)", self.documents.names.get(trusted), trusted[:12]
            )
        if (
            query is not None
            and trusted is None
            and not settings.introspection_enabled
            and not is_admin
        ):
            check_introspection(query, max_tokens=settings.max_tokens)
        return data if query == data.query else replace(data, query=query)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: RequestContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            admitted = self.admit(request_data, context)
        except DocumentRefused as refused:
            log_refused(context, request_data.operation_name, refused.error)
            return ExecutionResult(data=None, errors=[refused.error])
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, admitted
        )

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: RequestContext,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        # Single and batched operations pass through execute_single; only the streaming
        # transports (SSE, multipart subscriptions) skip it, so they are admitted here.
        if not isinstance(request_data, list) and self._get_stream_transport(request_data.protocol):
            try:
                request_data = self.admit(request_data, context)
            except DocumentRefused as refused:
                log_refused(context, request_data.operation_name, refused.error)
                return ExecutionResult(data=None, errors=[refused.error])
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )

    async def get_context(self, request: Request | WebSocket, response: object) -> RequestContext:
        request_id = request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        actor = None
        if isinstance(request, Request):
            actor = await authenticate(self.runtime, request.headers.get("authorization"))
        return RequestContext(
            settings=self.runtime.settings,
            sessions=self.runtime.sessions,
            reads=self.runtime.reads,
            actor=actor,
            request_id=request_id[:64],
            events=self.runtime.feed,
            client_address=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
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


def create_feed(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> EventFeed:
    """The event feed: PostgreSQL LISTEN/NOTIFY across processes, or this process alone."""
    signal: Signal
    if settings.is_sqlite:
        signal = InProcessSignal()
    else:
        signal = PostgresSignal(
            settings.database_url, give_up_after=settings.events_reconnect_give_up_seconds
        )
    return EventFeed(
        sessions,
        signal,
        postgres=not settings.is_sqlite,
        queue_size=settings.subscriber_queue_size,
        poll_interval=settings.events_poll_seconds,
    )


def create_app(settings: Settings | None = None, schema: BaseSchema | None = None) -> Starlette:
    """The ASGI app. Its engine is created now and disposed of at shutdown.

    Without a ``schema``, one is built with the document limits of ``settings``.
    """
    settings = settings or get_settings()
    if schema is None:
        from schema import build_schema

        schema = build_schema(settings)
    engine = create_engine(settings)
    watch_pool(engine)
    count_statements(engine)
    sessions = create_session_factory(engine)
    runtime = Runtime(
        settings,
        engine,
        sessions,
        create_feed(settings, sessions),
        reads=create_read_session_factory(engine, settings),
    )
    graphql = GridlineGraphQL(schema, runtime, TrustedDocuments.load())  # once, at start-up

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
            await runtime.feed.stop()
            await engine.dispose()
            process_exiting()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if settings.metrics_enabled:
        routes.append(Route("/metrics", metrics_endpoint(settings)))
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
                allow_headers=["authorization", "content-type", REQUEST_ID_HEADER],
                expose_headers=[REQUEST_ID_HEADER],
            ),
            Middleware(RequestLimits, settings=settings),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
