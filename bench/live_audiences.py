"""Who listens in bench/subscriptions.py: a dozen demo users of different roles and
plants, two hundred in-charges across a state, and a thousand field agents (technicians
made for the bench, spread over the plants of the requests they will be assigned), with
their tokens; and which events each user may see (``node(id)`` as that user: the oracle
deliveries are checked against)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx2 as httpx

from auth.tokens import issue_access_token
from core.events.signals import LISTENER_APPLICATION_NAME
from core.settings import Settings

# A dozen dashboards: the named users, and colleagues of other roles and places chosen
# so that some see the bench's events (cluster 1, where csa@ works) and some do not.
DOZEN: tuple[tuple[str, str], ...] = (
    ("admin", "SELECT id FROM users WHERE email = 'admin@demo.gridline'"),
    ("state", "SELECT id FROM users WHERE email = 'state@demo.gridline'"),
    ("cluster", "SELECT id FROM users WHERE email = 'cluster@demo.gridline'"),
    ("csa", "SELECT id FROM users WHERE email = 'csa@demo.gridline'"),
    ("tech", "SELECT id FROM users WHERE email = 'tech@demo.gridline'"),
    (
        "csa of plant 1",
        "SELECT u.id FROM users u JOIN user_plants p ON p.user_id = u.id WHERE p.plant_id = 1"
        " AND u.role = 'CSA' AND u.email <> 'csa@demo.gridline' ORDER BY u.id",
    ),
    (
        "tech of plant 1",
        "SELECT u.id FROM users u JOIN user_plants p ON p.user_id = u.id WHERE p.plant_id = 1"
        " AND u.role = 'TECHNICIAN' AND u.active AND u.email <> 'tech@demo.gridline'"
        " ORDER BY u.id",
    ),
    (
        "other cluster, same state",
        "SELECT u.id FROM users u JOIN clusters c ON c.id = u.cluster_id WHERE u.cluster_id <> 1"
        " AND c.state_id = (SELECT state_id FROM clusters WHERE id = 1) ORDER BY u.id",
    ),
    (
        "cluster of another state",
        "SELECT u.id FROM users u JOIN clusters c ON c.id = u.cluster_id"
        " WHERE c.state_id <> (SELECT state_id FROM clusters WHERE id = 1) ORDER BY u.id",
    ),
    (
        "another state",
        "SELECT id FROM users WHERE state_id IS NOT NULL"
        " AND state_id <> (SELECT state_id FROM clusters WHERE id = 1) ORDER BY id",
    ),
    (
        "csa of another cluster",
        "SELECT u.id FROM users u JOIN user_plants p ON p.user_id = u.id JOIN plants l"
        " ON l.id = p.plant_id WHERE l.cluster_id <> 1 AND u.role = 'CSA' ORDER BY u.id",
    ),
    (
        "tech of another cluster",
        "SELECT u.id FROM users u JOIN user_plants p ON p.user_id = u.id JOIN plants l"
        " ON l.id = p.plant_id WHERE l.cluster_id <> 1 AND u.role = 'TECHNICIAN' ORDER BY u.id",
    ),
)
NODE = "query($id: ID!) { node(id: $id) { id } }"


@dataclass(frozen=True, slots=True)
class Listener:
    label: str
    user_id: int
    token: str


def _dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://")


def tokens(settings: Settings, users: Sequence[tuple[str, int]]) -> list[Listener]:
    """Access tokens minted with the server's key (signing in 1,000 times would cost
    minutes of password hashing and measure nothing about events)."""
    return [
        Listener(label, user_id, f"Bearer {issue_access_token(user_id, settings).token}")
        for label, user_id in users
    ]


async def dozen_users(database_url: str) -> list[tuple[str, int]]:
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        found = [(label, await connection.fetchval(query)) for label, query in DOZEN]
    finally:
        await connection.close()
    missing = [label for label, user_id in found if user_id is None]
    if missing:
        raise RuntimeError(f"the demo world has no {missing}")
    return [(label, int(user_id)) for label, user_id in found]


async def open_consumers(database_url: str, count: int) -> list[tuple[int, int]]:
    """``count`` active consumers with no open request, spread over the plants:
    ``(consumer, plant)``."""
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        rows = await connection.fetch(
            """SELECT id, plant_id FROM (
                 SELECT c.id, c.plant_id,
                        row_number() OVER (PARTITION BY c.plant_id ORDER BY c.id) AS n
                 FROM consumers c
                 WHERE c.status = 'ACTIVE' AND NOT EXISTS (
                   SELECT 1 FROM package_requests r WHERE r.consumer_id = c.id
                   AND r.stage IN ('REQUESTED', 'IN_PROCESS', 'REVIEW'))) ranked
               ORDER BY n, plant_id LIMIT $1""",
            count,
        )
    finally:
        await connection.close()
    if len(rows) < count:
        raise RuntimeError(f"only {len(rows)} consumers without an open request")
    return [(int(row["id"]), int(row["plant_id"])) for row in rows]


async def create_agents(database_url: str, plants: Sequence[int], tag: str) -> list[int]:
    """A technician for each plant of ``plants`` (in order; a plant may repeat), made in
    the database with the demo technician's password."""
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        async with connection.transaction():
            password = await connection.fetchval(
                "SELECT password_hash FROM users WHERE email = 'tech@demo.gridline'"
            )
            ids: list[int] = []
            for number, plant_id in enumerate(plants):
                user_id = await connection.fetchval(
                    """INSERT INTO users (name, email, role, password_hash, active,
                         created_at, updated_at)
                       VALUES ($1, $2, 'TECHNICIAN', $3, true, now(), now()) RETURNING id""",
                    f"Bench agent {tag}{number}",
                    f"agent.{tag}{number}@bench.gridline",
                    password,
                )
                await connection.execute(
                    "INSERT INTO user_plants (user_id, plant_id) VALUES ($1, $2)",
                    user_id,
                    plant_id,
                )
                ids.append(int(user_id))
    finally:
        await connection.close()
    return ids


