"""The benchmarked screens: documents from ``queries/``, who sends them, with what.

Variables come from the seeded data (the signed-in user's state, a request on their
In Process tab), so that the same run works on any seed. Statements per request are
counted in-process, once per screen: the GraphQL document through the ASGI app with a
``before_cursor_execute`` listener (as ``tests/conftest.py`` counts them), the floor
through its handler's own counter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import sqlalchemy as sa

from bench import floor
from core.operation_tally import driver_statement_listeners
from core.settings import Settings
from server.app import create_app

QUERIES = Path(__file__).resolve().parent.parent / "queries"
DEMO_PASSWORD = "gridline-demo"  # noqa: S105 - the published password of the demo logins
# A state in-charge: the In Process tab and the lists over a whole state's plants.
LOGIN = "state@demo.gridline"
PAGE = 50
SUMMARY_DAYS = 30
STATE_OF_USER = "SELECT state_id FROM users WHERE id = {}"
# The per-plant In Process tab, the screen also measured on PostGraphile (bench/peer.py).
ONE_PLANT_TAB = "InProcessTabOnePlant"
# The plant in scope with the most requests in process (a full page), lowest id first.
BUSIEST_PLANT = (
    "SELECT plant_id FROM package_requests WHERE {} AND stage = 'IN_PROCESS' "
    "GROUP BY plant_id ORDER BY COUNT(*) DESC, plant_id LIMIT 1"
)


@dataclass(frozen=True, slots=True)
class Workload:
    """One screen: its name in the results, its variables, who sends it, and its document
    in ``queries/`` (the screen's name unless told)."""

    screen: str
    login: str
    variables: dict[str, Any]
    document: str = ""

    @property
    def operation(self) -> str:
        return self.document or self.screen

    def body(self) -> dict[str, Any]:
        return {
            "query": (QUERIES / f"{self.operation}.graphql").read_text(),
            "operationName": self.operation,
            "variables": self.variables,
        }


def sign_in(base_url: str, login: str) -> str:
    """An access token from the Login document, as the app signs in."""
    body = {
        "query": (QUERIES / "Login.graphql").read_text(),
        "variables": {"login": login, "password": DEMO_PASSWORD},
    }
    answer = httpx.post(f"{base_url}/graphql", json=body, timeout=30).json()
    token = answer["data"]["login"]["accessToken"]
    if not token:
        raise RuntimeError(f"sign-in of {login} failed: {answer}")
    return f"Bearer {token}"


async def workloads(settings: Settings, authorization: str) -> list[Workload]:
    """The five screens and the per-plant In Process tab (the app's default page, over
    the busiest plant in scope), with variables picked from the data the user sees."""
    db = await floor.open_database(settings.database_url, 2)
    try:
        caller = await floor.caller_of(db, authorization, settings.secret_key)
        (state_row,) = await db.rows(STATE_OF_USER.format(db.param(1)), caller.user_id)
        busiest = await db.rows(
            BUSIEST_PLANT.format(caller.where(db, "plant_id", 1)), *caller.params(db)
        )
        screen = floor.Screen(settings.currency, settings.zone, settings.page_size_default)
        tab = await floor.in_process_tab(db, caller, {"first": 1}, screen)
    finally:
        await db.close()
    edges = tab["packageRequests"]["edges"]
    if not edges or not busiest:
        raise RuntimeError(f"{LOGIN} has no request in process: is the database seeded?")
    plant = floor.global_id("Plant", busiest[0][0])
    state = floor.global_id("State", state_row[0])
    last = datetime.now(settings.zone).date()
    days = {"from": str(last - timedelta(days=SUMMARY_DAYS - 1)), "to": str(last)}
    return [
        Workload("InProcessTab", LOGIN, {"first": PAGE}),
        Workload("PackageRequestDetails", LOGIN, {"id": edges[0]["node"]["id"]}),
        Workload("PackageActivitySummary", LOGIN, {"range": days, "stateId": state}),
        Workload("SchemeEnrollments", LOGIN, {"first": PAGE}),
        Workload("Inventory", LOGIN, {"stateId": state, "first": PAGE}),
        Workload(ONE_PLANT_TAB, LOGIN, {"plantIds": [plant]}, document="InProcessTab"),
    ]


@dataclass(frozen=True, slots=True)
class Check:
    """What one screen costs in statements, and whether the floor answers the same data."""

    graphql_statements: int
    floor_statements: int
    same_data: bool
    difference: str | None


def first_difference(left: Any, right: Any, path: str = "data") -> str | None:
    """Where two JSON values first differ, or None."""
    if isinstance(left, dict) and isinstance(right, dict):
        if list(left) != list(right):
            return f"{path}: keys {list(left)} != {list(right)}"
        for key in left:
            found = first_difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items != {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if left == right else f"{path}: {left!r} != {right!r}"


@dataclass
class _Counter:
    statements: int = 0


def _counting(engine: Any) -> Iterator[_Counter]:
    counter = _Counter()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            counter.statements += 1

    def compiled(statement: str) -> None:  # a compiled document's, sent on the driver
        before(None, None, statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    driver_statement_listeners.append(compiled)
    try:
        yield counter
    finally:
        driver_statement_listeners.remove(compiled)
        sa.event.remove(engine, "before_cursor_execute", before)


async def check(settings: Settings, authorization: str, loads: list[Workload]) -> dict[str, Check]:
    """Each screen once in-process through the app and through the floor: statements, data."""
    app = create_app(settings)
    runtime = app.state.runtime
    db = await floor.open_database(settings.database_url, 2)
    screen = floor.Screen(settings.currency, settings.zone, settings.page_size_default)
    checks: dict[str, Check] = {}
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            headers = {"Authorization": authorization}
            for load in loads:
                # The first request warms caches (parsed documents, prepared statements).
                await http.post("/graphql", json=load.body(), headers=headers)
                counting = _counting(runtime.engine.sync_engine)
                counter = next(counting)
                answer = (await http.post("/graphql", json=load.body(), headers=headers)).json()
                next(counting, None)
                if answer.get("errors"):
                    raise RuntimeError(f"{load.screen}: {answer['errors']}")
                before = db.statements
                data = await floor.answer(
                    db, load.operation, authorization, load.variables, screen, settings.secret_key
                )
                difference = first_difference(answer["data"], data)
                checks[load.screen] = Check(
                    graphql_statements=counter.statements,
                    floor_statements=db.statements - before,
                    same_data=difference is None,
                    difference=difference,
                )
    finally:
        await db.close()
        await runtime.engine.dispose()
    return checks
