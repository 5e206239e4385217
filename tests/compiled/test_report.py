"""``gridline compiled``: which documents are compiled, and why the others are not."""

from __future__ import annotations

import pytest

from server import cli


def test_the_command_lists_each_document_and_what_falls_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli.main(["compiled"])
    lines = capsys.readouterr().out.splitlines()
    rows = dict(line.split(maxsplit=1) for line in lines if line and not line[0].isdigit())
    for screen in ("InProcessTab", "PackageRequestDetails", "SchemeEnrollments", "Inventory"):
        assert rows[screen] == "compiled", rows
    assert rows["AssignPackageRequest"] == "not a query"
    # What is not compiled says why, naming the field or argument.
    assert rows["StockHistory"] == "arguments on Product.movements"
    compiled = sum(reason == "compiled" for reason in rows.values())
    queries = sum(reason != "not a query" for reason in rows.values())
    assert lines[-1].startswith(f"{compiled} of {queries} queries compiled")