async def create_incharges(database_url: str, count: int, tag: str) -> list[int]:
    """``count`` in-charges across the state of cluster 1 (where the bench's events
    happen), made in the database with the demo in-charge's password: one in ten in charge
    of the state, the others of its clusters in turn (some see the events, some do not)."""
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        async with connection.transaction():
            password = await connection.fetchval(
                "SELECT password_hash FROM users WHERE email = 'cluster@demo.gridline'"
            )
            state_id = await connection.fetchval("SELECT state_id FROM clusters WHERE id = 1")
            clusters = [
                int(row["id"])
                for row in await connection.fetch(
                    "SELECT id FROM clusters WHERE state_id = $1 ORDER BY id", state_id
                )
            ]
            ids: list[int] = []
            for number in range(count):
                of_state = number % 10 == 0
                user_id = await connection.fetchval(
                    """INSERT INTO users (name, email, role, password_hash, active,
                         cluster_id, state_id, created_at, updated_at)
                       VALUES ($1, $2, $3, $4, true, $5, $6, now(), now()) RETURNING id""",
                    f"Bench in-charge {tag}{number}",
                    f"incharge.{tag}{number}@bench.gridline",
                    "STATE_INCHARGE" if of_state else "CLUSTER_INCHARGE",
                    password,
                    None if of_state else clusters[number % len(clusters)],
                    state_id if of_state else None,
                )
                ids.append(int(user_id))
    finally:
        await connection.close()
    return ids


def visible(base_url: str, listeners: Sequence[Listener], request_ids: set[str]) -> set[Any]:
    """``(user, request)`` for each request each listener's user may see (``node``)."""
    seen: set[Any] = set()
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for listener in {item.label: item for item in listeners}.values():
            for request_id in request_ids:
                answer = http.post(
                    "/graphql",
                    json={"query": NODE, "variables": {"id": request_id}},
                    headers={"Authorization": listener.token},
                ).json()
                if (answer.get("data") or {}).get("node"):
                    seen.add((listener.label, request_id))
    return seen


async def connections(database_url: str) -> tuple[int, int]:
    """The server's connections to the database now: all of them, and the listeners."""
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        row = await connection.fetchrow(
            """SELECT count(*) AS total,
                      count(*) FILTER (WHERE application_name = $1) AS listening
               FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid()""",
            LISTENER_APPLICATION_NAME,
        )
    finally:
        await connection.close()
    assert row is not None
    return int(row["total"]), int(row["listening"])
