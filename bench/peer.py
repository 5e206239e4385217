"""The peer: PostGraphile 5 over the bench database, driven on the per-plant In Process tab.

``bench/postgraphile/`` pins PostGraphile and a Node 22 that npm installs as a package
(``node``; PostGraphile 5 needs Node 22, the machine may have another). ``make bench``
installs them when missing or when the lockfile changed (``npm ci``), then starts
``serve.mjs`` with that Node, as many processes as Gridline's, against the same database.
PostGraphile has no authentication configured: it answers every request, unscoped.

Before measuring, its answer is checked against Gridline's for the same plant: the same
requests, by row id and in order, with the same field values (ids compared by type and
row id, instants by their value; Gridline's ``number`` and PostGraphile's ``rowId`` both
come from the row id and are checked against it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx

from bench.screens import first_difference

HOME = Path(__file__).resolve().parent / "postgraphile"
NODE = HOME / "node_modules" / ".bin" / "node"
SERVE = HOME / "serve.mjs"
DOCUMENT = HOME / "InProcessTabOnePlant.graphql"
# Written after a successful install: the hash of the lockfile it installed.
STAMP = HOME / "node_modules" / ".gridline-bench-installed"
NODE_MAJOR = 22
NAME = "postgraphile"


def _lock_hash() -> str:
    return hashlib.sha256((HOME / "package-lock.json").read_bytes()).hexdigest()


def version() -> str:
    """The PostGraphile version the lockfile pins."""
    lock = json.loads((HOME / "package-lock.json").read_text())
    return str(lock["packages"]["node_modules/postgraphile"]["version"])


def node_version() -> str:
    finished = subprocess.run(  # noqa: S603 - the installed Node, fixed arguments
        [str(NODE), "--version"], capture_output=True, text=True, check=True
    )
    return finished.stdout.strip()


def is_installed() -> bool:
    """bench/postgraphile's packages are installed, from its current lockfile."""
    return STAMP.exists() and STAMP.read_text() == _lock_hash() and NODE.exists()


def ensure_installed() -> str:
    """Install bench/postgraphile's packages when missing or out of date; Node's version.

    Exits with a message when npm is missing or the install fails: the bench needs npm
    (any Node will do to run it; the Node that serves PostGraphile is the package's).
    ``bench.prerequisites`` checks for npm before the bench starts.
    """
    if not is_installed():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(
                "npm is not installed: the bench installs PostGraphile 5 and Node 22 with it"
                " (`apt-get install -y npm`, or any Node.js with npm)"
            )
        print(
            f"   installing PostGraphile {version()} and Node {NODE_MAJOR}"
            f" (npm ci --prefix {HOME.relative_to(HOME.parent.parent)})",
            flush=True,
        )
        finished = subprocess.run(  # noqa: S603 - npm with fixed arguments
            [npm, "ci", "--prefix", str(HOME), "--no-audit", "--no-fund", "--loglevel=error"],
            check=False,
        )
        if finished.returncode != 0 or not NODE.exists():
            raise SystemExit(
                f"npm ci --prefix {HOME} failed (exit {finished.returncode}): "
                "PostGraphile and its Node are not installed"
            )
        STAMP.write_text(_lock_hash())
    found = node_version()
    if not found.startswith(f"v{NODE_MAJOR}."):
        raise SystemExit(f"{NODE} is Node {found}, not {NODE_MAJOR}: reinstall (rm -rf {NODE})")
    return found


def command() -> list[str]:
    return [str(NODE), str(SERVE)]


def environment(database_url: str, port: int, workers: int) -> dict[str, str]:
    """graphile.config.mjs reads the bench's database URL; production mode, no explain."""
    return {
        "GRIDLINE_BENCH_POSTGRES_URL": database_url,
        "BENCH_POSTGRAPHILE_PORT": str(port),
        "BENCH_POSTGRAPHILE_WORKERS": str(workers),
        "GRAPHILE_ENV": "production",
        "NODE_ENV": "production",
    }


def body(plant_id: int) -> dict[str, Any]:
    return {
        "query": DOCUMENT.read_text(),
        "operationName": DOCUMENT.stem,
        "variables": {"plantId": plant_id},
    }


def _gridline_id(value: str) -> list[Any]:
    kind, _, number = base64.b64decode(value).decode().partition(":")
    return [kind, int(number)]


def _postgraphile_id(value: str) -> list[Any]:
    kind, number = json.loads(base64.b64decode(value))
    return [kind, int(number)]


INSTANTS = {"createdAt", "updatedAt"}


def _comparable(value: Any, decode_id: Any, key: str = "") -> Any:
    """``value`` with ids as [type, row id] and instants as datetimes."""
    if isinstance(value, dict):
        return {k: _comparable(v, decode_id, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(item, decode_id) for item in value]
    if key == "id" and isinstance(value, str):
        return decode_id(value)
    if key in INSTANTS and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _rows(data: dict[str, Any], decode_id: Any, row_number: Any) -> dict[str, Any]:
    """The connection's nodes (without cursors) and hasNextPage, comparable; raises when
    a node's own row-id field disagrees with its id or endCursor is not the last cursor."""
    connection = data["packageRequests"]
    edges = connection["edges"]
    info = connection["pageInfo"]
    if info["endCursor"] != (edges[-1]["cursor"] if edges else None):
        raise ValueError("endCursor is not the last edge's cursor")
    nodes = []
    for edge in edges:
        node = _comparable(edge["node"], decode_id)
        number = row_number(node)
        if number != node["id"][1]:
            raise ValueError(f"row id field {number} != id {node['id']}")
        nodes.append(node)
    return {"requests": nodes, "hasNextPage": info["hasNextPage"]}


@dataclass(frozen=True, slots=True)
class PeerCheck:
    """Whether PostGraphile answered the same requests, in order, with the same values."""

    requests: int
    same_data: bool
    difference: str | None


def same_answer(gridline: dict[str, Any], postgraphile: dict[str, Any]) -> PeerCheck:
    """Compare the ``data`` of the two documents, modulo ids' encoding and row-id fields."""
    try:
        ours = _rows(gridline, _gridline_id, lambda node: int(node.pop("number")[3:]))
        theirs = _rows(postgraphile, _postgraphile_id, lambda node: node.pop("rowId"))
    except (ValueError, KeyError, TypeError) as error:
        return PeerCheck(0, False, f"malformed answer: {error!r}")
    difference = first_difference(ours, theirs)
    return PeerCheck(len(ours["requests"]), difference is None, difference)


def check(
    gridline_url: str, gridline_body: dict[str, Any], authorization: str, peer_url: str
) -> PeerCheck:
    """Ask both servers over HTTP and compare their answers."""
    ours = httpx.post(
        f"{gridline_url}/graphql",
        json=gridline_body,
        headers={"Authorization": authorization},
        timeout=30,
    ).json()
    peer_body = body(plant_of(gridline_body))
    theirs = httpx.post(f"{peer_url}/graphql", json=peer_body, timeout=30).json()
    for name, answer in (("Gridline", ours), ("PostGraphile", theirs)):
        if answer.get("errors") or not answer.get("data"):
            return PeerCheck(0, False, f"{name} answered errors: {answer.get('errors')}")
    return same_answer(ours["data"], theirs["data"])


def plant_of(gridline_body: dict[str, Any]) -> int:
    return int(_gridline_id(gridline_body["variables"]["plantIds"][0])[1])


def available_on(database_url: str) -> bool:
    """PostGraphile serves PostgreSQL only."""
    return database_url.startswith("postgresql")
