"""A graphql-transport-ws client driving the ASGI app in the test's own event loop.

Starlette's TestClient runs the app in a thread with another loop, where the session's
database connections cannot follow; this speaks the ASGI websocket messages directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.types import ASGIApp, Message

PROTOCOL = "graphql-transport-ws"


class Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


class GraphQLWebSocket:
    """One websocket connection speaking graphql-transport-ws."""

    def __init__(self, app: ASGIApp, protocol: str = PROTOCOL) -> None:
        self.app = app
        self.protocol = protocol
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.pings = 0

    async def open(self) -> None:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "http_version": "1.1",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"gridline.test"),
                (b"sec-websocket-protocol", self.protocol.encode()),
            ],
            "subprotocols": [self.protocol],
            "client": ("127.0.0.1", 50000),
            "server": ("gridline.test", 80),
            "extensions": {},
            "state": {},
        }

        async def run() -> None:
            await self.app(scope, self._to_app.get, self._from_app.put)

        self._task = asyncio.create_task(run())
        await self._to_app.put({"type": "websocket.connect"})
        accepted = await asyncio.wait_for(self._from_app.get(), 5)
        if accepted["type"] != "websocket.accept":
            raise Closed(accepted.get("code", 0), accepted.get("reason", ""))

    async def send(self, message: dict[str, Any]) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        """The next protocol message, answering the server's pings on the way."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            left = deadline - asyncio.get_running_loop().time()
            message = await asyncio.wait_for(self._from_app.get(), max(left, 0.001))
            if message["type"] == "websocket.close":
                raise Closed(message.get("code", 1000), message.get("reason", ""))
            body: dict[str, Any] = json.loads(message["text"])
            if body["type"] == "ping":
                self.pings += 1
                await self.send({"type": "pong"})
                continue
            return body

    async def init(self, token: str | None) -> dict[str, Any]:
        payload = {"authorization": f"Bearer {token}"} if token is not None else {}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )

    async def complete(self, operation_id: str) -> None:
        await self.send({"id": operation_id, "type": "complete"})

    async def close(self) -> None:
        if self._task is None:
            return
        await self._to_app.put({"type": "websocket.disconnect", "code": 1000})
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._task, 5)
        self._task = None


@contextlib.asynccontextmanager
async def connected(app: ASGIApp, token: str | None) -> AsyncIterator[GraphQLWebSocket]:
    """An open, acknowledged connection signed in with ``token``."""
    socket = GraphQLWebSocket(app)
    await socket.open()
    try:
        ack = await socket.init(token)
        assert ack["type"] == "connection_ack", ack
        yield socket
    finally:
        await socket.close()


async def next_data(socket: GraphQLWebSocket, within: float = 5.0) -> dict[str, Any]:
    """The data of the next ``next`` message, which must carry no errors."""
    message = await socket.receive(within)
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message["payload"]
    data: dict[str, Any] = message["payload"]["data"]
    return data


async def nothing_more(socket: GraphQLWebSocket, wait: float = 0.3) -> None:
    """Nothing arrives within ``wait`` seconds."""
    with contextlib.suppress(TimeoutError):
        message = await socket.receive(wait)
        raise AssertionError(f"unexpected message {message}")
