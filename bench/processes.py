"""Servers started as a user starts them, their CPU, and the load generator (wrk)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
READY_TIMEOUT_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running server: its base URL and its process (uvicorn's supervisor or worker)."""

    name: str
    url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """User and system CPU of the process and every descendant (the workers)."""
        return sum(_process_cpu(pid) for pid in _tree(self.process.pid))


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text[text.rindex(")") + 2 :].split()


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from each process's parent in /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                parents[int(entry.name)] = int(fields[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found.extend(frontier)
    return found


def _process_cpu(pid: int) -> float:
    fields = _stat_fields(pid)
    # utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if fields else 0.0


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{server.name} was not ready within {READY_TIMEOUT_SECONDS:.0f} s")


@contextmanager
def running(
    name: str, command: list[str], environment: dict[str, str], port: int
) -> Iterator[Server]:
    """Start ``command``, wait for /readyz, and stop it (SIGTERM, then SIGKILL) at the end."""
    log = (ROOT / "bench" / "results" / "tmp" / f"{name}.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own commands
        command, cwd=ROOT, env={**os.environ, **environment}, stdout=log, stderr=log
    )
    server = Server(name, f"http://127.0.0.1:{port}", process)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


SETTLE_TIMEOUT_SECONDS = 120.0
IDLE_CPU_SHARE = 0.05


def settle(server: Server) -> None:
    """Wait until the server is idle: requests wrk abandoned at the end of a run are
    still being answered, and would slow down the next run's first seconds."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        before = server.cpu_seconds()
        time.sleep(0.25)
        if server.cpu_seconds() - before < 0.25 * IDLE_CPU_SHARE:
            return


def gridline_command(port: int, workers: int) -> list[str]:
    """``gridline serve``, exactly as the README tells a user to run it."""
    gridline = Path(sys.executable).parent / "gridline"
    return [str(gridline), "serve", "--port", str(port), "--workers", str(workers)]


def floor_command(port: int, workers: int) -> list[str]:
    """The floor under uvicorn with the same loop, HTTP parser and process count."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.floor:app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def find_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (Debian's package)")
    return found


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_seconds: float
    generator_cpu_seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    url: str,
    body_file: Path,
    authorization: str,
    *,
    connections: int,
    seconds: float,
    server: Server | None = None,
) -> LoadResult:
    """Drive ``url`` with wrk for ``seconds`` at ``connections`` concurrent connections."""
    threads = max(1, min(connections, os.cpu_count() or 1))
    command = [
        find_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        url,
    ]
    environment = {
        **os.environ,
        "BENCH_BODY_FILE": str(body_file),
        "BENCH_AUTHORIZATION": authorization,
    }
    cpu_before = server.cpu_seconds() if server else 0.0
    generator_before = _children_cpu()
    finished = subprocess.run(  # noqa: S603 - wrk with fixed arguments
        command, env=environment, capture_output=True, text=True, check=True
    )
    generator = _children_cpu() - generator_before
    server_cpu = (server.cpu_seconds() - cpu_before) if server else 0.0
    line = next((ln for ln in finished.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{finished.stdout}\n{finished.stderr}")
    figures = json.loads(line.removeprefix("BENCH_RESULT "))
    errors = sum(
        figures[key]
        for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return LoadResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        errors=errors,
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        server_cpu_seconds=server_cpu,
        generator_cpu_seconds=generator,
    )
