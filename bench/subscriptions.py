"""Benchmark: how long a committed event takes to reach its subscribers, by audience.

    make bench-events                      # BENCH_ARGS=--quick for a short run
    .venv/bin/python -m bench.subscriptions [--workers 1,2] [--steps 20] [--burst 200]
                                            [--incharges 200]

Seeds the default demo world into a fresh PostgreSQL database (gridline_bench_events)
and, for each process count of --workers, starts `gridline serve --workers N` as a user
would. Each audience is held by a separate load process (bench/subscribers.py), its
websockets spread by the kernel over the server's processes:

- single subscriber: one socket of cluster@ on packageRequestEvents (the baseline);
- one user: --sockets sockets of cluster@;
- a dozen users: --sockets sockets spread over twelve users of different roles and
  plants (bench/live_audiences.py), some of whom may not see the events;
- a state's in-charges: --incharges cluster and state in-charges made for the bench across
  the state of the events, a socket each (some of their clusters see the events);
- field agents: --sockets technicians made for the bench, each on myAssignments, and a
  burst of --burst assignments (one to each of --burst of them) sent at once by the admin.

On the dashboards csa@ creates and cancels requests, one step every --interval seconds.
A delivery's latency is its arrival minus the event's `at`, taken inside the writing
transaction just before commit: it covers the commit, NOTIFY, the feed's read, the
execution and the websocket. Deliveries are checked against `node(id)` as each user:
missing, twice, or to someone who may not see the request (leaked). Results:
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
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx2 as httpx

from bench.live_audiences import (
    Listener,
    connections,
    create_agents,
    create_incharges,
    dozen_users,
    open_consumers,
    tokens,
    visible,
)
from bench.processes import ROOT, free_port, gridline_command, running
from bench.screens import sign_in
from core.settings import Settings
from schema.relay import encode_id

RESULTS = ROOT / "bench" / "results"
DATABASE = "gridline_bench_events"
QUERIES = ROOT / "queries"
CANCEL = """mutation($input: ReasonTransitionInput!) {
  cancelPackageRequest(input: $input) { request { id } errors { code message } }
}"""
CONSUMERS = """{ consumers(first: 100, filter: { status: ACTIVE }) { edges { node { id } } } }"""
DASHBOARD = """subscription {
  packageRequestEvents { cursor action at request { id stage } }
}"""
AGENT = """subscription { myAssignments { cursor kind at request { id } } }"""
ASSIGNING_AT_ONCE = 16


async def _fresh_database(server_url: str) -> str:
    admin = await asyncpg.connect(f"{server_url}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    return f"{server_url.replace('postgresql://', 'postgresql+asyncpg://')}/{DATABASE}"


def _gridline(environment: dict[str, str], command: str, *args: str) -> None:
    gridline = Path(sys.executable).parent / command
    subprocess.run(  # noqa: S603 - our own command
        [str(gridline), *args], cwd=ROOT, env={**os.environ, **environment}, check=True
    )


def _post(http: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = http.post(
        "/graphql", json={"query": query, "variables": variables}
    ).json()
    return body


class Steps:
    """Creates and cancels requests as the CSA: each call is one event."""

    def __init__(self, base_url: str, token: str, interval: float) -> None:
        self.interval = interval
        self.http = httpx.Client(base_url=base_url, headers={"Authorization": token}, timeout=30)
        edges = _post(self.http, CONSUMERS, {})["data"]["consumers"]["edges"]
        self.consumers = [edge["node"]["id"] for edge in edges]
        self.open: str | None = None
        self.events: list[tuple[str, str]] = []  # (request, action)

    def step(self) -> None:
        if self.open is not None:
            input = {"requestId": self.open, "reason": "Bench."}
            answer = _post(self.http, CANCEL, {"input": input})
            assert not answer["data"]["cancelPackageRequest"]["errors"], answer
            self.events.append((self.open, "CANCEL"))
            self.open = None
            return
        create = (QUERIES / "CreatePackageRequest.graphql").read_text()
        while self.consumers:
            consumer = self.consumers.pop(0)
            answer = _post(self.http, create, {"consumerId": consumer, "service": "DISCONNECTION"})
            payload = answer["data"]["createPackageRequest"]
            if not payload["errors"]:
                self.open = payload["request"]["id"]
                self.events.append((self.open, "CREATE"))
                self.consumers.append(consumer)  # free again once cancelled
                return
        raise RuntimeError("no consumer without an open request")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _connections_per_process(port: int) -> str:
    """How the server's processes share the established websockets (from ss)."""
    found = subprocess.run(  # noqa: S603 - a fixed command
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    counts = Counter(
        part.split("pid=")[1].split(",")[0] for part in found.split() if "pid=" in part
    )
    return "/".join(str(n) for n in sorted(counts.values(), reverse=True)) or "?"


def _hold(
    base_url: str,
    database_url: str,
    name: str,
    query: str,
    field: str,
    listeners: Sequence[Listener],
    act: Callable[[], None],
) -> tuple[list[list[Any]], str]:
    """Open a websocket per listener in a load process, ``act``, and return what arrived
    and how the sockets were spread over the server's processes (and, after the slash,
    the server's database connections, of which listening)."""
    spec_path = RESULTS / "tmp" / f"{name}-spec.json"
    out = RESULTS / "tmp" / f"{name}.json"
    spec = {
        "url": base_url.replace("http://", "ws://") + "/graphql",
        "query": query,
        "field": field,
        "sockets": [[listener.label, listener.token] for listener in listeners],
    }
    spec_path.write_text(json.dumps(spec))
    load = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "bench.subscribers", str(spec_path), str(out)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert load.stdout is not None
    assert load.stdin is not None
    if load.stdout.readline().strip() != "ready":
        raise RuntimeError("the load process did not get ready")
    spread = _connections_per_process(int(base_url.rsplit(":", 1)[1]))
    act()
    total, listening = asyncio.run(connections(database_url))
    spread += f" ({total} db, {listening} listening)"
    time.sleep(2.0)  # the last deliveries
    load.stdin.close()
    load.wait(timeout=120)
    records: list[list[Any]] = json.loads(out.read_text())
    return records, spread


def _summary(
    audience: str,
    listeners: Sequence[Listener],
    events: int,
    expected: set[tuple[int, str, str]],
    records: list[list[Any]],
    spread: str,
) -> dict[str, Any]:
    arrived = [r for r in records if r[2] is not None]
    keys = [(socket, request, label) for socket, _, request, label, _, _ in arrived]
    unique = set(keys)
    latencies = [
        (received - at) * 1000
        for socket, _, request, label, at, received in arrived
        if (socket, request, label) in expected
    ]
    return {
        "audience": audience,
        "sockets": len(listeners),
        "users": len({listener.label for listener in listeners}),
        "events": events,
        "expected": len(expected),
        "delivered": len(unique & expected),
        "missing": len(expected - unique),
        "twice": len(keys) - len(unique),
        "leaked": len(unique - expected),
        "errors": len(records) - len(arrived),
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p99_ms": _percentile(latencies, 0.99) if latencies else None,
        "max_ms": max(latencies) if latencies else None,
        "sockets_per_process": spread,
    }


def dashboards(
    base_url: str,
    database_url: str,
    steps: Steps,
    audience: str,
    listeners: Sequence[Listener],
    count: int,
) -> dict[str, Any]:
    """``count`` steps of the CSA to ``listeners`` on packageRequestEvents."""
    first = len(steps.events)

    def act() -> None:
        for _ in range(count):
            steps.step()
            time.sleep(steps.interval)

    name = audience.replace(" ", "-")
    records, spread = _hold(
        base_url, database_url, name, DASHBOARD, "packageRequestEvents", listeners, act
    )
    events = steps.events[first:]
    may_see = visible(base_url, listeners, {request for request, _ in events})
    expected = {
        (socket, request, action)
        for socket, listener in enumerate(listeners)
        for request, action in events
        if (listener.label, request) in may_see
    }
    return _summary(audience, listeners, len(events), expected, records, spread)


async def _assign_all(
    base_url: str, token: str, pairs: list[tuple[str, int]]
) -> dict[str, tuple[float, float]]:
    """Send the assignments, ``ASSIGNING_AT_ONCE`` at a time; when each was sent and
    when its answer (after its commit) arrived."""
    assign = (QUERIES / "AssignPackageRequest.graphql").read_text()
    limit = asyncio.Semaphore(ASSIGNING_AT_ONCE)
    headers = {"Authorization": token}
    timings: dict[str, tuple[float, float]] = {}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:

        async def one(request_id: str, agent_id: int) -> None:
            variables = {"requestId": request_id, "assigneeId": encode_id("User", agent_id)}
            async with limit:
                sent = time.time()
                answer = (
                    await http.post("/graphql", json={"query": assign, "variables": variables})
                ).json()
                timings[request_id] = (sent, time.time())
            assert not answer["data"]["assignPackageRequest"]["errors"], answer

        await asyncio.gather(*(one(request, agent) for request, agent in pairs))
    return timings


def field_agents(
    base_url: str, database_url: str, settings: Settings, admin: str, sockets: int, burst: int
) -> dict[str, Any]:
    """``sockets`` technicians on myAssignments; ``burst`` requests, one to each of the
    first ``burst`` of them, assigned at once."""
    consumers = asyncio.run(open_consumers(database_url, burst))
    create = (QUERIES / "CreatePackageRequest.graphql").read_text()
    requests: list[str] = []
    with httpx.Client(base_url=base_url, headers={"Authorization": admin}, timeout=30) as http:
        for consumer_id, _ in consumers:
            variables = {
                "consumerId": encode_id("Consumer", consumer_id),
                "service": "DISCONNECTION",
            }
            payload = _post(http, create, variables)["data"]["createPackageRequest"]
            assert not payload["errors"], payload
            requests.append(payload["request"]["id"])
    plants = [plant for _, plant in consumers]
    plants += [plants[n % len(plants)] for n in range(sockets - burst)]
    tag = secrets.token_hex(3)
    agents = asyncio.run(create_agents(database_url, plants, tag))
    listeners = tokens(settings, [(f"agent {n}", agent) for n, agent in enumerate(agents)])
    pairs = list(zip(requests, agents[:burst], strict=True))
    expected = {(n, request, "ASSIGNED") for n, request in enumerate(requests)}
    started: list[float] = []
    timings: dict[str, tuple[float, float]] = {}

    def act() -> None:
        started.append(time.time())
        timings.update(asyncio.run(_assign_all(base_url, admin, pairs)))
        started.append(time.time())

    records, spread = _hold(
        base_url, database_url, f"agents-{tag}", AGENT, "myAssignments", listeners, act
    )
    summary = _summary("field agents, burst", listeners, burst, expected, records, spread)
    received = [r[5] for r in records if r[2] is not None]
    summary["burst_sent_s"] = round(started[1] - started[0], 2)
    summary["burst_delivered_s"] = round(max(received) - started[0], 2) if received else None
    # Where the time goes: a mutation's round trip, and delivery after its answer arrived.
    trips = [(answered - sent) * 1000 for sent, answered in timings.values()]
    after = [(r[5] - timings[r[2]][1]) * 1000 for r in records if r[2] in timings]
    summary["mutation_p50_ms"] = statistics.median(trips)
    summary["after_answer_p50_ms"] = statistics.median(after) if after else None
    summary["after_answer_p99_ms"] = _percentile(after, 0.99) if after else None
    return summary


COLUMNS = (
    ("workers", "workers"),
    ("audience", "audience"),
    ("sockets", "sockets"),
    ("users", "users"),
    ("events", "events"),
    ("expected", "expected"),
    ("missing", "missing"),
    ("twice", "twice"),
    ("leaked", "leaked"),
    ("p50 ms", "p50_ms"),
    ("p99 ms", "p99_ms"),
    ("max ms", "max_ms"),
    ("p99 / single", "p99_ratio"),
    ("connections per process (server db connections)", "sockets_per_process"),
)


def report(rows: list[dict[str, Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.1f}"
        return "-" if value is None else str(value)

    lines = [
        "| " + " | ".join(title for title, _ in COLUMNS) + " |",
        "|" + "|".join("---" if key == "audience" else "---:" for _, key in COLUMNS) + "|",
    ]
    lines += ["| " + " | ".join(cell(row.get(key)) for _, key in COLUMNS) + " |" for row in rows]
    bursts = [row for row in rows if "burst_sent_s" in row]
    for row in bursts:
        lines.append(
            f"\nBurst, {row['workers']} process(es): {row['events']} assignments sent in "
            f"{row['burst_sent_s']} s, the last delivered {row['burst_delivered_s']} s after "
            f"the first was sent; an assignment's round trip p50 {row['mutation_p50_ms']:.0f} ms;"
            f" delivery after the mutation's answer p50 {row['after_answer_p50_ms']:.0f} ms, "
            f"p99 {row['after_answer_p99_ms']:.0f} ms."
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    (RESULTS / "tmp").mkdir(parents=True, exist_ok=True)
    url = asyncio.run(_fresh_database(args.postgres))
    secret = secrets.token_urlsafe(48)
    environment = {
        "GRIDLINE_DATABASE_URL": url,
        "GRIDLINE_ENVIRONMENT": "production",
        "GRIDLINE_SECRET_KEY": secret,
        "GRIDLINE_LOG_LEVEL": "WARNING",
    }
    _gridline(environment, "gridline", "migrate")
    _gridline(environment, "gridline-demo", "seed")
    settings = Settings(database_url=url, environment="production", secret_key=secret)
    dozen = tokens(settings, asyncio.run(dozen_users(url)))
    cluster = next(listener for listener in dozen if listener.label == "cluster")
    spread = [dozen[n % len(dozen)] for n in range(args.sockets)]
    made = asyncio.run(create_incharges(url, args.incharges, secrets.token_hex(3)))
    incharges = tokens(settings, [(f"in-charge {n}", user) for n, user in enumerate(made)])
    steps_count = args.steps + args.steps % 2  # even: every request created is cancelled
    rows: list[dict[str, Any]] = []
    for workers in (int(n) for n in args.workers.split(",")):
        port = free_port()
        with running(
            f"gridline-events-{workers}", gridline_command(port, workers), environment, port
        ) as server:
            steps = Steps(server.url, sign_in(server.url, "csa@demo.gridline"), args.interval)
            admin = sign_in(server.url, "admin@demo.gridline")
            found = [
                dashboards(server.url, url, steps, "single subscriber", [cluster], steps_count),
                dashboards(
                    server.url, url, steps, "one user", [cluster] * args.sockets, steps_count
                ),
                dashboards(server.url, url, steps, "a dozen users", spread, steps_count),
                dashboards(server.url, url, steps, "a state's in-charges", incharges, steps_count),
                field_agents(server.url, url, settings, admin, args.sockets, args.burst),
            ]
        single = found[0]["p99_ms"]
        for row in found:
            row["workers"] = workers
            row["p99_ratio"] = row["p99_ms"] / single if row["p99_ms"] and single else None
            print(json.dumps(row), flush=True)
        rows += found
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="server process counts to run")
    parser.add_argument("--sockets", type=int, default=1000, help="sockets of each audience")
    parser.add_argument("--steps", type=int, default=20, help="events on the dashboards")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between them")
    parser.add_argument("--burst", type=int, default=200, help="assignments sent at once")
    parser.add_argument(
        "--incharges", type=int, default=200, help="in-charges across a state, a socket each"
    )
    parser.add_argument("--quick", action="store_true", help="a short run: one process")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GRIDLINE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    if args.quick:
        args.workers, args.steps, args.interval, args.burst = "1", 6, 0.3, 50
        args.incharges = 50
    started = time.monotonic()
    rows = run(args)
    table = report(rows)
    print(table)
    stamp = datetime.now(UTC).date().isoformat()
    suffix = "-quick" if args.quick else ""
    (RESULTS / f"events-{stamp}{suffix}.json").write_text(json.dumps(rows, indent=2) + "\n")
    (RESULTS / f"events{suffix}.md").write_text(
        f"# Live events: commit to delivery ({stamp}, PostgreSQL)\n\n"
        f"{args.sockets} sockets per audience ({args.incharges} for the in-charges), in a "
        "separate load process; dashboards: "
        f"{args.steps} events, one every {args.interval} s; field agents: a burst of "
        f"{args.burst} assignments, {ASSIGNING_AT_ONCE} at a time. "
        f"The whole run took {time.monotonic() - started:.0f} s.\n\n"
        f"{table}\n"
    )


if __name__ == "__main__":
    main()
