"""``make bench``: the screens under HTTP load, against a raw floor and PostGraphile.

    .venv/bin/python -m bench.run [--quick] [--duration S] [--warmup S] [--databases pg,sqlite]
                                  [--processes 1,2] [--screens InProcessTab,...]

For each database (the large demo world, seeded when missing or out of date) and each
process count (1, then one per core): start ``gridline serve`` and the floor
(``bench/floor/``) under uvicorn, sign in, check that both answer the same data, then
drive each screen with wrk at concurrency 1 and 32, after a warm-up. On PostgreSQL,
PostGraphile 5 (``bench/peer.py``, installed with npm when missing) runs beside them
with as many processes; it answers the per-plant In Process tab and a request's details
(``peer.SCREENS``), each checked against Gridline's answer and then driven with the same
wrk settings; the checks are recorded under the result's ``peer``. Writes
``bench/results/<date>-<database>.json`` and ``bench/results/README.md``; a run of some
screens only (``--screens``) writes its figures under ``bench/results/tmp/`` instead.

Environment: ``GRIDLINE_BENCH_POSTGRES_URL`` (default: database gridline_bench on the
local server), ``GRIDLINE_BENCH_SQLITE_PATH``, ``BENCH_DURATION``, ``BENCH_WARMUP``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import sys
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import peer, processes, report, screens
from bench.seeding import ensure_seeded
from core.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
SCRATCH = RESULTS / "tmp"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/gridline_bench"
DEFAULT_SQLITE_PATH = SCRATCH / "gridline_bench.sqlite3"
CONCURRENCIES = (1, 32)


def database_urls(names: list[str]) -> dict[str, str]:
    urls = {
        "postgresql": os.environ.get("GRIDLINE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        "sqlite": "sqlite+aiosqlite:///"
        + os.environ.get("GRIDLINE_BENCH_SQLITE_PATH", str(DEFAULT_SQLITE_PATH)),
    }
    return {name: urls[name] for name in names}


def server_environment(url: str, secret_key: str) -> dict[str, str]:
    """Production settings, quiet logs (an access-log line per request would be measured)."""
    return {
        "GRIDLINE_DATABASE_URL": url,
        "GRIDLINE_SECRET_KEY": secret_key,
        "GRIDLINE_ENVIRONMENT": "production",
        "GRIDLINE_LOG_LEVEL": "WARNING",
    }


def measure(
    server: processes.Server,
    path: str,
    body_file: Path,
    authorization: str,
    concurrency: int,
    duration: float,
    warmup: float,
) -> processes.LoadResult:
    url = f"{server.url}{path}"
    processes.settle(server)
    if warmup > 0:
        processes.run_wrk(url, body_file, authorization, connections=concurrency, seconds=warmup)
    result = processes.run_wrk(
        url, body_file, authorization, connections=concurrency, seconds=duration, server=server
    )
    processes.settle(server)
    return result


def row(
    database: str,
    workers: int,
    load: screens.Workload,
    concurrency: int,
    target: str,
    result: processes.LoadResult,
    statements: int | None,
) -> dict[str, Any]:
    return {
        "database": database,
        "processes": workers,
        "screen": load.screen,
        "concurrency": concurrency,
        "target": target,
        "requests": result.requests,
        "seconds": round(result.seconds, 2),
        "errors": result.errors,
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50_ms, 2),
        "p90_ms": round(result.p90_ms, 2),
        "p99_ms": round(result.p99_ms, 2),
        "max_ms": round(result.max_ms, 2),
        # 100 = one core busy for the whole measurement.
        "server_cpu_percent": round(100 * result.server_cpu_seconds / result.seconds, 1),
        "server_cpu_ms_per_request": round(
            1000 * result.server_cpu_seconds / max(result.requests, 1), 3
        ),
        "generator_cpu_percent": round(100 * result.generator_cpu_seconds / result.seconds, 1),
        "statements_per_request": statements,
    }


def _print_run(load: screens.Workload, concurrency: int, entry: dict[str, Any]) -> None:
    print(
        f"   {load.screen:<24} c={concurrency:<3} {entry['target']:<12}"
        f" {entry['rps']:>8.1f} req/s  p50 {entry['p50_ms']:>7.2f} ms"
        f"  p99 {entry['p99_ms']:>7.2f} ms"
        f"  cpu {entry['server_cpu_percent']:>5.1f}%"
        f"  wrk {entry['generator_cpu_percent']:>4.1f}%"
        f"{'  ERRORS ' + str(entry['errors']) if entry['errors'] else ''}"
        f"{'' if entry['requests'] else '  (none completed: run longer)'}",
        flush=True,
    )


def _print_checks(found: dict[str, screens.Check]) -> None:
    for name, check in found.items():
        same = "same data" if check.same_data else f"DIFFERENT: {check.difference}"
        print(
            f"   {name}: {check.graphql_statements} statements, floor "
            f"{check.floor_statements}; {same}",
            flush=True,
        )


def _check_peer(
    app: processes.Server, peer_server: processes.Server, load: screens.Workload, currency: str
) -> peer.PeerCheck:
    """Gridline's answer for ``load`` against PostGraphile's for the same rows."""
    authorization = screens.sign_in(app.url, load.login)
    found = peer.check(load.screen, app.url, load.body(), authorization, peer_server.url, currency)
    same = "same data" if found.same_data else f"DIFFERENT: {found.difference}"
    on = ", ".join(
        f"{name} {value}" for name, value in peer.variables(load.screen, load.body()).items()
    )
    print(
        f"   {load.screen}: PostGraphile (no auth) on {on}: {report.count(found.requests)}; {same}",
        flush=True,
    )
    return found


def bench_database(
    database: str,
    url: str,
    worker_counts: list[int],
    duration: float,
    warmup: float,
    peer_node: str | None,
    only: set[str] | None = None,
) -> dict[str, Any]:
    """Every workload on ``database``; with PostGraphile when ``peer_node`` (its Node)."""
    print(f"== {database}: {url.split('@')[-1]}", flush=True)
    marker, seeded = asyncio.run(ensure_seeded(url))
    print(
        f"   {'seeded' if seeded else 'already seeded (same seed code), not seeding again'}:"
        f" {marker.size}, code {marker.code}, on {marker.seeded_on}",
        flush=True,
    )
    with_peer = peer_node is not None and peer.available_on(url)
    if not with_peer:
        print("   PostGraphile: not run here (it serves PostgreSQL only)", flush=True)
    secret_key = secrets.token_urlsafe(48)
    environment = server_environment(url, secret_key)
    settings = Settings(
        database_url=url, secret_key=secret_key, environment="production", log_level="WARNING"
    )
    runs: list[dict[str, Any]] = []
    checks: dict[str, Any] = {}
    peer_checks: dict[str, peer.PeerCheck] = {}
    for workers in worker_counts:
        app_port, floor_port, peer_port = (processes.free_port() for _ in range(3))
        with ExitStack() as stack:
            app = stack.enter_context(
                processes.running(
                    f"gridline-{database}-{workers}",
                    processes.gridline_command(app_port, workers),
                    environment,
                    app_port,
                )
            )
            floor_server = stack.enter_context(
                processes.running(
                    f"floor-{database}-{workers}",
                    processes.floor_command(floor_port, workers),
                    environment,
                    floor_port,
                )
            )
            peer_server = (
                stack.enter_context(
                    processes.running(
                        f"postgraphile-{database}-{workers}",
                        peer.command(),
                        peer.environment(url, peer_port, workers),
                        peer_port,
                    )
                )
                if with_peer
                else None
            )
            print(
                f"-- {workers} process(es): gridline {app.url}, floor {floor_server.url}"
                + (f", postgraphile {peer_server.url}" if peer_server else "")
            )
            authorization = screens.sign_in(app.url, screens.LOGIN)
            loads = asyncio.run(screens.workloads(settings, authorization))
            if not checks:
                found = asyncio.run(screens.check(settings, authorization, loads))
                checks = {name: asdict(check) for name, check in found.items()}
                _print_checks(found)
            for load in loads:
                if only is not None and load.screen not in only:
                    continue
                # A fresh sign-in per screen: access tokens live 15 minutes.
                authorization = screens.sign_in(app.url, load.login)
                body_file = SCRATCH / f"{load.screen}.json"
                body_file.write_text(json.dumps(load.body()))
                targets: list[tuple[str, processes.Server, str, Path, str, int | None]] = [
                    (
                        "graphql",
                        app,
                        "/graphql",
                        body_file,
                        authorization,
                        checks[load.screen]["graphql_statements"],
                    ),
                    (
                        "floor",
                        floor_server,
                        f"/{load.operation}",
                        body_file,
                        authorization,
                        checks[load.screen]["floor_statements"],
                    ),
                ]
                if peer_server is not None and load.screen in peer.SCREENS:
                    if load.screen not in peer_checks:
                        peer_checks[load.screen] = _check_peer(
                            app, peer_server, load, settings.currency
                        )
                    peer_file = SCRATCH / f"{load.screen}-postgraphile.json"
                    peer_file.write_text(json.dumps(peer.body(load.screen, load.body())))
                    # No Authorization header: PostGraphile has no authentication here.
                    targets.append((peer.NAME, peer_server, "/graphql", peer_file, "", None))
                for concurrency in CONCURRENCIES:
                    for target, server, path, file, credentials, statements in targets:
                        result = measure(
                            server, path, file, credentials, concurrency, duration, warmup
                        )
                        entry = row(
                            database, workers, load, concurrency, target, result, statements
                        )
                        runs.append(entry)
                        _print_run(load, concurrency, entry)
    return {
        "database": database,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {"duration_s": duration, "warmup_s": warmup, "concurrency": CONCURRENCIES},
        "seed": {**asdict(marker), "seeded_in_this_run": seeded},
        "checks": checks,
        "peer": {
            "name": "PostGraphile",
            "version": peer.version(),
            "node": peer_node,
            "preset": "Amber",
            "authentication": "none",
            "screens": list(peer.SCREENS),
            # Per screen driven; older results have one "screen" and its "check".
            "checks": {screen: asdict(found) for screen, found in peer_checks.items()},
        }
        if with_peer
        else {"name": "PostGraphile", "skipped": "it serves PostgreSQL only"},
        "runs": runs,
    }


def peer_answered(peer_entry: dict[str, Any], only: set[str] | None) -> bool:
    """PostGraphile was checked on every peer screen driven and answered the same data
    (or did not run: it serves PostgreSQL only)."""
    if "skipped" in peer_entry:
        return True
    driven = [screen for screen in peer.SCREENS if only is None or screen in only]
    checks = peer_entry["checks"]
    return all(screen in checks and checks[screen]["same_data"] for screen in driven)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s runs, 1 s warm-up")
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 10))
    )
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("BENCH_WARMUP", 3)))
    parser.add_argument("--databases", default="postgresql,sqlite", help="comma-separated")
    parser.add_argument(
        "--processes", default=f"1,{os.cpu_count() or 1}", help="comma-separated worker counts"
    )
    parser.add_argument(
        "--screens",
        help="comma-separated screens to drive (default: every one); figures go to results/tmp",
    )
    args = parser.parse_args(argv)
    only = set(args.screens.split(",")) if args.screens else None
    duration, warmup = (2.0, 1.0) if args.quick else (args.duration, args.warmup)
    worker_counts = list(dict.fromkeys(int(n) for n in args.processes.split(",")))
    processes.find_wrk()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    urls = database_urls(args.databases.split(","))
    # Installed up front, so that a missing npm stops the bench before any measurement.
    peer_node = peer.ensure_installed() if any(map(peer.available_on, urls.values())) else None
    failed = False
    for database, url in urls.items():
        result = bench_database(database, url, worker_counts, duration, warmup, peer_node, only)
        day = result["started"][:10]
        name = f"{day}-{database}{'-quick' if args.quick else ''}"
        path = (
            RESULTS / f"{name}.json"
            if only is None
            else SCRATCH / f"{name}-{'+'.join(sorted(only))}.json"
        )
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {path.relative_to(RESULTS.parent.parent)}")
        failed |= not all(check["same_data"] for check in result["checks"].values())
        failed |= not peer_answered(result["peer"], only)
        failed |= any(entry["errors"] for entry in result["runs"])
    if only is None:
        readme = report.write_readme(RESULTS)
        print(f"wrote {readme.relative_to(RESULTS.parent.parent)}")
    if failed:
        print(
            "FAILED: the floor or PostGraphile answered different data, or requests failed"
            " (see above)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
