"""The GraphQL view: Strawberry's ASGI app with our context, sign-in and trusted documents."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from auth.actor import Actor, load_actor
from auth.tokens import InvalidTokenError, bearer_token, user_id_from_access_token
from core.db import DatabaseUnavailable
from core.logs import REQUEST_ID_HEADER
from core.operation_tally import tallying
from core.persisted_queries import PersistedQueries
from resolvers.context import RequestContext
from schema.execution.compiled.service import CompiledDocuments
from schema.execution.live import LiveSubscriptions
from schema.execution.operation_log import (
    INTERNAL_ERROR_CODE,
    SERVICE_UNAVAILABLE_CODE,
    log_operation,
    log_refused,
)
from schema.execution.request_errors import BAD_REQUEST_CODE
from server.envelope import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    METHOD_NOT_ALLOWED_CODE,
    RequestError,
    check_parameters,
    content_type,
    document_id_of,
    is_request_error,
    persisted_query,
    request_error_response,
    response_media_type,
)
from server.graphiql import graphiql_page
from server.runtime import Runtime
from server.trusted_documents import (
    DocumentRefused,
    TrustedDocuments,
    check_introspection,
    resolve_document,
)
from server.websockets import TransportWSHandler

logger = logging.getLogger("gridline.app")

SUBPROTOCOL_REFUSED = f"Only the {GRAPHQL_TRANSPORT_WS_PROTOCOL} subprotocol is spoken here."


async def authenticate(runtime: Runtime, authorization: str | None) -> Actor | None:
    """The actor behind an Authorization value; None when absent or not valid.

    Loading the actor is a read: a failure of the connection (a backend terminated, the
    server restarting) is tried once more on another connection, then reported as
    DatabaseUnavailable."""
    token = bearer_token(authorization)
    if token is None:
        return None
    try:
        user_id = user_id_from_access_token(token, runtime.settings)
    except InvalidTokenError:
        return None

    async def load(user_id: int) -> Actor | None:
        for attempt in (1, 2):
            try:
                async with runtime.reads() as session:
                    return await load_actor(session, user_id)
            except (DBAPIError, OSError, TimeoutError) as error:
                if attempt == 2:
                    raise DatabaseUnavailable from error
                logger.info("loading the actor failed; trying again", exc_info=True)
        raise AssertionError("unreachable")  # pragma: no cover

    return await runtime.actors.actor(user_id, load)


def request_id_of(request: Request | WebSocket) -> str:
    """The request's id (RequestIds set the header), or a new one."""
    return (request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex)[:64]


