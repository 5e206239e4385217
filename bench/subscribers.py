"""The load process of bench/subscriptions.py: N websockets, each subscribed to
packageRequestEvents, recording when each event arrives.

    python -m bench.subscribers WS_URL TOKEN COUNT OUT.json

Prints "ready" once every subscription is acknowledged, then records until stdin closes,
and writes ``[[connection, request_id, action, at, received], ...]`` to OUT.json
(``at``: the event's time from the server; ``received``: this machine's clock).
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

SUBSCRIPTION = """subscription {
  packageRequestEvents { cursor action at request { id stage } }
}"""
OPENING_BATCH = 50


async def subscriber(
    url: str, token: str, number: int, ready: asyncio.Event, records: list[list[Any]]
) -> Any:
    connection = await websockets.connect(
        url,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        max_queue=None,
        ping_interval=None,
    )
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": token}})
    )
    assert json.loads(await connection.recv())["type"] == "connection_ack"
    await connection.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
    )

    async def receive() -> None:
        async for raw in connection:
            received = time.time()
            message = json.loads(raw)
            if message["type"] == "ping":
                await connection.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] != "next" or message["payload"].get("errors"):
                records.append([number, None, json.dumps(message)[:200], None, received])
                continue
            event = message["payload"]["data"]["packageRequestEvents"]
            at = datetime.fromisoformat(event["at"]).timestamp()
            records.append([number, event["request"]["id"], event["action"], at, received])

    return connection, asyncio.create_task(receive())


async def main(url: str, token: str, count: int) -> list[list[Any]]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count * 2 + 100)), hard))
    records: list[list[Any]] = []
    ready = asyncio.Event()
    opened: list[Any] = []
    for start in range(0, count, OPENING_BATCH):
        batch = range(start, min(count, start + OPENING_BATCH))
        opened += await asyncio.gather(*(subscriber(url, token, n, ready, records) for n in batch))
    await asyncio.sleep(1.0)  # every subscription has joined the server's feed
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    for connection, task in opened:
        task.cancel()
        await connection.close()
    return records


if __name__ == "__main__":
    found = asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    Path(sys.argv[4]).write_text(json.dumps(found))
