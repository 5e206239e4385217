"""Benchmark: how long a committed event takes to reach its subscribers, as they grow.

    make bench-events
    .venv/bin/python -m bench.subscriptions [--subscribers 1,100,500,1000] [--steps 20]

Seeds the default demo world into a fresh PostgreSQL database (gridline_bench_events),
starts `gridline serve` with one process as a user would, and for each level starts a
separate load process (bench/subscribers.py) holding that many websockets, each
subscribed to packageRequestEvents as cluster@demo.gridline. Then csa@ creates and
cancels package requests over HTTP, one step every --interval seconds; every step is an
event for every subscriber. The latency of a delivery is its arrival time minus the
event's `at` (taken inside the writing transaction, just before commit), so it covers
the commit, NOTIFY, the feed's read, the scope check and execution for each subscriber,
and the websocket. Reported: p50, p99 and max per level, their ratio to the
one-subscriber baseline of the same run, and deliveries missing. Results go to
bench/results/events-<date>.json and events.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx2 as httpx

from bench.processes import ROOT, free_port, gridline_command, running
from bench.screens import sign_in

RESULTS = ROOT / "bench" / "results"
DATABASE = "gridline_bench_events"
QUERIES = ROOT / "queries"
CANCEL = """mutation($input: ReasonTransitionInput!) {
  cancelPackageRequest(input: $input) { request { id } errors { code message } }
}"""
CONSUMERS = """{ consumers(first: 100, filter: { status: ACTIVE }) { edges { node { id } } } }"""


async def _fresh_database(server_url: str) -> str:
    admin = await asyncpg.connect(f"{server_url}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    return f"{server_url.replace('postgresql://', 'postgresql+asyncpg://')}/{DATABASE}"


def _gridline(environment: dict[str, str], *args: str) -> None:
    gridline = Path(sys.executable).parent / "gridline"
    subprocess.run(  # noqa: S603 - our own command
        [str(gridline), *args], cwd=ROOT, env={**os.environ, **environment}, check=True
    )


class Steps:
    """Creates and cancels requests as the CSA: each call is one event."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(base_url=base_url, headers={"Authorization": token}, timeout=30)
        edges = self._post(CONSUMERS, {})["data"]["consumers"]["edges"]
        self.consumers = [edge["node"]["id"] for edge in edges]
        self.open: str | None = None

    def _post(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = self.http.post(
            "/graphql", json={"query": query, "variables": variables}
        ).json()
        return body

    def step(self) -> None:
        if self.open is not None:
            answer = self._post(CANCEL, {"input": {"requestId": self.open, "reason": "Bench."}})
            assert not answer["data"]["cancelPackageRequest"]["errors"], answer
            self.open = None
            return
        create = (QUERIES / "CreatePackageRequest.graphql").read_text()
        while self.consumers:
            consumer = self.consumers.pop(0)
            answer = self._post(create, {"consumerId": consumer, "service": "DISCONNECTION"})
            payload = answer["data"]["createPackageRequest"]
            if not payload["errors"]:
                self.open = payload["request"]["id"]
                self.consumers.append(consumer)  # free again once cancelled
                return
        raise RuntimeError("no consumer without an open request")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(
    base_url: str, token: str, steps: Steps, subscribers: int, count: int, interval: float
) -> dict[str, Any]:
    """One level: ``subscribers`` websockets, ``count`` events."""
    out = RESULTS / "tmp" / f"events-{subscribers}.json"
    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    load = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "bench.subscribers", ws_url, token, str(subscribers), str(out)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert load.stdout is not None
    assert load.stdin is not None
    if load.stdout.readline().strip() != "ready":
        raise RuntimeError("the load process did not get ready")
    started = time.monotonic()
    for _ in range(count):
        steps.step()
        time.sleep(interval)
    time.sleep(max(2.0, interval))  # the last deliveries
    load.stdin.close()
    load.wait(timeout=120)
    records = json.loads(out.read_text())
    latencies = [(received - at) * 1000 for _, request, _, at, received in records if request]
    failures = [record for record in records if not record[1]]
    expected = subscribers * count
    return {
        "subscribers": subscribers,
        "events": count,
        "deliveries": len(latencies),
        "missing": expected - len(latencies),
        "errors": len(failures),
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p99_ms": _percentile(latencies, 0.99) if latencies else None,
        "max_ms": max(latencies) if latencies else None,
        "seconds": round(time.monotonic() - started, 1),
    }


def report(levels: list[dict[str, Any]]) -> str:
    baseline = levels[0]
    lines = [
        "| subscribers | deliveries | missing | p50 ms | p99 ms | max ms | p50 / baseline "
        "| p99 / baseline |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        lines.append(
            f"| {level['subscribers']} | {level['deliveries']} | {level['missing']} "
            f"| {level['p50_ms']:.1f} | {level['p99_ms']:.1f} | {level['max_ms']:.1f} "
            f"| {level['p50_ms'] / baseline['p50_ms']:.1f} "
            f"| {level['p99_ms'] / baseline['p99_ms']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", default="1,100,500,1000")
    parser.add_argument("--steps", type=int, default=20, help="events per level")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between events")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GRIDLINE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    (RESULTS / "tmp").mkdir(parents=True, exist_ok=True)
    url = asyncio.run(_fresh_database(args.postgres))
    environment = {
        "GRIDLINE_DATABASE_URL": url,
        "GRIDLINE_ENVIRONMENT": "production",
        "GRIDLINE_SECRET_KEY": secrets.token_urlsafe(48),
        "GRIDLINE_LOG_LEVEL": "WARNING",
    }
    _gridline(environment, "migrate")
    _gridline(environment, "seed", "--demo")
    port = free_port()
    levels: list[dict[str, Any]] = []
    with running("gridline-events", gridline_command(port, 1), environment, port) as server:
        subscriber = sign_in(server.url, "cluster@demo.gridline")
        steps = Steps(server.url, sign_in(server.url, "csa@demo.gridline"))
        for count in (int(n) for n in args.subscribers.split(",")):
            level = measure(server.url, subscriber, steps, count, args.steps, args.interval)
            print(json.dumps(level), flush=True)
            levels.append(level)
    table = report(levels)
    print(table)
    stamp = datetime.now(UTC).date().isoformat()
    (RESULTS / f"events-{stamp}.json").write_text(json.dumps(levels, indent=2) + "\n")
    (RESULTS / "events.md").write_text(
        f"# Live events: commit to delivery ({stamp}, PostgreSQL, one server process)\n\n"
        f"{args.steps} events per level, one every {args.interval} s; subscribers on "
        "packageRequestEvents as a cluster in-charge, in a separate load process.\n\n"
        f"{table}\n"
    )


if __name__ == "__main__":
    main()
