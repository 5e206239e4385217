"""The bench's PostGraphile check (bench/peer.py) on a request's details: the two servers'
shapes differ (ids, Money, the plant's users, history nodes), the data must not."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from bench import peer, report, run, screens

CURRENCY = "INR"
AT = "2026-12-03T12:10:43+00:00"


def gridline_id(kind: str, row_id: int) -> str:
    return base64.b64encode(f"{kind}:{row_id}".encode()).decode()


def postgraphile_id(kind: str, row_id: int) -> str:
    return base64.b64encode(json.dumps([kind, row_id]).encode()).decode()


def gridline_details() -> dict[str, Any]:
    """Gridline's answer to queries/PackageRequestDetails.graphql for request 48."""
    g = gridline_id
    return {
        "node": {
            "id": g("PackageRequest", 48),
            "number": "PR-000048",
            "service": "UPGRADE",
            "stage": "IN_PROCESS",
            "version": 2,
            "note": None,
            "createdAt": AT,
            "updatedAt": AT,
            "closedAt": None,
            "consumer": {
                "id": g("Consumer", 7),
                "accountNumber": "UP-SIT16-000061",
                "name": "Neha Nishad",
                "phone": "+917649118314",
                "status": "ACTIVE",
                "package": {"id": g("Package", 1), "name": "Basic 50 W", "loadWatts": 50},
            },
            "plant": {"id": g("Plant", 3), "code": "SIT16", "name": "Daulatpur"},
            "currentPackage": {
                "id": g("Package", 1),
                "name": "Basic 50 W",
                "loadWatts": 50,
                "monthlyFee": {"amount": "150.00", "currency": CURRENCY},
            },
            "requestedPackage": None,
            "requestedBy": {"id": g("User", 5), "name": "Meena Mishra", "role": "CSA"},
            "assignee": {"id": g("User", 9), "name": "Lakshmi Sharma", "phone": "+917114105549"},
            "assignableTechnicians": [
                {"id": g("User", 11), "name": "Amit Yadav", "phone": "+917000000011"},
                {"id": g("User", 9), "name": "Lakshmi Sharma", "phone": "+917114105549"},
            ],
            "history": [
                {
                    "at": AT,
                    "action": "ASSIGN",
                    "fromStage": "REQUESTED",
                    "toStage": "IN_PROCESS",
                    "note": None,
                    "actor": {"id": g("User", 2), "name": "Rajesh Kumar", "role": "STATE_INCHARGE"},
                    "assignee": {"id": g("User", 9), "name": "Lakshmi Sharma"},
                }
            ],
        }
    }


def plant_user(row_id: int, name: str, role: str, *, active: bool = True) -> dict[str, Any]:
    phone = f"+9170000000{row_id:02}" if row_id != 9 else "+917114105549"
    return {
        "user": {
            "id": postgraphile_id("User", row_id),
            "name": name,
            "phone": phone,
            "role": role,
            "active": active,
        }
    }


def postgraphile_details() -> dict[str, Any]:
    """PostGraphile's answer to bench/postgraphile/PackageRequestDetails.graphql, with
    the same data: the plant's users unfiltered and unordered, instants as it prints them."""
    p = postgraphile_id
    at = "2026-12-03T12:10:43.000000+00:00"
    return {
        "node": {
            "id": p("PackageRequest", 48),
            "rowId": 48,
            "service": "UPGRADE",
            "stage": "IN_PROCESS",
            "version": 2,
            "note": None,
            "createdAt": at,
            "updatedAt": at,
            "closedAt": None,
            "consumer": {
                "id": p("Consumer", 7),
                "accountNumber": "UP-SIT16-000061",
                "name": "Neha Nishad",
                "phone": "+917649118314",
                "status": "ACTIVE",
                "package": {"id": p("Package", 1), "name": "Basic 50 W", "loadWatts": 50},
            },
            "plant": {"id": p("Plant", 3), "code": "SIT16", "name": "Daulatpur"},
            "currentPackage": {
                "id": p("Package", 1),
                "name": "Basic 50 W",
                "loadWatts": 50,
                "monthlyFeeMinor": 15000,
            },
            "requestedPackage": None,
            "requestedBy": {"id": p("User", 5), "name": "Meena Mishra", "role": "CSA"},
            "assignee": {"id": p("User", 9), "name": "Lakshmi Sharma", "phone": "+917114105549"},
            "assignableTechnicians": {
                "userPlantsByPlantId": {
                    "nodes": [
                        plant_user(5, "Meena Mishra", "CSA"),
                        plant_user(9, "Lakshmi Sharma", "TECHNICIAN"),
                        plant_user(10, "Babu Lal", "TECHNICIAN", active=False),
                        plant_user(11, "Amit Yadav", "TECHNICIAN"),
                    ]
                }
            },
            "history": {
                "nodes": [
                    {
                        "at": at,
                        "action": "ASSIGN",
                        "fromStage": "REQUESTED",
                        "toStage": "IN_PROCESS",
                        "note": None,
                        "actor": {
                            "id": p("User", 2),
                            "name": "Rajesh Kumar",
                            "role": "STATE_INCHARGE",
                        },
                        "assignee": {"id": p("User", 9), "name": "Lakshmi Sharma"},
                    }
                ]
            },
        }
    }


