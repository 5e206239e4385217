"""The Markdown tables of bench/results/README.md, from the newest result of each database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HEADER = """# Benchmark results

Written by `make bench` (`bench/run.py`) from the newest `*.json` of each database here.
GraphQL is `gridline serve` on the large demo world (200 plants, 200,000 consumers,
50,000 requests); the floor is `bench/floor/`, the same answers from hand-written SQL,
run the same way in the same run. Load from `wrk` on the same machine. *ratio* is GraphQL's
requests per second over the floor's; CPU is the server's process tree (100% = one core);
statements are per request, sign-in check included.

PostGraphile 5 (`bench/postgraphile/`, the Amber preset, production mode, on the Node 22
that npm installs for the bench) runs in the same run on PostgreSQL only, with as many
processes as Gridline, and answers two screens from its own schema
(`bench/postgraphile/*.graphql`): the per-plant In Process tab (`InProcessTabOnePlant`:
one plant, its 20 newest requests in process, the app's default page) and a request's
details (`PackageRequestDetails`: the request, its relations, the technicians it may be
assigned to, its history), each checked first to answer the same rows with the same
values (its cells are empty on the other screens). It has no authentication configured: it
answers without a token and scopes nothing, where Gridline checks the token and the
caller's plants on every request. *ratio Gridline/PostGraphile* is Gridline's requests
per second over PostGraphile's; its statements are not counted.
"""
PEER = "postgraphile"


def newest_results(directory: Path) -> list[dict[str, Any]]:
    """The newest result of each database (by start time), PostgreSQL first."""
    newest: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("[0-9]*.json")):  # <date>-<database>.json, not events-*
        result = json.loads(path.read_text())
        result["file"] = path.name
        held = newest.get(result["database"])
        if held is None or result["started"] > held["started"]:
            newest[result["database"]] = result
    return [newest[name] for name in sorted(newest, key=lambda n: n != "postgresql")]


def _pairs(result: dict[str, Any]) -> dict[tuple[int, str, int], dict[str, dict[str, Any]]]:
    """(processes, screen, concurrency) -> {"graphql": run, "floor": run}, in run order."""
    pairs: dict[tuple[int, str, int], dict[str, dict[str, Any]]] = {}
    for run in result["runs"]:
        key = (run["processes"], run["screen"], run["concurrency"])
        pairs.setdefault(key, {})[run["target"]] = run
    return pairs


def _ratio(pair: dict[str, dict[str, Any]], other: str = "floor") -> float | None:
    """GraphQL's requests per second over ``other``'s (the floor, or the peer)."""
    graphql, theirs = pair.get("graphql"), pair.get(other)
    if not graphql or not theirs or not theirs["rps"]:
        return None
    return float(graphql["rps"]) / float(theirs["rps"])


def _peer_cell(pair: dict[str, dict[str, Any]]) -> str:
    """PostGraphile's req/s (ratio Gridline/PostGraphile), or nothing where it did not run."""
    run = pair.get(PEER)
    if run is None:
        return ""
    if not run["requests"]:
        return f"none completed in {run['seconds']:g} s"
    ratio = _ratio(pair, PEER)
    return f"{run['rps']:.0f} ({ratio:.2f})" if ratio is not None else f"{run['rps']:.0f} (-)"


def _has_peer(result: dict[str, Any], processes: int | None = None) -> bool:
    return any(
        run["target"] == PEER and processes in (None, run["processes"]) for run in result["runs"]
    )


def _label(database: str, processes: int) -> str:
    name = "PostgreSQL" if database == "postgresql" else "SQLite"
    return f"{name}, {processes} process{'es' if processes > 1 else ''}"


def side_by_side(results: list[dict[str, Any]]) -> str:
    """One row per screen and concurrency; per configuration: rps (ratio) and p99, and
    where PostGraphile ran, its rps (ratio Gridline/PostGraphile)."""
    configs = [
        (result, processes)
        for result in results
        for processes in dict.fromkeys(run["processes"] for run in result["runs"])
    ]
    keys = list(
        dict.fromkeys(
            (run["screen"], run["concurrency"]) for result in results for run in result["runs"]
        )
    )
    headers = []
    for result, processes in configs:
        label = _label(result["database"], processes)
        headers.append(f"{label}: req/s (ratio), p99 ms")
        if _has_peer(result, processes):
            headers.append(f"{label}: PostGraphile req/s (ratio Gridline/PostGraphile)")
    lines = [
        "| screen | c | " + " | ".join(headers) + " |",
        "|---|---:|" + "---:|" * len(headers),
    ]
    for screen, concurrency in keys:
        cells = []
        for result, processes in configs:
            pair = _pairs(result).get((processes, screen, concurrency), {})
            graphql = pair.get("graphql")
            ratio = _ratio(pair)
            if graphql is None:
                cells.append("")
            elif not graphql["requests"]:
                cells.append(f"none completed in {graphql['seconds']:g} s")
            else:
                shown = f"{ratio:.2f}" if ratio is not None else "-"
                cells.append(f"{graphql['rps']:.0f} ({shown}), {graphql['p99_ms']:.1f}")
            if _has_peer(result, processes):
                cells.append(_peer_cell(pair))
        lines.append(f"| {screen} | {concurrency} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def detail(result: dict[str, Any], processes: int) -> str:
    peer = _has_peer(result, processes)
    lines = [
        "| screen | c | req/s | p50 ms | p99 ms | server CPU | CPU ms/req | statements "
        "| floor req/s | floor p99 ms | floor statements | ratio | wrk CPU |"
        + (
            " PostGraphile req/s (ratio Gridline/PostGraphile) | PostGraphile p99 ms "
            "| PostGraphile CPU ms/req |"
            if peer
            else ""
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        + ("---:|---:|---:|" if peer else ""),
    ]
    for (count, screen, concurrency), pair in _pairs(result).items():
        if count != processes or "graphql" not in pair or "floor" not in pair:
            continue
        graphql, floor = pair["graphql"], pair["floor"]
        ratio = _ratio(pair)
        if ratio is None:
            continue
        generator = max(run["generator_cpu_percent"] for run in pair.values())
        line = (
            f"| {screen} | {concurrency} | {graphql['rps']:.1f} | {graphql['p50_ms']:.2f} "
            f"| {graphql['p99_ms']:.2f} | {graphql['server_cpu_percent']:.0f}% "
            f"| {graphql['server_cpu_ms_per_request']:.2f} | {graphql['statements_per_request']} "
            f"| {floor['rps']:.1f} | {floor['p99_ms']:.2f} | {floor['statements_per_request']} "
            f"| {ratio:.2f} | {generator:.0f}% |"
        )
        if peer:
            theirs = pair.get(PEER)
            line += (
                f" {_peer_cell(pair)} | {theirs['p99_ms']:.2f} "
                f"| {theirs['server_cpu_ms_per_request']:.2f} |"
                if theirs
                else " | | |"
            )
        lines.append(line)
    return "\n".join(lines)


def count(requests: int) -> str:
    return f"{requests} request{'' if requests == 1 else 's'}"


def _answered(check: dict[str, Any] | None) -> str:
    if not check:
        return "not checked"
    if check["same_data"]:
        return f"{count(check['requests'])}, the same data as Gridline"
    return f"**different data from Gridline: {check['difference']}**"


def _peer_checks(peer: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """Screen -> its check; older results have one ``screen`` and its ``check``."""
    if "checks" in peer:
        return dict(peer["checks"])
    return {peer["screen"]: peer.get("check")}


def _peer_note(result: dict[str, Any]) -> str:
    """What the peer was, and whether it answered the same data, or why it did not run."""
    peer = result.get("peer")
    if not peer:
        return ""
    if "skipped" in peer:
        return f"\nPostGraphile: not run ({peer['skipped']})."
    checks = "; ".join(
        f"on {screen}: {_answered(check)}" for screen, check in _peer_checks(peer).items()
    )
    return (
        f"\nPostGraphile {peer['version']} on Node {peer['node']}, the {peer['preset']} "
        f"preset, authentication: {peer['authentication']}; {checks or 'no screen checked'}."
    )


def markdown(results: list[dict[str, Any]]) -> str:
    parts = [HEADER, "## Side by side\n", side_by_side(results), ""]
    for result in results:
        settings = result["settings"]
        seed = result["seed"]
        parts.append(
            f"## {'PostgreSQL' if result['database'] == 'postgresql' else 'SQLite'}\n\n"
            f"`{result['file']}`: started {result['started']}, {result['machine']['cpus']} CPUs, "
            f"Python {result['machine']['python']}; {settings['duration_s']:g} s per run after "
            f"{settings['warmup_s']:g} s of warm-up; seed {seed['size']} of {seed['seeded_on']}."
        )
        differing = [name for name, check in result["checks"].items() if not check["same_data"]]
        if differing:
            parts.append(f"\n**The floor answered different data for: {', '.join(differing)}.**")
        note = _peer_note(result)
        if note:
            parts.append(note)
        for processes in dict.fromkeys(run["processes"] for run in result["runs"]):
            label = _label(result["database"], processes)
            parts.append(f"\n### {label}\n\n{detail(result, processes)}")
        parts.append("")
    return "\n".join(parts)


def write_readme(directory: Path) -> Path:
    path = directory / "README.md"
    path.write_text(markdown(newest_results(directory)))
    return path
