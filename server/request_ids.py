"""Every HTTP request and websocket gets an id, echoed in ``x-request-id`` and logged."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logs import REQUEST_ID_HEADER, accepted_request_id, current_request_id


class RequestIds:
    """Gives every HTTP request and websocket an id, in the ``x-request-id`` header.

    The client's id is kept when acceptable, else one is made; the request's headers are
    rewritten so that the GraphQL context reads the same id, the response echoes it, and
    every log record of the request carries it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = REQUEST_ID_HEADER.encode()
        sent = [value for name, value in scope["headers"] if name == header]
        request_id = accepted_request_id(sent[0].decode("latin-1") if sent else None)
        encoded = request_id.encode()
        headers = [(name, value) for name, value in scope["headers"] if name != header]
        scope = {**scope, "headers": [*headers, (header, encoded)]}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (header, encoded)]
            await send(message)

        token = current_request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
