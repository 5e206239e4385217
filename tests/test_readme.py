"""README.md stays true: the demo logins it lists are the ones the seed makes."""

from __future__ import annotations

from pathlib import Path

from demo.seed import DEMO_LOGINS, DEMO_PASSWORD, OTHER_DEMO_LOGINS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_lists_every_demo_login_with_its_role() -> None:
    for login in (*DEMO_LOGINS, *OTHER_DEMO_LOGINS):
        row = next((line for line in README.splitlines() if f"`{login.email}`" in line), None)
        assert row is not None, f"README.md does not list {login.email}"
        assert login.role.value in row


def test_readme_gives_the_demo_password_and_the_two_commands() -> None:
    assert f"`{DEMO_PASSWORD}`" in README
    assert "make run" in README and "make test" in README
