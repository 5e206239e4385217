"""Each screen's handler by the name of its document in ``queries/``, and the answer."""

from __future__ import annotations

from typing import Any

from bench.floor.caller import caller_of
from bench.floor.database import Database
from bench.floor.inventory import inventory
from bench.floor.packages import in_process_tab, request_details
from bench.floor.schemes import scheme_enrollments
from bench.floor.screen import Handler, Screen
from bench.floor.summary import package_summary

SCREENS: dict[str, Handler] = {
    "InProcessTab": in_process_tab,
    "PackageRequestDetails": request_details,
    "PackageActivitySummary": package_summary,
    "SchemeEnrollments": scheme_enrollments,
    "Inventory": inventory,
}


async def answer(
    db: Database,
    name: str,
    authorization: str | None,
    variables: dict[str, Any],
    screen: Screen,
    secret_key: str,
) -> dict[str, Any]:
    """The ``data`` of screen ``name`` for the caller behind ``authorization``."""
    caller = await caller_of(db, authorization, secret_key)
    return await SCREENS[name](db, caller, variables, screen)
