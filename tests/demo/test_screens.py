"""Every filter of every screen shows something to the named demo users.

An analyst trying the demo picks a filter and expects rows: banned customers among the
scheme enrolments, products low on stock in each state, package activity in any
fortnight of the last months. Each test walks one screen's filters as the users who
see it and lists the filters that come back empty.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.conftest import GraphQLClient
from tests.demo.conftest import ADMIN, CLUSTER, CSA, OPERATOR, STATE, TECH, DemoWorld, ask

# Fortnights starting this many days back, up to the one ending today, are checked.
ACTIVITY_LOOKBACK_DAYS = 126
FORTNIGHT_DAYS = 14
SUMMARY_READERS = (TECH, CSA, CLUSTER, STATE, ADMIN)
REQUEST_READERS = (TECH, CSA, CLUSTER, STATE, ADMIN)
SCHEME_READERS = (CSA, CLUSTER, STATE, ADMIN)
PURCHASE_READERS = (CLUSTER, STATE, ADMIN)
EVERYONE = (ADMIN, STATE, CLUSTER, CSA, TECH, OPERATOR)
# Admins and operators are told of nothing (DESIGN.md, package activity).
NOTIFIED = (STATE, CLUSTER, CSA, TECH)
PURCHASE_STATUSES = ("PENDING", "APPROVED", "REJECTED", "RECEIVED")
SCHEME_STATS_DAYS = 365
REPAYMENT_STATUSES = ("ON_TRACK", "BEHIND", "DEFAULTED", "PAID_OFF", "CANCELLED")
IN_ARREARS = ("BEHIND", "DEFAULTED")
SERVICES = ("UPGRADE", "DOWNGRADE", "DISCONNECTION", "RECONNECTION")
INTERVAL_FIGURES = (
    "newlyBanned",
    "reconnected",
    "requested",
    "inProcess",
    "inReview",
    "completed",
    "rejected",
    "cancelled",
)
REQUESTS_BY_STAGE = INTERVAL_FIGURES[2:]


def _range(first: date, last: date) -> dict[str, str]:
    return {"from": first.isoformat(), "to": last.isoformat()}


def _fortnights(today: date) -> list[dict[str, str]]:
    """Every fortnight (14 days) that starts in the lookback and ends by today."""
    first = today - timedelta(days=ACTIVITY_LOOKBACK_DAYS)
    starts = (first + timedelta(days=n) for n in range(ACTIVITY_LOOKBACK_DAYS - FORTNIGHT_DAYS + 2))
    return [_range(start, start + timedelta(days=FORTNIGHT_DAYS - 1)) for start in starts]


async def _me(client: GraphQLClient, demo: DemoWorld, login: str) -> dict[str, Any]:
    me: dict[str, Any] = (await ask(client, demo, login, "Me.graphql"))["me"]
    return me


async def _plant_ids(client: GraphQLClient, demo: DemoWorld, login: str) -> list[str]:
    """The plants ``login`` sees (the filter bars' plant picker)."""
    data = await ask(client, demo, login, "SchemeFilterBar.graphql")
    return [edge["node"]["id"] for edge in data["plants"]["edges"]]


async def _states(client: GraphQLClient, demo: DemoWorld) -> list[dict[str, Any]]:
    states: list[dict[str, Any]] = (await ask(client, demo, ADMIN, "Geography.graphql"))["states"]
    return states


# --- Package activity ---------------------------------------------------------------


async def test_activity_summary_has_figures_in_every_recent_fortnight(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    empty: list[tuple[str, str, str]] = []
    for login in SUMMARY_READERS:
        for days in _fortnights(demo_world.today):
            data = await ask(
                client, demo_world, login, "PackageActivitySummary.graphql", range=days
            )
            total = data["packageActivitySummary"]["total"]
            requests = sum(total[figure] for figure in REQUESTS_BY_STAGE)
            for name, figure in (
                ("requests", requests),
                ("completed", total["completed"]),
                ("newlyBanned", total["newlyBanned"]),
                ("reconnected", total["reconnected"]),
            ):
                if not figure:
                    empty.append((login, days["from"], name))
    assert empty == [], "\n".join(map(str, empty))


async def test_activity_summary_shows_every_figure_over_the_last_months(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    today = demo_world.today
    days = _range(today - timedelta(days=ACTIVITY_LOOKBACK_DAYS), today)
    empty: list[tuple[str, str]] = []
    for login in SUMMARY_READERS:
        data = await ask(client, demo_world, login, "PackageActivitySummary.graphql", range=days)
        total = data["packageActivitySummary"]["total"]
        empty += [(login, figure) for figure in INTERVAL_FIGURES if not total[figure]]
    assert empty == [], "\n".join(map(str, empty))


async def test_activity_summary_by_state_and_cluster_has_requests(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    today = demo_world.today
    days = _range(today - timedelta(days=FORTNIGHT_DAYS * 2 - 1), today)
    empty: list[str] = []
    for state in await _states(client, demo_world):
        scopes = [{"stateId": state["id"]}] + [{"clusterId": c["id"]} for c in state["clusters"]]
        for scope in scopes:
            data = await ask(
                client, demo_world, ADMIN, "PackageActivitySummary.graphql", range=days, **scope
            )
            total = data["packageActivitySummary"]["total"]
            if not sum(total[figure] for figure in REQUESTS_BY_STAGE):
                empty.append(str(scope))
    assert empty == [], "\n".join(map(str, empty))


async def test_request_tabs_have_rows_for_every_filter(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    today = demo_world.today
    recent = _range(today - timedelta(days=FORTNIGHT_DAYS - 1), today)
    empty: list[tuple[str, str, str]] = []

    async def rows(login: str, document: str, **variables: Any) -> None:
        data = await ask(client, demo_world, login, document, **variables)
        if not data["packageRequests"]["edges"]:
            empty.append((login, document, str(variables)))

    for login in REQUEST_READERS:
        for document in ("RequestTab.graphql", "InProcessTab.graphql", "ReviewTab.graphql"):
            await rows(login, document)
        await rows(login, "CompletedTab.graphql", closedIn=recent)
        for status in ("ACTIVE", "BANNED"):
            await rows(login, "RequestTab.graphql", consumerStatus=status)
        for plant_id in (await _plant_ids(client, demo_world, login))[:4]:
            await rows(login, "InProcessTab.graphql", plantIds=[plant_id])
            await rows(login, "CompletedTab.graphql", closedIn=recent, plantIds=[plant_id])
    await rows(TECH, "InProcessTab.graphql", assignedToMe=True)
    assert empty == [], "\n".join(map(str, empty))


async def test_tab_badges_count_every_stage(client: GraphQLClient, demo_world: DemoWorld) -> None:
    empty: list[tuple[str, str]] = []
    for login in REQUEST_READERS:
        data = await ask(client, demo_world, login, "PackageRequestCounts.graphql")
        counts = data["packageRequestCounts"]
        empty += [(login, stage) for stage, count in counts.items() if not count]
    assert empty == [], "\n".join(map(str, empty))


async def test_consumer_list_has_active_and_banned_consumers(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    empty: list[tuple[str, str]] = []
    for login in EVERYONE:
        for status in ("ACTIVE", "BANNED"):
            data = await ask(client, demo_world, login, "Consumers.graphql", status=status)
            if not data["consumers"]["edges"]:
                empty.append((login, status))
    assert empty == [], "\n".join(map(str, empty))


async def test_named_staff_have_unread_notifications(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    unread = {}
    for login in NOTIFIED:
        data = await ask(client, demo_world, login, "Notifications.graphql", unreadOnly=True)
        unread[login] = data["unreadNotificationCount"]
        assert len(data["notifications"]["edges"]) == min(unread[login], 20), login
    assert all(unread.values()), unread


# --- Schemes ------------------------------------------------------------------------


async def test_scheme_list_has_rows_for_every_filter(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    empty: list[tuple[str, str]] = []

    async def rows(login: str, **variables: Any) -> None:
        data = await ask(client, demo_world, login, "SchemeEnrollments.graphql", **variables)
        if not data["schemeEnrollments"]["edges"]:
            empty.append((login, str(variables)))

    for login in SCHEME_READERS:
        for consumer_status in ("ACTIVE", "BANNED"):
            await rows(login, consumerStatus=consumer_status)
        for repayment in REPAYMENT_STATUSES:
            await rows(login, repaymentStatus=[repayment])
        for repayment in IN_ARREARS:
            await rows(login, consumerStatus="BANNED", repaymentStatus=[repayment])
        for scheme_type in ("STANDARD", "SUBSIDISED", "FESTIVE", "PRODUCTIVE_USE"):
            await rows(login, schemeTypes=[scheme_type])
        for plant_id in (await _plant_ids(client, demo_world, login))[:4]:
            await rows(login, plantIds=[plant_id])
    assert empty == [], "\n".join(map(str, empty))


async def test_banned_customers_in_arrears_are_listed_with_their_phone(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    data = await ask(
        client,
        demo_world,
        CSA,
        "SchemeEnrollments.graphql",
        consumerStatus="BANNED",
        repaymentStatus=list(IN_ARREARS),
        first=100,
    )
    nodes = [edge["node"] for edge in data["schemeEnrollments"]["edges"]]
    assert nodes
    for node in nodes:
        assert node["consumer"]["status"] == "BANNED"
        assert node["repaymentStatus"] in IN_ARREARS
        assert node["daysInArrears"] > 0
        assert node["consumerPhone"].startswith("+91")


async def test_scheme_stats_count_enrolments_of_the_last_year(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    today = demo_world.today
    days = _range(today - timedelta(days=SCHEME_STATS_DAYS), today)
    empty: list[str] = []
    for login in SCHEME_READERS:
        data = await ask(client, demo_world, login, "SchemeStats.graphql", range=days)
        if not sum(stat["enrollments"] for stat in data["schemeStats"]):
            empty.append(login)
    assert empty == []


# --- Inventory ----------------------------------------------------------------------


async def test_purchase_requests_have_rows_for_every_filter(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    empty: list[tuple[str, str]] = []

    async def rows(login: str, **variables: Any) -> None:
        data = await ask(client, demo_world, login, "PurchaseRequests.graphql", **variables)
        if not data["purchaseRequests"]["edges"]:
            empty.append((login, str(variables)))

    for login in PURCHASE_READERS:
        for status in PURCHASE_STATUSES:
            await rows(login, statuses=[status])
    # Admins manage master data; it is the in-charges who raise purchase requests.
    for login in (CLUSTER, STATE):
        await rows(login, requestedByMe=True)
    assert empty == [], "\n".join(map(str, empty))


async def test_every_state_has_a_product_low_on_stock(
    client: GraphQLClient, demo_world: DemoWorld
) -> None:
    states = [state["id"] for state in await _states(client, demo_world)]
    empty: list[tuple[str, str | None]] = []
    for login in EVERYONE:
        for state_id in [None, *states]:
            listed = await ask(
                client, demo_world, login, "Inventory.graphql", stateId=state_id, lowStockOnly=True
            )
            overview = await ask(
                client, demo_world, login, "InventoryOverview.graphql", stateId=state_id
            )
            edges = listed["inventory"]["edges"]
            if not edges or not overview["inventoryOverview"]["lowStockCount"]:
                empty.append((login, state_id))
            assert all(edge["node"]["lowStock"] for edge in edges)
    assert empty == [], "\n".join(map(str, empty))
