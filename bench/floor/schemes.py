# ruff: noqa: S608 - the SQL is built from fixed fragments; values are always parameters
"""Scheme enrolments, newest first, with their repayment state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bench.floor.caller import Caller
from bench.floor.database import Database
from bench.floor.screen import SCHEME_READERS, Forbidden, Screen
from bench.floor.values import as_date, aware, cursor, day, global_id, instant, money

# Arrears longer than this make an enrolment DEFAULTED (resolvers/schemes/repayment.py).
DEFAULT_AFTER_DAYS = 90


async def scheme_enrollments(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/SchemeEnrollments.graphql, newest first, without filters."""
    if caller.role not in SCHEME_READERS:
        raise Forbidden
    size = int(variables.get("first") or screen.page_size_default)
    today = datetime.now(screen.zone).date()
    scoped = caller.params(db)
    n = len(scoped)
    as_of = db.param(n + 1)
    sql = (
        "SELECT e.id, e.scheme_code, e.enrolled_at, e.status, e.total_price_minor, "
        "e.amount_paid_minor, c.id, c.name, c.account_number, c.status, c.phone, "
        "p.id, p.name, s.id, s.name, s.scheme_type, d.id, d.name, "
        "(SELECT MIN(i.due_date) FROM scheme_installments i WHERE i.enrollment_id = e.id "
        "AND i.cumulative_due_minor > e.amount_paid_minor), "
        "(SELECT MIN(i.due_date) FROM scheme_installments i WHERE i.enrollment_id = e.id "
        f"AND i.cumulative_due_minor > e.amount_paid_minor AND i.due_date <= {as_of}), "
        "(SELECT MAX(i.cumulative_due_minor) FROM scheme_installments i "
        f"WHERE i.enrollment_id = e.id AND i.due_date <= {as_of}) "
        "FROM scheme_enrollments e "
        f"LEFT JOIN consumers c ON c.id = e.consumer_id AND {caller.where(db, 'c.plant_id', 1)} "
        f"LEFT JOIN plants p ON p.id = c.plant_id AND {caller.where(db, 'p.id', 1)} "
        "LEFT JOIN schemes s ON s.id = e.scheme_id LEFT JOIN products d ON d.id = e.product_id "
        f"WHERE {caller.where(db, 'e.plant_id', 1)} "
        f"ORDER BY e.enrolled_at DESC, e.id DESC LIMIT {db.param(n + 2)}"
    )
    found = await db.rows(sql, *scoped, today if db.postgres else today.isoformat(), size + 1)
    counted = await db.rows(
        f"SELECT COUNT(*) FROM scheme_enrollments e WHERE {caller.where(db, 'e.plant_id', 1)}",
        *scoped,
    )
    currency = screen.currency
    edges = []
    for row in found[:size]:
        enrolled = aware(row[2])
        code: str = row[1]
        total, paid = row[4], row[5]
        # A cancelled enrolment owes nothing and falls due never.
        cancelled = row[3] == "CANCELLED"
        arrears_since = None if cancelled else as_date(row[19])
        days = (today - arrears_since).days if arrears_since is not None else 0
        # What the instalments due by today ask, less what was paid toward them.
        due = row[20] if row[20] is not None and not cancelled else paid
        overdue = max(due - paid, 0)
        phone = row[10] if row[6] is not None else None
        edges.append(
            {
                "cursor": cursor([enrolled, row[0]]),
                "node": {
                    "id": global_id("SchemeEnrollment", row[0]),
                    "schemeCode": code,
                    "schemeCodeForReading": "-".join(
                        code[i : i + 4] for i in range(0, len(code), 4)
                    ),
                    "enrolledAt": instant(enrolled),
                    "consumer": {
                        "id": global_id("Consumer", row[6]),
                        "name": row[7],
                        "accountNumber": row[8],
                        "status": row[9],
                        "plant": {"id": global_id("Plant", row[11]), "name": row[12]},
                    }
                    if row[6] is not None
                    else None,
                    "consumerPhone": phone,
                    "callLink": f"tel:{phone}" if phone else None,
                    "scheme": {
                        "id": global_id("Scheme", row[13]),
                        "name": row[14],
                        "type": row[15],
                    },
                    "product": {"id": global_id("Product", row[16]), "name": row[17]},
                    "totalPrice": money(total, currency),
                    "amountPaid": money(paid, currency),
                    "outstanding": money(0 if cancelled else total - paid, currency),
                    "amountOverdue": money(overdue, currency),
                    "nextDueDate": None if cancelled else day(row[18]),
                    "daysInArrears": days,
                    "repaymentStatus": _repayment_status(row[3], total, paid, days),
                },
            }
        )
    return {
        "schemeEnrollments": {
            "totalCount": int(counted[0][0]),
            "pageInfo": {
                "hasNextPage": len(found) > size,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
            "edges": edges,
        }
    }


def _repayment_status(status: str, total: int, paid: int, days: int) -> str:
    if status == "CANCELLED":
        return "CANCELLED"
    if paid >= total:
        return "PAID_OFF"
    if days > DEFAULT_AFTER_DAYS:
        return "DEFAULTED"
    return "BEHIND" if days > 0 else "ON_TRACK"
