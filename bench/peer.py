"""The peer: PostGraphile 5 over the bench database, driven on two screens.

``bench/postgraphile/`` pins PostGraphile and a Node 22 that npm installs as a package
(``node``; PostGraphile 5 needs Node 22, the machine may have another). ``make bench``
installs them when missing or when the lockfile changed (``npm ci``), then starts
``serve.mjs`` with that Node, as many processes as Gridline's, against the same database.
PostGraphile has no authentication configured: it answers every request, unscoped.

It answers the screens of ``SCREENS``, each from its own document in
``bench/postgraphile/`` (named as the screen) over its own schema (the Amber preset):

- the per-plant In Process tab (``InProcessTabOnePlant``), for Gridline's plant;
- a request's details (``PackageRequestDetails``), for Gridline's request.

Before measuring, each answer is checked against Gridline's for the same variables: the
same rows, by row id and in order, with the same field values (ids compared by type and
row id, instants by their value; Gridline's ``number`` and PostGraphile's ``rowId`` both
come from the row id and are checked against it). On the details, PostGraphile's
``monthlyFeeMinor`` is read as Gridline's Money (the amount formatted as Gridline does,
in the deployment's currency), and its users of the request's plant are narrowed to the
active technicians by (name, row id), as Gridline's ``assignableTechnicians`` are.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx

from bench.screens import ONE_PLANT_TAB, first_difference
from schema.money import Money

HOME = Path(__file__).resolve().parent / "postgraphile"
NODE = HOME / "node_modules" / ".bin" / "node"
SERVE = HOME / "serve.mjs"
# Written after a successful install: the hash of the lockfile it installed.
STAMP = HOME / "node_modules" / ".gridline-bench-installed"
NODE_MAJOR = 22
NAME = "postgraphile"
REQUEST_DETAILS = "PackageRequestDetails"
# Who Gridline's assignableTechnicians are (resolvers/packages/requests.py).
TECHNICIAN = "TECHNICIAN"


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


def _gridline_id(value: str) -> list[Any]:
    kind, _, number = base64.b64decode(value).decode().partition(":")
    return [kind, int(number)]


def _postgraphile_id(value: str) -> list[Any]:
    kind, number = json.loads(base64.b64decode(value))
    return [kind, int(number)]


INSTANTS = {"createdAt", "updatedAt", "closedAt", "at"}


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


def _gridline_number(node: dict[str, Any]) -> Any:
    """The row id in Gridline's request number (PR-000123), removed from the node."""
    return int(node.pop("number")[3:])


def _postgraphile_row_id(node: dict[str, Any]) -> Any:
    return node.pop("rowId")


def _check_row_id(node: dict[str, Any], row_number: Callable[[dict[str, Any]], Any]) -> None:
    """Remove the node's own row-id field; raises when it disagrees with its id."""
    number = row_number(node)
    if number != node["id"][1]:
        raise ValueError(f"row id field {number} != id {node['id']}")


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
        _check_row_id(node, row_number)
        nodes.append(node)
    return {"requests": nodes, "hasNextPage": info["hasNextPage"]}


@dataclass(frozen=True, slots=True)
class PeerCheck:
    """Whether PostGraphile answered the same requests, in order, with the same values."""

    requests: int
    same_data: bool
    difference: str | None


def same_answer(
    gridline: dict[str, Any], postgraphile: dict[str, Any], currency: str = ""
) -> PeerCheck:
    """The In Process tab: compare the ``data`` of the two documents, modulo ids' encoding
    and row-id fields (``currency`` is unused: the tab shows no amount)."""
    try:
        ours = _rows(gridline, _gridline_id, _gridline_number)
        theirs = _rows(postgraphile, _postgraphile_id, _postgraphile_row_id)
    except (ValueError, KeyError, TypeError) as error:
        return PeerCheck(0, False, f"malformed answer: {error!r}")
    difference = first_difference(ours, theirs)
    return PeerCheck(len(ours["requests"]), difference is None, difference)


def _request(data: dict[str, Any], decode_id: Any, row_number: Any) -> dict[str, Any]:
    """The details' request, comparable, its row-id field checked and removed."""
    node = data["node"]
    if node is None:
        raise ValueError("no request")
    request: dict[str, Any] = _comparable(node, decode_id)
    _check_row_id(request, row_number)
    return request


def _fee_as_money(package: dict[str, Any] | None, currency: str) -> dict[str, Any] | None:
    """A PostGraphile package with monthlyFeeMinor read as Gridline's monthlyFee (Money)."""
    if package is None:
        return None
    fee = Money.from_minor(package["monthlyFeeMinor"], currency)
    money = {"amount": str(fee.amount), "currency": fee.currency}
    # Rebuilt rather than updated: the keys keep their order, which is compared.
    return {
        ("monthlyFee" if k == "monthlyFeeMinor" else k): (money if k == "monthlyFeeMinor" else v)
        for k, v in package.items()
    }


