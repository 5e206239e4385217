# ruff: noqa: S608 - the statements are assembled from this module's constants only
"""Who may see what, written again in SQL from DESIGN's permission table and nothing else.

The app decides visibility in its resolvers, loaders and compiled sources; this module does
not import any of them. It answers, for one caller, the ids of each type the caller may
see, and the staff whose details (email, phone, account state, posts) they may see: the
others appear at most as a reference, a name and a role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

# The plants a signed-in, active caller works on: their own plants (OPERATOR, TECHNICIAN,
# CSA), their cluster's, their state's, or every plant (ADMIN).
SCOPE_PLANTS = """
SELECT p.id FROM plants p JOIN clusters c ON c.id = p.cluster_id
JOIN users me ON me.id = :caller AND me.active
WHERE me.role = 'ADMIN'
   OR (me.role IN ('OPERATOR', 'TECHNICIAN', 'CSA')
       AND p.id IN (SELECT up.plant_id FROM user_plants up WHERE up.user_id = me.id))
   OR (me.role = 'CLUSTER_INCHARGE' AND p.cluster_id = me.cluster_id)
   OR (me.role = 'STATE_INCHARGE' AND c.state_id = me.state_id)
"""

CALLER_ROLE = "(SELECT role FROM users WHERE id = :caller AND active)"

# The state a caller oversees: a state in-charge's, a cluster in-charge's cluster's.
CALLER_STATE = """
SELECT u.state_id FROM users u WHERE u.id = :caller AND u.state_id IS NOT NULL
UNION SELECT c.state_id FROM users u JOIN clusters c ON c.id = u.cluster_id WHERE u.id = :caller
"""

CATALOGUE = "SELECT id FROM {table} WHERE {caller_role} IS NOT NULL"

VISIBLE: Mapping[str, str] = {
    # The catalogue and inventory: every signed-in user.
    "State": CATALOGUE.format(table="states", caller_role=CALLER_ROLE),
    "Cluster": CATALOGUE.format(table="clusters", caller_role=CALLER_ROLE),
    "Package": CATALOGUE.format(table="packages", caller_role=CALLER_ROLE),
    "Product": CATALOGUE.format(table="products", caller_role=CALLER_ROLE),
    "Warehouse": CATALOGUE.format(table="warehouses", caller_role=CALLER_ROLE),
    "Scheme": CATALOGUE.format(table="schemes", caller_role=CALLER_ROLE),
    "StockMovement": CATALOGUE.format(table="stock_movements", caller_role=CALLER_ROLE),
    # Plants and consumers in scope.
    "Plant": f"SELECT id FROM plants WHERE id IN ({SCOPE_PLANTS})",
    "Consumer": f"SELECT id FROM consumers WHERE plant_id IN ({SCOPE_PLANTS})",
    # Package requests in scope, for everyone but operators.
    "PackageRequest": f"""
        SELECT id FROM package_requests
        WHERE plant_id IN ({SCOPE_PLANTS}) AND {CALLER_ROLE} <> 'OPERATOR'""",
    # Scheme enrolments and payments in scope: CSA, in-charges, ADMIN.
    "SchemeEnrollment": f"""
        SELECT id FROM scheme_enrollments
        WHERE plant_id IN ({SCOPE_PLANTS})
          AND {CALLER_ROLE} IN ('CSA', 'CLUSTER_INCHARGE', 'STATE_INCHARGE', 'ADMIN')""",
    "SchemePayment": f"""
        SELECT sp.id FROM scheme_payments sp
        JOIN scheme_enrollments se ON se.id = sp.enrollment_id
        WHERE se.plant_id IN ({SCOPE_PLANTS})
          AND {CALLER_ROLE} IN ('CSA', 'CLUSTER_INCHARGE', 'STATE_INCHARGE', 'ADMIN')""",
    # Purchase requests: in-charges of the warehouse's state, and ADMIN.
    "PurchaseRequest": f"""
        SELECT pr.id FROM purchase_requests pr JOIN warehouses w ON w.id = pr.warehouse_id
        WHERE {CALLER_ROLE} = 'ADMIN'
           OR ({CALLER_ROLE} IN ('CLUSTER_INCHARGE', 'STATE_INCHARGE')
               AND w.state_id IN ({CALLER_STATE}))""",
    # A notification: its recipient only.
    "Notification": "SELECT id FROM notifications WHERE user_id = :caller",
    # Staff in full: yourself, and whoever works at, runs the cluster of, or oversees the
    # state of a plant in your scope.
    "User": f"""
        SELECT u.id FROM users u WHERE {CALLER_ROLE} IS NOT NULL AND (
            u.id = :caller
            OR u.id IN (SELECT up.user_id FROM user_plants up
                        WHERE up.plant_id IN ({SCOPE_PLANTS}))
            OR u.cluster_id IN (SELECT p.cluster_id FROM plants p
                                WHERE p.id IN ({SCOPE_PLANTS}))
            OR u.state_id IN (SELECT c.state_id FROM plants p
                              JOIN clusters c ON c.id = p.cluster_id
                              WHERE p.id IN ({SCOPE_PLANTS})))""",
}


@dataclass(frozen=True)
class Visibility:
    """One caller's view: visible ids by type; ``User`` ids are the staff in full."""

    ids: Mapping[str, frozenset[int]]

    def sees(self, type_name: str, row_id: int) -> bool:
        return row_id in self.ids[type_name]

    def knows_details_of(self, user_id: int) -> bool:
        return user_id in self.ids["User"]


async def visibility(session: AsyncSession, caller_id: int) -> Visibility:
    ids: dict[str, frozenset[int]] = {}
    for type_name, statement in VISIBLE.items():
        rows = await session.execute(sa.text(statement), {"caller": caller_id})
        ids[type_name] = frozenset(int(row_id) for (row_id,) in rows)
    return Visibility(ids)