def failure_response(request_id: str, code: str, status: int) -> Response:
    """A GraphQL response for a failure outside execution: code and request id, no trace."""
    if code == SERVICE_UNAVAILABLE_CODE:
        message = "The service is unavailable for a moment; try again shortly."
    else:
        message = "Internal server error."
    error = {
        "message": f"{message} Quote this reference to support: {request_id}.",
        "extensions": {"code": code, "requestId": request_id},
    }
    headers = {"retry-after": "1"} if status == 503 else None
    return Response(
        orjson.dumps({"data": None, "errors": [error]}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


class GridlineGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI app with our context, websocket sign-in and trusted documents.

    Before a document runs over HTTP, :meth:`_admit` substitutes a persisted query's text
    (Apollo ``persistedQuery`` extension) and applies ``trusted_documents_only`` and
    ``introspection_enabled``; ADMIN callers are exempt from both (analysts use GraphiQL).
    Websocket operations are admitted by the same rules (the handlers below).
    """

    graphql_transport_ws_handler_class = TransportWSHandler
    # graphql-transport-ws alone: a handshake offering only the legacy graphql-ws (Python
    # gql's default) or no subprotocol is refused before it is accepted (HTTP 403).
    protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)

    def __init__(
        self,
        schema: BaseSchema,
        runtime: Runtime,
        documents: TrustedDocuments | None = None,
        compiled: CompiledDocuments | None = None,
        live: LiveSubscriptions | None = None,
        persisted: PersistedQueries | None = None,
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
        self.compiled = compiled
        self.live = live
        self.persisted = persisted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """HTTP requests: a POST of a compiled document is answered here, without
        Strawberry's view; everything else, and whatever the compiled path hands back,
        goes through it. A failure before or around execution (the database away while
        the caller is signed in) is still a GraphQL answer, with its request id."""
        if scope["type"] == "websocket" and GRAPHQL_TRANSPORT_WS_PROTOCOL not in scope.get(
            "subprotocols", ()
        ):
            await WebSocket(scope, receive, send).close(code=1002, reason=SUBPROTOCOL_REFUSED)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        request_id = request_id_of(request)
        media_type = response_media_type(request.headers.get("accept"))
        request.state.media_type = media_type
        request.state.request_error = False
        context: RequestContext | None = None
        try:
            context = await self.get_context(request, response=None)
            response = None
            if scope["method"] == "POST" and self.compiled is not None:
                response = await self._answer_compiled(request, context)
            if response is None:
                response = await self.run(request, context=context)
        except (RequestError, HTTPException) as error:
            refused = (
                error
                if isinstance(error, RequestError)
                else RequestError(error.reason, error.status_code)
            )
            if context is not None and error.__cause__ is None:  # else logged by the schema
                log_refused(context, None, refused.error)
            response = request_error_response(refused, media_type)
        except DatabaseUnavailable:
            logger.warning("database unavailable (request %s)", request_id, exc_info=True)
            response = failure_response(request_id, SERVICE_UNAVAILABLE_CODE, 503)
        except Exception:
            logger.exception("request %s failed outside execution", request_id)
            response = failure_response(request_id, INTERNAL_ERROR_CODE, 500)
        if media_type == GRAPHQL_RESPONSE_JSON:
            if response.headers.get("content-type", "").startswith(JSON):
                response.headers["content-type"] = content_type(GRAPHQL_RESPONSE_JSON)
            if request.state.request_error:
                response.status_code = 400
        await response(scope, receive, send)

    async def _answer_compiled(self, request: Request, context: RequestContext) -> Response | None:
        """The response to a JSON POST of a compiled document, as Strawberry's view would
        write it; None for anything else."""
        if context.actor is None:
            return None
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/json"):
            return None
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return None
        name, variables, extensions = (
            body.get("operationName"),
            body.get("variables"),
            body.get("extensions"),
        )
        if not isinstance(name, str | None) or not isinstance(variables, dict | None):
            return None
        if not isinstance(extensions, dict | None):
            return None
        data = GraphQLRequestData(body["query"], variables, name, extensions)
        try:
            admitted, to_store = await self.admit(data, context)
        except DocumentRefused:
            return None  # the view refuses it, and logs that
        result = await self._compiled(context, admitted)
        if result is None:
            return None
        await self._store(to_store, admitted.query, result)
        return Response(orjson.dumps({"data": result.data}), media_type="application/json")

    def encode_json(self, data: object) -> str:
        """orjson: several times faster than json on a page of 50 requests. As text, for
        websockets carry graphql-transport-ws messages in text frames."""
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """Our GraphiQL page: its files are served from the package (``server.graphiql``)."""
        return HTMLResponse(graphiql_page())

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A GET by persisted hash or ``documentId`` has no ``query`` but is an operation,
        not the IDE."""
        params = request.query_params
        if params.get("extensions") is not None or params.get("documentId") is not None:
            return False
        return super().should_render_graphql_ide(request)

    async def admit(
        self, data: GraphQLRequestData, context: RequestContext
    ) -> tuple[GraphQLRequestData, str | None]:
        """The request to run (a persisted query's text filled in) and, for a new automatic
        persisted query, the hash to store it under once it ran; DocumentRefused if not."""
        settings = self.runtime.settings
        is_admin = context.actor is not None and context.actor.is_admin
        resolved = await resolve_document(
            self.documents,
            data.query,
            data.extensions,
            trusted_only=settings.trusted_documents_only and not is_admin,
            store=self.persisted,
        )
        query, trusted = resolved.query, resolved.trusted
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
        admitted = data if query == data.query else replace(data, query=query)
        return admitted, resolved.to_store

    async def _store(self, digest: str | None, query: str | None, result: ExecutionResult) -> None:
        """Keep a new automatic persisted query that ran (a document refused before
        execution is not kept)."""
        if digest is None or query is None or self.persisted is None:
            return
        if is_request_error(result.data, result.errors):
            return
        await self.persisted.put(digest, query)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: RequestContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, with documents admitted first, compiled documents answered by the
        compiled path, and the refusals of the envelope as request errors."""
        try:
            admitted, to_store = await self.admit(request_data, context)
        except DocumentRefused as refused:
            log_refused(context, request_data.operation_name, refused.error)
            return ExecutionResult(data=None, errors=[refused.error])
        if not admitted.query:
            raise RequestError("No GraphQL query found in the request.")
        result = await self._compiled(context, admitted)
        if result is None:
            result = await self._execute(request_adapter, context, root_value, admitted)
        await self._store(to_store, admitted.query, result)
        return result

    async def _execute(
        self,
        request_adapter: AsyncHTTPRequestAdapter,
        context: RequestContext,
        root_value: None,
        admitted: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await self.schema.execute(
                admitted.query,
                root_value=root_value,
                variable_values=admitted.variables,
                context_value=context,
                operation_name=admitted.operation_name,
                allowed_operation_types=OperationType.from_http(request_adapter.method),
                operation_extensions=admitted.extensions,
            )
        except CannotGetOperationTypeError as error:
            unknown = GraphQLError(
                error.as_http_error_reason(), extensions={"code": BAD_REQUEST_CODE}
            )
            return ExecutionResult(data=None, errors=[unknown])
        except InvalidOperationTypeError as error:
            raise RequestError(
                error.as_http_error_reason(request_adapter.method),
                status=405,
                code=METHOD_NOT_ALLOWED_CODE,
                headers={"allow": "POST"},
            ) from error

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry's parsing, ``operationName`` checked as the other parameters are, and
        a persisted document's ``documentId`` (GraphQL Codegen) read as Apollo's hash."""
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else [data]:
            check_parameters(item.query, item.operation_name, item.variables, item.extensions)
        if isinstance(data, GraphQLRequestData) and data.query is None:
            document_id = await document_id_of(request)
            if document_id is not None:
                extensions = {**(data.extensions or {}), **persisted_query(document_id)}
                data = replace(data, extensions=extensions)
        return data

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """A request error is marked for :meth:`__call__` (a 400 when the client accepts
        ``application/graphql-response+json``, whose responses then carry no ``data``)."""
        response = await super().process_result(request, result)
        if is_request_error(result.data, result.errors):
            request.state.request_error = True
            if request.state.media_type == GRAPHQL_RESPONSE_JSON:
                response.pop("data", None)
        return response

    async def _compiled(
        self, context: RequestContext, request: GraphQLRequestData
    ) -> ExecutionResult | None:
        """The result of a compiled document (``schema.execution.compiled``), logged as
        ``OperationLog`` logs an operation; None when it runs the standard way."""
        if self.compiled is None or context.actor is None or not request.query:
            return None
        started = time.perf_counter()
        with tallying() as tally:
            answer = await self.compiled.answer(
                context, request.query, request.operation_name, request.variables
            )
        if answer is None:
            return None
        elapsed = time.perf_counter() - started
        log_operation(context, answer.operation_name, "query", "ok", [], elapsed, tally.statements)
        return ExecutionResult(data=answer.data, errors=None)

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
                request_data, _ = await self.admit(request_data, context)
            except DocumentRefused as refused:
                log_refused(context, request_data.operation_name, refused.error)
                return ExecutionResult(data=None, errors=[refused.error])
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )

    async def get_context(self, request: Request | WebSocket, response: object) -> RequestContext:
        request_id = request_id_of(request)
        actor = None
        if isinstance(request, Request):
            actor = await authenticate(self.runtime, request.headers.get("authorization"))
        return RequestContext(
            settings=self.runtime.settings,
            sessions=self.runtime.sessions,
            reads=self.runtime.reads,
            actor=actor,
            request_id=request_id,
            events=self.runtime.feed,
            actors=self.runtime.actors,
            client_address=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """Websockets carry the token in connection_init; no valid token, no connection."""
        params = context.connection_params or {}
        authorization = params.get("authorization") or params.get("Authorization")
        # DatabaseUnavailable passes: the handlers close the socket so the client retries.
        actor = await authenticate(
            self.runtime, authorization if isinstance(authorization, str) else None
        )
        if actor is None:
            raise ConnectionRejectionError({"reason": "A valid access token is required."})
        context.sign_in(actor)
        return await super().on_ws_connect(context)
