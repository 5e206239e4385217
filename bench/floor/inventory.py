# ruff: noqa: S608 - the SQL is built from fixed fragments; values are always parameters
"""The inventory of a state: products and their stock in its warehouses."""

from __future__ import annotations

from typing import Any

from bench.floor.caller import Caller
from bench.floor.database import Database, Row
from bench.floor.screen import Screen
from bench.floor.values import cursor, global_id, money, node_id


async def inventory(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/Inventory.graphql for one state: products, their stock in its warehouses."""
    size = int(variables.get("first") or screen.page_size_default)
    state_id = node_id(variables["stateId"], "State")
    products = await db.rows(
        "SELECT id, sku, name, product_type, unit_price_minor, reorder_level, active "
        f"FROM products ORDER BY name, id LIMIT {db.param(1)}",
        size + 1,
    )
    counted = await db.rows("SELECT COUNT(*) FROM products")
    page = products[:size]
    levels = await db.rows(
        "SELECT l.product_id, l.on_hand, l.reserved, w.id, w.code, w.name, w.address, "
        "w.latitude, w.longitude, s.id, s.name FROM stock_levels l "
        "JOIN warehouses w ON w.id = l.warehouse_id JOIN states s ON s.id = w.state_id "
        f"WHERE {db.member('l.product_id', 1)} AND w.state_id = {db.param(2)} "
        "ORDER BY w.name, w.id",
        db.ids([row[0] for row in page]),
        state_id,
    )
    stock: dict[int, list[Row]] = {}
    for level in levels:
        stock.setdefault(level[0], []).append(level)
    edges = []
    for row in page:
        held = stock.get(row[0], [])
        available = sum(level[1] - level[2] for level in held)
        active = bool(row[6])
        edges.append(
            {
                "cursor": cursor([row[2], row[0]]),
                "node": {
                    "id": global_id("Product", row[0]),
                    "sku": row[1],
                    "name": row[2],
                    "type": row[3],
                    "unitPrice": money(row[4], screen.currency),
                    "reorderLevel": row[5],
                    "active": active,
                    "unitsAvailable": available,
                    "lowStock": active and available <= row[5],
                    "stock": [_level(level) for level in held],
                },
            }
        )
    return {
        "inventory": {
            "totalCount": int(counted[0][0]),
            "edges": edges,
            "pageInfo": {
                "hasNextPage": len(products) > size,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
        }
    }


def _level(level: Row) -> dict[str, Any]:
    located = level[7] is not None and level[8] is not None
    return {
        "onHand": level[1],
        "available": level[1] - level[2],
        "warehouse": {
            "id": global_id("Warehouse", level[3]),
            "code": level[4],
            "name": level[5],
            "address": level[6],
            "location": {"latitude": level[7], "longitude": level[8]} if located else None,
            "state": {"id": global_id("State", level[9]), "name": level[10]},
        },
    }
