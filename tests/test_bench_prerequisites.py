"""``make bench`` says what is missing and how to install it, instead of installing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import peer, prerequisites
from bench.prerequisites import NPM, WRK, missing

ROOT = Path(__file__).resolve().parent.parent


def on_path(*programs: str) -> prerequisites.Which:
    return lambda name: f"/usr/bin/{name}" if name in programs else None


def test_nothing_is_missing_when_wrk_and_npm_are_there() -> None:
    assert missing(["postgresql", "sqlite"], on_path("wrk", "npm"), lambda: False) == []


def test_wrk_is_always_needed() -> None:
    assert missing(["sqlite"], on_path("npm"), lambda: True) == [WRK]


def test_npm_is_needed_for_postgresql_until_postgraphile_is_installed() -> None:
    assert missing(["postgresql"], on_path("wrk"), lambda: False) == [NPM]
    assert missing(["postgresql"], on_path("wrk"), lambda: True) == []
    assert missing(["sqlite"], on_path("wrk"), lambda: False) == []


def test_the_command_names_what_is_missing_and_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("shutil.which", on_path())
    monkeypatch.setattr(peer, "is_installed", lambda: False)
    # bench.run's own options pass through untouched.
    status = prerequisites.main(["--quick", "--databases", "postgresql"])
    err = capsys.readouterr().err
    assert status == 1
    assert "- wrk:" in err and "apt-get install wrk" in err and "brew install wrk" in err
    assert "- npm:" in err and "--databases sqlite" in err


def test_the_command_is_silent_when_nothing_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("shutil.which", on_path("wrk", "npm"))
    assert prerequisites.main([]) == 0
    assert capsys.readouterr() == ("", "")


def test_make_bench_checks_and_never_installs_system_packages() -> None:
    makefile = (ROOT / "Makefile").read_text()
    bench = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert "apt-get" not in makefile
    assert "-m bench.prerequisites" in bench
    assert bench.index("bench.prerequisites") < bench.index("bench.run")
