"""Roots whose answer is a few figures a resolver computes: the tab badges, the inventory
overview bar, the unread count, the scheme statistics."""

from __future__ import annotations

from typing import Any

from resolvers.errors import DomainError
from resolvers.events import notifications
from resolvers.inventory import catalogue as inventory
from resolvers.packages import requests
from resolvers.schemes import reading
from schema.execution.compiled.roots import ResolverRoot, date_range
from schema.execution.compiled.sources import Fallback
from schema.execution.compiled.values import enum_name, global_id, money_amount
from schema.inventory.catalogue import ProductFilter, product_filter
from schema.packages.requests import PackageRequestFilter
from schema.relay import decode_id

MONEY = frozenset({"amount", "currency"})
_scheme_id = global_id("Scheme")


def _money(minor: int, context: Any) -> dict[str, str]:
    return {"amount": money_amount(minor), "currency": context.settings.currency}


async def _counts(context: Any, arguments: dict[str, Any]) -> dict[str, int]:
    """``PackageRequestsQuery.package_request_counts``."""
    given = arguments.get("filter") or {}
    try:
        converted = PackageRequestFilter(
            stages=given.get("stages"),
            plant_ids=given.get("plantIds"),
            services=given.get("services"),
            consumer_status=given.get("consumerStatus"),
            assigned_to_me=given.get("assignedToMe"),
            created_in=date_range(given.get("createdIn")),
            closed_in=date_range(given.get("closedIn")),
            updated_since=given.get("updatedSince"),
        ).to_filter()
        counts = await requests.count_by_stage(context, converted)
    except DomainError as error:
        raise Fallback("counts refused") from error
    by_name = {stage.name: count for stage, count in counts.items()}
    return {
        "requested": by_name["REQUESTED"],
        "inProcess": by_name["IN_PROCESS"],
        "review": by_name["REVIEW"],
        "completed": by_name["COMPLETED"],
        "rejected": by_name["REJECTED"],
        "cancelled": by_name["CANCELLED"],
    }


PACKAGE_REQUEST_COUNTS = ResolverRoot(
    _counts,
    {
        "PackageRequestCounts": frozenset(
            {"requested", "inProcess", "review", "completed", "rejected", "cancelled"}
        )
    },
)


async def _overview(context: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    """``InventoryQuery.inventory_overview``."""
    given = arguments.get("filter") or {}
    try:
        narrowed = product_filter(
            ProductFilter(
                state_id=given.get("stateId"),
                types=given.get("types"),
                low_stock_only=given.get("lowStockOnly"),
            )
        )
        figures = await inventory.inventory_overview(context, narrowed)
    except DomainError as error:
        raise Fallback("overview refused") from error
    return {
        "productCount": figures.product_count,
        "unitsAvailable": figures.units_available,
        "stockValue": _money(figures.stock_value_minor, context),
        "lowStockCount": figures.low_stock_count,
    }


INVENTORY_OVERVIEW = ResolverRoot(
    _overview,
    {
        "InventoryOverview": frozenset(
            {"productCount", "unitsAvailable", "stockValue", "lowStockCount"}
        ),
        "Money": MONEY,
    },
)


async def _unread(context: Any, _arguments: dict[str, Any]) -> int:
    return await notifications.unread_count(context)


UNREAD_NOTIFICATION_COUNT = ResolverRoot(_unread, {})


async def _scheme_stats(context: Any, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """``SchemesQuery.scheme_stats``."""
    try:
        days = date_range(arguments["range"]).to_days(["range"])  # type: ignore[union-attr]
        state = arguments.get("stateId")
        stats = await reading.scheme_stats(
            context, days, decode_id(state, "State", ["stateId"]) if state is not None else None
        )
    except DomainError as error:
        raise Fallback("statistics refused") from error
    return [
        {
            "scheme": {
                "id": _scheme_id(stat.scheme.id),
                "code": stat.scheme.code,
                "name": stat.scheme.name,
                "type": enum_name(stat.scheme.scheme_type),
            },
            "enrollments": stat.enrollments,
            "cancelled": stat.cancelled,
            "units": stat.units,
            "collected": _money(stat.collected_minor, context),
            "outstanding": _money(stat.outstanding_minor, context),
        }
        for stat in stats
    ]


SCHEME_STATS = ResolverRoot(
    _scheme_stats,
    {
        "SchemeStat": frozenset(
            {"scheme", "enrollments", "cancelled", "units", "collected", "outstanding"}
        ),
        "Scheme": frozenset({"id", "code", "name", "type"}),
        "Money": MONEY,
    },
)