def test_the_same_details_in_both_shapes_are_the_same_data() -> None:
    found = peer.same_details(gridline_details(), postgraphile_details(), CURRENCY)

    assert found == peer.PeerCheck(requests=1, same_data=True, difference=None)


def test_one_nested_value_apart_is_a_difference() -> None:
    theirs = postgraphile_details()
    theirs["node"]["history"]["nodes"][0]["actor"]["name"] = "Someone Else"

    found = peer.same_details(gridline_details(), theirs, CURRENCY)

    assert not found.same_data
    assert found.difference == ("data.node.history[0].actor.name: 'Rajesh Kumar' != 'Someone Else'")


def test_a_fee_a_paisa_apart_or_in_another_currency_is_a_difference() -> None:
    theirs = postgraphile_details()
    theirs["node"]["currentPackage"]["monthlyFeeMinor"] = 15001
    assert not peer.same_details(gridline_details(), theirs, CURRENCY).same_data
    assert not peer.same_details(gridline_details(), postgraphile_details(), "USD").same_data


def test_an_active_technician_missing_from_gridline_is_a_difference() -> None:
    ours = gridline_details()
    del ours["node"]["assignableTechnicians"][0]

    found = peer.same_details(ours, postgraphile_details(), CURRENCY)

    assert found.difference == "data.node.assignableTechnicians: 1 items != 2"


def test_a_request_number_that_is_not_its_row_id_is_refused() -> None:
    ours = gridline_details()
    ours["node"]["number"] = "PR-000049"

    found = peer.same_details(ours, postgraphile_details(), CURRENCY)

    assert not found.same_data
    assert "row id field 49" in str(found.difference)


def test_postgraphile_is_asked_for_gridlines_request_by_row_id() -> None:
    gridline_body = {"variables": {"id": gridline_id("PackageRequest", 48)}}

    body = peer.body(peer.REQUEST_DETAILS, gridline_body)

    assert body["operationName"] == peer.REQUEST_DETAILS
    assert body["variables"] == {"rowId": 48}


def test_every_peer_screen_driven_must_be_checked_and_the_same() -> None:
    same = {"requests": 1, "same_data": True, "difference": None}
    entry = {"checks": {screens.ONE_PLANT_TAB: same, peer.REQUEST_DETAILS: same}}
    assert run.peer_answered(entry, None)
    assert not run.peer_answered({"checks": {screens.ONE_PLANT_TAB: same}}, None)
    assert run.peer_answered({"checks": {screens.ONE_PLANT_TAB: same}}, {screens.ONE_PLANT_TAB})
    differing = {**entry, "checks": {**entry["checks"], peer.REQUEST_DETAILS: {**same}}}
    differing["checks"][peer.REQUEST_DETAILS]["same_data"] = False
    assert not run.peer_answered(differing, {peer.REQUEST_DETAILS})
    assert run.peer_answered({"skipped": "it serves PostgreSQL only"}, None)


def test_the_report_notes_each_peer_screen_and_reads_older_results() -> None:
    same = {"requests": 1, "same_data": True, "difference": None}
    peer_entry = {"version": "5.1.5", "node": "v22", "preset": "Amber", "authentication": "none"}
    newer = {"peer": {**peer_entry, "checks": {peer.REQUEST_DETAILS: same}}}
    older = {"peer": {**peer_entry, "screen": screens.ONE_PLANT_TAB, "check": copy.copy(same)}}

    assert f"on {peer.REQUEST_DETAILS}: 1 request, the same data" in report._peer_note(newer)
    assert f"on {screens.ONE_PLANT_TAB}: 1 request, the same data" in report._peer_note(older)
