# ruff: noqa: S608 - the SQL is built from fixed fragments; values are always parameters
"""The package activity summary of a state, per plant."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bench.floor.caller import Caller
from bench.floor.database import Database
from bench.floor.screen import SUMMARY_READERS, Forbidden, Screen
from bench.floor.values import global_id, local_midnight, node_id

SUMMARY_FIGURES = (
    "activeConsumers",
    "bannedConsumers",
    "newlyBanned",
    "reconnected",
    "requested",
    "inProcess",
    "inReview",
    "completed",
    "rejected",
    "cancelled",
)
# A request's stage, as the figure it counts in (open: created in the interval; closed:
# closed in it).
STAGE_FIGURES = {
    "REQUESTED": "requested",
    "IN_PROCESS": "inProcess",
    "REVIEW": "inReview",
    "COMPLETED": "completed",
    "REJECTED": "rejected",
    "CANCELLED": "cancelled",
}


def _summary_sql(db: Database) -> tuple[str, str, str, str]:
    """The four grouped statements of resolvers/packages/summary.py, per plant.

    Parameter 1 is the plants' ids, 2 and 3 the start and end (the first two statements
    use only what they need). Status at the end is today's (status now), rolled back
    through the first status change at or after the end (status then); then the bans and
    reconnections in [start, end); the requests created in it and still open by stage, and
    those closed in it by how they closed.
    """
    p = db.param
    status_now = (
        "SELECT plant_id, status, COUNT(*) FROM consumers "
        f"WHERE {db.member('plant_id', 1)} GROUP BY plant_id, status"
    )
    status_changes_since = (
        "SELECT c.plant_id, c.status, f.status_then, COUNT(*) FROM consumers c "
        "JOIN (SELECT consumer_id, from_status AS status_then, ROW_NUMBER() OVER "
        "(PARTITION BY consumer_id ORDER BY changed_at, id) AS position "
        f"FROM consumer_history WHERE kind = 'STATUS' AND changed_at >= {p(2)}) f "
        f"ON f.consumer_id = c.id WHERE f.position = 1 AND {db.member('c.plant_id', 1)} "
        "GROUP BY c.plant_id, c.status, f.status_then"
    )
    changes_within = (
        "SELECT c.plant_id, "
        "SUM(CASE WHEN h.from_status = 'ACTIVE' AND h.to_status = 'BANNED' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN h.from_status = 'BANNED' AND h.to_status = 'ACTIVE' THEN 1 ELSE 0 END) "
        "FROM consumer_history h JOIN consumers c ON c.id = h.consumer_id "
        f"WHERE h.kind = 'STATUS' AND h.changed_at >= {p(2)} AND h.changed_at < {p(3)} "
        f"AND {db.member('c.plant_id', 1)} GROUP BY c.plant_id"
    )
    requests_created_within = (
        "SELECT plant_id, stage, COUNT(*) FROM package_requests "
        f"WHERE {db.member('plant_id', 1)} AND ("
        "(stage IN ('REQUESTED', 'IN_PROCESS', 'REVIEW') "
        f"AND created_at >= {p(2)} AND created_at < {p(3)}) OR "
        "(stage IN ('COMPLETED', 'REJECTED', 'CANCELLED') "
        f"AND closed_at >= {p(2)} AND closed_at < {p(3)})) "
        "GROUP BY plant_id, stage"
    )
    return status_now, status_changes_since, changes_within, requests_created_within


def _count_status(figures: dict[str, int], status: str, count: int) -> None:
    figures["activeConsumers" if status == "ACTIVE" else "bannedConsumers"] += count


async def package_summary(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/PackageActivitySummary.graphql for one state (``stateId`` is required here).

    The resolver's five statements: the plants in scope of the state, then four grouped
    by plant (``_summary_sql``), combined here as the resolver combines them.
    """
    if caller.role not in SUMMARY_READERS:
        raise Forbidden
    first = date.fromisoformat(variables["range"]["from"])
    last = date.fromisoformat(variables["range"]["to"])
    start = local_midnight(first, screen.zone)
    end = local_midnight(last + timedelta(days=1), screen.zone)
    state_id = node_id(variables["stateId"], "State")
    if not db.postgres:  # stored as naive UTC wall time
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    scoped = caller.params(db)
    plants = await db.rows(
        "SELECT p.id, p.code, p.name FROM plants p WHERE p.cluster_id IN "
        f"(SELECT id FROM clusters WHERE state_id = {db.param(len(scoped) + 1)}) "
        f"AND {caller.where(db, 'p.id', 1)} ORDER BY p.name, p.id",
        *scoped,
        state_id,
    )
    figures = {row[0]: dict.fromkeys(SUMMARY_FIGURES, 0) for row in plants}
    if figures:
        ids = db.ids(list(figures))
        status_now, status_changes_since, changes_within, requests_created_within = _summary_sql(db)
        for plant_id, status, count in await db.rows(status_now, ids):
            _count_status(figures[plant_id], status, int(count))
        for plant_id, status, status_then, count in await db.rows(status_changes_since, ids, end):
            _count_status(figures[plant_id], status, -int(count))
            if status_then is not None:  # None: not connected yet at the end
                _count_status(figures[plant_id], status_then, int(count))
        for plant_id, banned, reconnected in await db.rows(changes_within, ids, start, end):
            figures[plant_id]["newlyBanned"] = int(banned or 0)
            figures[plant_id]["reconnected"] = int(reconnected or 0)
        for plant_id, stage, count in await db.rows(requests_created_within, ids, start, end):
            figures[plant_id][STAGE_FIGURES[stage]] = int(count)
    total = dict.fromkeys(SUMMARY_FIGURES, 0)
    rows = []
    for plant_id, code, name in plants:
        for key, value in figures[plant_id].items():
            total[key] += value
        plant = {"id": global_id("Plant", plant_id), "code": code, "name": name}
        rows.append({"plant": plant, **figures[plant_id]})
    return {"packageActivitySummary": {"rows": rows, "total": {"plantCount": len(rows), **total}}}
