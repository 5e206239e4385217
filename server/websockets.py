"""Websockets speak graphql-transport-ws alone (the legacy ``graphql-ws`` subprotocol is
refused at the handshake, ``server.view``): every operation admitted by the same rules as
over HTTP, every error sent with a code, and server pings on acknowledged connections."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import aclosing
from typing import Any, Protocol, cast

import orjson
from graphql import GraphQLError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)

from core.db import DatabaseUnavailable
from resolvers.context import RequestContext
from schema.execution.live import LiveSubscriptions
from schema.execution.operation_log import INTERNAL_ERROR_CODE
from server.runtime import Runtime
from server.trusted_documents import DocumentRefused

UNAVAILABLE_REASON = "Service unavailable; try again shortly."
# Errors Strawberry's handler writes itself, without a code.
HANDLER_ERROR_CODES = {
    "Subscription limit reached": "TOO_MANY_SUBSCRIPTIONS",
    "Incremental delivery is not supported over graphql-transport-ws": "BAD_REQUEST",
}


def with_codes(errors: list[Any]) -> list[Any]:
    """Formatted errors, each with ``extensions.code`` (the handler's own errors lack one)."""
    coded = []
    for error in errors:
        extensions = error.get("extensions") or {}
        if not extensions.get("code"):
            code = HANDLER_ERROR_CODES.get(error.get("message"), INTERNAL_ERROR_CODE)
            error = {**error, "extensions": {**extensions, "code": code}}
        coded.append(error)
    return coded


class AdmittingView(Protocol):
    """What the handlers need of the view they serve."""

    runtime: Runtime
    live: LiveSubscriptions | None

    async def admit(
        self, data: GraphQLRequestData, context: RequestContext
    ) -> tuple[GraphQLRequestData, str | None]: ...


async def _admit_ws(view: Any, context: RequestContext, payload: Any) -> str | GraphQLError:
    """A websocket operation's document to run, or the error refusing it (same rules as HTTP).

    ``view`` is the GraphQL view (``server.view.GridlineGraphQL``) the handler serves."""
    admitting: AdmittingView = view
    extensions = payload.get("extensions")
    data = GraphQLRequestData(
        query=payload.get("query"),
        variables=None,
        operation_name=payload.get("operationName"),
        extensions=extensions if isinstance(extensions, dict) else None,
    )
    try:
        admitted, _ = await admitting.admit(data, context)
    except DocumentRefused as refused:
        return refused.error
    return admitted.query or ""


class TransportWSHandler(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """graphql-transport-ws: each ``subscribe`` is admitted like an HTTP request, and the
    server pings an acknowledged connection (mobile NATs drop quiet connections)."""

    ping_task: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except DatabaseUnavailable:
            # 1013 Try Again Later: graphql-ws clients retry it; 4403 would read as a bad
            # token and send the user back to sign in.
            await self.websocket.close(code=1013, reason=UNAVAILABLE_REASON)
            return
        if self.connection_acknowledged and self.ping_task is None:
            self.ping_task = asyncio.create_task(self._ping())

    async def _ping(self) -> None:
        view: AdmittingView = self.view  # type: ignore[assignment]
        interval = view.runtime.settings.websocket_ping_seconds
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

    async def run_operation(self, operation: Operation[RequestContext, None]) -> None:
        """A live subscription shared by its audience (schema.execution.live) when it is
        one; any other operation the standard way."""
        view: AdmittingView = self.view  # type: ignore[assignment]
        stream = None
        if view.live is not None and operation.query:
            stream = await view.live.open(
                self.context, operation.query, operation.variables, operation.operation_name
            )
        if stream is None:
            await super().run_operation(operation)
            return
        try:
            async with aclosing(stream):
                async for payload in stream:
                    # Encoded once for the whole group: the payload is sent as it is.
                    fragment: Any = orjson.Fragment(payload)
                    await operation.send_operation_message(
                        {"id": operation.id, "type": "next", "payload": fragment}
                    )
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except Exception as error:
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

    async def send_message(self, message: Any) -> None:
        if message.get("type") == "error":
            message = {**message, "payload": with_codes(message["payload"])}
        elif message.get("type") == "next" and isinstance(message.get("payload"), dict):
            errors = message["payload"].get("errors")
            if errors:
                message = {
                    **message,
                    "payload": {**message["payload"], "errors": with_codes(errors)},
                }
        await super().send_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged:
            admitted = await _admit_ws(self.view, self.context, message["payload"])
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
