"""HTTP request limits, as pure ASGI middleware: body size and time per request.

Websockets and lifespan pass through untouched: a subscription lives as long as it likes,
and a websocket message is bounded by the server (uvicorn's ``ws_max_size``).
"""

from __future__ import annotations

import json

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings

TOO_LARGE_CODE = "REQUEST_TOO_LARGE"
TIMEOUT_CODE = "TIMEOUT"


async def _send_error(send: Send, status: int, message: str, code: str) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """Refuses bodies over ``max_request_bytes`` (413) and cancels requests that run longer
    than ``request_timeout_seconds`` (503 when the response has not started).

    The body is read and counted before the app sees it (a lying or absent Content-Length
    does not help), then replayed. Cancellation unwinds the app's ``async with`` session
    blocks, so connections go back to the pool.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_bytes = settings.max_request_bytes
        self.timeout = settings.request_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            with anyio.fail_after(self.timeout):
                await self._limited(scope, receive, tracking_send)
        except TimeoutError:
            if not started:
                await _send_error(
                    send,
                    503,
                    f"The request took longer than {self.timeout:g} seconds and was cancelled.",
                    TIMEOUT_CODE,
                )

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            more_body = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await _send_error(
            send,
            413,
            f"The request body is larger than {self.max_bytes} bytes.",
            TOO_LARGE_CODE,
        )
