"""The metrics over HTTP: ``/metrics`` and the count of HTTP responses (see core.metrics)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.metrics import HTTP_PATHS, HTTP_REQUESTS, OTHER, exposition
from core.settings import Settings


def metrics_endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    """The ``/metrics`` handler; with ``metrics_token`` set it wants ``Bearer <token>``."""
    expected = f"Bearer {settings.metrics_token}".encode() if settings.metrics_token else None

    async def metrics(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return Response(status_code=401, headers={"www-authenticate": "Bearer"})
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics


class HTTPMetrics:
    """Counts HTTP responses by method, path (the app's routes, else ``other``) and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app fails before answering

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            path = scope["path"] if scope["path"] in HTTP_PATHS else OTHER
            method = scope["method"] if scope["method"] in ("GET", "POST", "OPTIONS") else OTHER
            HTTP_REQUESTS.labels(method=method, path=path, status=str(status)).inc()
