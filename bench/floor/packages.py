# ruff: noqa: S608 - the SQL is built from fixed fragments; values are always parameters
"""Package requests: the In Process tab and a request's details."""

from __future__ import annotations

from typing import Any

from bench.floor.caller import Caller
from bench.floor.database import Database, Row
from bench.floor.screen import REQUEST_READERS, Forbidden, Screen
from bench.floor.values import aware, cursor, global_id, instant, money, node_id


async def in_process_tab(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/InProcessTab.graphql, over every plant in scope or over ``plantIds``
    (kept within the scope, as the resolver narrows it); no ``assignedToMe``, no ``after``.
    """
    if caller.role not in REQUEST_READERS:
        raise Forbidden
    size = int(variables.get("first") or screen.page_size_default)
    scoped = caller.params(db)
    n = len(scoped)
    # The rows: of the caller's plants, or of those of the filter among them. The joined
    # consumer and plant stay scoped by the caller alone, as the document's fields are.
    wanted = variables.get("plantIds")
    rows_of = caller if wanted is None else caller.narrow([node_id(v, "Plant") for v in wanted])
    listed = [] if rows_of is caller else rows_of.params(db)
    at = 1 if rows_of is caller else n + 1
    sql = (
        "SELECT r.id, r.service, r.stage, r.version, r.created_at, r.updated_at, "
        "c.id, c.account_number, c.name, c.phone, c.status, p.id, p.name, "
        "cp.id, cp.name, cp.load_watts, rp.id, rp.name, rp.load_watts, a.id, a.name, a.phone "
        "FROM package_requests r "
        f"LEFT JOIN consumers c ON c.id = r.consumer_id AND {caller.where(db, 'c.plant_id', 1)} "
        f"LEFT JOIN plants p ON p.id = r.plant_id AND {caller.where(db, 'p.id', 1)} "
        "LEFT JOIN packages cp ON cp.id = r.current_package_id "
        "LEFT JOIN packages rp ON rp.id = r.requested_package_id "
        "LEFT JOIN users a ON a.id = r.assignee_id "
        f"WHERE {rows_of.where(db, 'r.plant_id', at)} AND r.stage = 'IN_PROCESS' "
        f"ORDER BY r.created_at DESC, r.id DESC LIMIT {db.param(n + len(listed) + 1)}"
    )
    found = await db.rows(sql, *scoped, *listed, size + 1)
    edges = []
    for row in found[:size]:
        created = aware(row[4])
        edges.append(
            {
                "cursor": cursor([created, row[0]]),
                "node": {
                    "id": global_id("PackageRequest", row[0]),
                    "number": f"PR-{row[0]:06d}",
                    "service": row[1],
                    "stage": row[2],
                    "version": row[3],
                    "createdAt": instant(created),
                    "updatedAt": instant(row[5]),
                    "consumer": _consumer(row[6:11]),
                    "plant": {"id": global_id("Plant", row[11]), "name": row[12]}
                    if row[11] is not None
                    else None,
                    "currentPackage": _package(row[13:16]),
                    "requestedPackage": _package(row[16:19]),
                    "assignee": _user(row[19:22], "phone"),
                },
            }
        )
    return {
        "packageRequests": {
            "edges": edges,
            "pageInfo": {
                "hasNextPage": len(found) > size,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
        }
    }


def _consumer(row: Row) -> dict[str, Any] | None:
    if row[0] is None:
        return None
    return {
        "id": global_id("Consumer", row[0]),
        "accountNumber": row[1],
        "name": row[2],
        "phone": row[3],
        "status": row[4],
    }


def _package(row: Row, fee: dict[str, str] | None = None) -> dict[str, Any] | None:
    if row[0] is None:
        return None
    answer: dict[str, Any] = {
        "id": global_id("Package", row[0]),
        "name": row[1],
        "loadWatts": row[2],
    }
    if fee is not None:
        answer["monthlyFee"] = fee
    return answer


def _user(row: Row, third: str) -> dict[str, Any] | None:
    if row[0] is None:
        return None
    return {"id": global_id("User", row[0]), "name": row[1], third: row[2]}


async def request_details(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/PackageRequestDetails.graphql: the request, its technicians, its history."""
    request_id = node_id(variables["id"], "PackageRequest")
    if caller.role not in REQUEST_READERS:
        return {"node": None}
    scoped = caller.params(db)
    n = len(scoped)
    sql = (
        "SELECT r.id, r.service, r.stage, r.version, r.note, r.created_at, r.updated_at, "
        "r.closed_at, c.id, c.account_number, c.name, c.phone, c.status, "
        "k.id, k.name, k.load_watts, p.id, p.code, p.name, "
        "cp.id, cp.name, cp.load_watts, cp.monthly_fee_minor, "
        "rp.id, rp.name, rp.load_watts, rp.monthly_fee_minor, "
        "b.id, b.name, b.role, a.id, a.name, a.phone, r.plant_id "
        "FROM package_requests r "
        f"LEFT JOIN consumers c ON c.id = r.consumer_id AND {caller.where(db, 'c.plant_id', 1)} "
        "LEFT JOIN packages k ON k.id = c.package_id "
        f"LEFT JOIN plants p ON p.id = r.plant_id AND {caller.where(db, 'p.id', 1)} "
        "LEFT JOIN packages cp ON cp.id = r.current_package_id "
        "LEFT JOIN packages rp ON rp.id = r.requested_package_id "
        "LEFT JOIN users b ON b.id = r.requested_by_id "
        "LEFT JOIN users a ON a.id = r.assignee_id "
        f"WHERE r.id = {db.param(n + 1)} AND {caller.where(db, 'r.plant_id', 1)}"
    )
    found = await db.rows(sql, *scoped, request_id)
    if not found:
        return {"node": None}
    row = found[0]
    technicians = await db.rows(
        "SELECT u.id, u.name, u.phone FROM user_plants up JOIN users u ON u.id = up.user_id "
        f"WHERE up.plant_id = {db.param(1)} AND u.role = 'TECHNICIAN' AND u.active "
        "ORDER BY u.name, u.id",
        row[33],
    )
    history = await db.rows(
        "SELECT e.at, e.action, e.from_stage, e.to_stage, e.note, "
        "x.id, x.name, x.role, s.id, s.name FROM package_request_events e "
        "LEFT JOIN users x ON x.id = e.actor_id LEFT JOIN users s ON s.id = e.assignee_id "
        f"WHERE e.request_id = {db.param(1)} ORDER BY e.id",
        request_id,
    )
    currency = screen.currency
    consumer = _consumer(row[8:13])
    if consumer is not None:
        consumer["package"] = _package(row[13:16])
    return {
        "node": {
            "id": global_id("PackageRequest", row[0]),
            "number": f"PR-{row[0]:06d}",
            "service": row[1],
            "stage": row[2],
            "version": row[3],
            "note": row[4],
            "createdAt": instant(row[5]),
            "updatedAt": instant(row[6]),
            "closedAt": instant(row[7]),
            "consumer": consumer,
            "plant": {"id": global_id("Plant", row[16]), "code": row[17], "name": row[18]}
            if row[16] is not None
            else None,
            "currentPackage": _package(row[19:22], money(row[22], currency))
            if row[19] is not None
            else None,
            "requestedPackage": _package(row[23:26], money(row[26], currency))
            if row[23] is not None
            else None,
            "requestedBy": _user(row[27:30], "role"),
            "assignee": _user(row[30:33], "phone"),
            "assignableTechnicians": [_user(t, "phone") for t in technicians],
            "history": [
                {
                    "at": instant(h[0]),
                    "action": h[1],
                    "fromStage": h[2],
                    "toStage": h[3],
                    "note": h[4],
                    "actor": _user(h[5:8], "role"),
                    "assignee": {"id": global_id("User", h[8]), "name": h[9]}
                    if h[8] is not None
                    else None,
                }
                for h in history
            ],
        }
    }