def _assignable(plant: dict[str, Any]) -> list[dict[str, Any]]:
    """The plant's active technicians by (name, row id), without role and active: what
    Gridline's assignable_technicians_statement selects. Amber cannot filter or order a
    relation by the related row's columns, so it is done here (the bench database's C
    collation orders names as Python does)."""
    users = [node["user"] for node in plant["userPlantsByPlantId"]["nodes"]]
    chosen = [user for user in users if user["role"] == TECHNICIAN and user["active"] is True]
    chosen.sort(key=lambda user: (user["name"], user["id"][1]))
    return [{k: v for k, v in user.items() if k not in ("role", "active")} for user in chosen]


def _peer_details(postgraphile: dict[str, Any], currency: str) -> dict[str, Any]:
    """PostGraphile's details in Gridline's shape (Money, technicians, history nodes)."""
    request = _request(postgraphile, _postgraphile_id, _postgraphile_row_id)
    shaped: dict[str, Any] = {}
    for key, value in request.items():
        if key in ("currentPackage", "requestedPackage"):
            value = _fee_as_money(value, currency)
        elif key == "assignableTechnicians":
            value = _assignable(value)
        elif key == "history":
            value = value["nodes"]
        shaped[key] = value
    return shaped


def same_details(
    gridline: dict[str, Any], postgraphile: dict[str, Any], currency: str
) -> PeerCheck:
    """A request's details: compare the ``data`` of the two documents, modulo ids'
    encoding, row-id fields, and the shapes Amber gives Money, technicians and history."""
    try:
        ours = {"node": _request(gridline, _gridline_id, _gridline_number)}
        theirs = {"node": _peer_details(postgraphile, currency)}
    except (ValueError, KeyError, TypeError) as error:
        return PeerCheck(0, False, f"malformed answer: {error!r}")
    difference = first_difference(ours, theirs)
    return PeerCheck(1, difference is None, difference)


def _plant_variables(gridline: dict[str, Any]) -> dict[str, Any]:
    return {"plantId": int(_gridline_id(gridline["plantIds"][0])[1])}


def _request_variables(gridline: dict[str, Any]) -> dict[str, Any]:
    return {"rowId": int(_gridline_id(gridline["id"])[1])}


@dataclass(frozen=True, slots=True)
class PeerScreen:
    """A screen PostGraphile answers: its document, its variables from Gridline's, and how
    the two servers' ``data`` compare (given the deployment's currency)."""

    document: Path
    variables: Callable[[dict[str, Any]], dict[str, Any]]
    compare: Callable[[dict[str, Any], dict[str, Any], str], PeerCheck]


SCREENS: dict[str, PeerScreen] = {
    ONE_PLANT_TAB: PeerScreen(HOME / f"{ONE_PLANT_TAB}.graphql", _plant_variables, same_answer),
    REQUEST_DETAILS: PeerScreen(
        HOME / f"{REQUEST_DETAILS}.graphql", _request_variables, same_details
    ),
}


def variables(screen: str, gridline_body: dict[str, Any]) -> dict[str, Any]:
    """PostGraphile's variables for the screen Gridline's body asks for."""
    return SCREENS[screen].variables(gridline_body["variables"])


def body(screen: str, gridline_body: dict[str, Any]) -> dict[str, Any]:
    """PostGraphile's request for the same screen and rows as Gridline's body."""
    document = SCREENS[screen].document
    return {
        "query": document.read_text(),
        "operationName": document.stem,
        "variables": variables(screen, gridline_body),
    }


def check(
    screen: str,
    gridline_url: str,
    gridline_body: dict[str, Any],
    authorization: str,
    peer_url: str,
    currency: str,
) -> PeerCheck:
    """Ask both servers for ``screen`` over HTTP and compare their answers."""
    ours = httpx.post(
        f"{gridline_url}/graphql",
        json=gridline_body,
        headers={"Authorization": authorization},
        timeout=30,
    ).json()
    theirs = httpx.post(f"{peer_url}/graphql", json=body(screen, gridline_body), timeout=30).json()
    for name, answer in (("Gridline", ours), ("PostGraphile", theirs)):
        if answer.get("errors") or not answer.get("data"):
            return PeerCheck(0, False, f"{name} answered errors: {answer.get('errors')}")
    return SCREENS[screen].compare(ours["data"], theirs["data"], currency)


def available_on(database_url: str) -> bool:
    """PostGraphile serves PostgreSQL only."""
    return database_url.startswith("postgresql")
