"""The load process of bench/subscriptions.py: N websockets, each subscribed as its own
user, recording when each event arrives.

    python -m bench.subscribers SPEC.json OUT.json

SPEC: ``{"url", "query", "field", "sockets": [[user, token], ...]}``. Prints "ready" once
every subscription is acknowledged, then records until stdin closes, and writes
``[[socket, user, request_id, label, at, received], ...]`` to OUT.json (``label``: the
event's action or kind; ``at``: the event's time from the server; ``received``: this
machine's clock).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import websockets

OPENING_BATCH = 50


async def subscriber(
    spec: dict[str, Any], number: int, user: str, token: str, records: list[list[Any]]
) -> Any:
    connection = await websockets.connect(
        spec["url"],
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        max_queue=None,
        ping_interval=None,
    )
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": token}})
    )
    assert json.loads(await connection.recv())["type"] == "connection_ack"
    await connection.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": spec["query"]}})
    )
    field = spec["field"]

    async def receive() -> None:
        async for raw in connection:
            received = time.time()
            message = json.loads(raw)
            if message["type"] == "ping":
                await connection.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] != "next" or message["payload"].get("errors"):
                records.append([number, user, None, json.dumps(message)[:200], None, received])
                continue
            event = message["payload"]["data"][field]
            label = event.get("action") or event.get("kind")
            at = datetime.fromisoformat(event["at"])
            records.append([number, user, event["request"]["id"], label, at.timestamp(), received])

    return connection, asyncio.create_task(receive())


async def main(spec: dict[str, Any]) -> list[list[Any]]:
    sockets = spec["sockets"]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, len(sockets) * 2 + 100)), hard))
    records: list[list[Any]] = []
    opened: list[Any] = []
    for start in range(0, len(sockets), OPENING_BATCH):
        batch = range(start, min(len(sockets), start + OPENING_BATCH))
        opened += await asyncio.gather(
            *(subscriber(spec, n, sockets[n][0], sockets[n][1], records) for n in batch)
        )
    await asyncio.sleep(1.0)  # every subscription has joined the server's feed
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    for connection, task in opened:
        task.cancel()
        await connection.close()
    return records


if __name__ == "__main__":
    spec_path, out_path = sys.argv[1:3]
    spec = json.loads(Path(spec_path).read_text())
    Path(out_path).write_text(json.dumps(asyncio.run(main(spec))))
