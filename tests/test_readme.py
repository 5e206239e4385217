"""README.md and docs/ stay true: the demo logins it lists are the ones the seed makes, its
links lead to files of the repository, and the paths and commands it names exist."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from demo import cli as demo_cli
from demo.seed import DEMO_LOGINS, DEMO_PASSWORD, OTHER_DEMO_LOGINS
from server import cli as server_cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "CHANGELOG.md",
    *sorted((ROOT / "docs").rglob("*.md")),
]

# [text](target) and [text]: target; not images' remote sources, not autolinks <http://...>.
INLINE_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
REFERENCE_LINK = re.compile(r"^\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
# Paths named in backquotes, under the repository's top-level folders.
NAMED_PATH = re.compile(
    r"`((?:models|core|auth|resolvers|schema|server|demo|bench|queries|tests|docs|migrations"
    r"|\.ci)/[\w./-]*)`"
)
GENERATED = ("bench/results/tmp/",)


def test_readme_lists_every_demo_login_with_its_role() -> None:
    for login in (*DEMO_LOGINS, *OTHER_DEMO_LOGINS):
        row = next((line for line in README.splitlines() if f"`{login.email}`" in line), None)
        assert row is not None, f"README.md does not list {login.email}"
        assert login.role.value in row


def test_readme_gives_the_demo_password_and_the_two_commands() -> None:
    assert f"`{DEMO_PASSWORD}`" in README
    assert "make run" in README and "make test" in README


def links(text: str) -> list[str]:
    """The link targets of a Markdown text, outside code blocks."""
    prose = FENCE.sub("", text)
    return INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)


def anchors(text: str) -> set[str]:
    """The anchors GitHub makes of a Markdown file's headings."""
    found = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", FENCE.sub("", text), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def broken_links(document: Path, text: str | None = None) -> list[str]:
    """The relative links of ``document`` (or of ``text`` written there) that do not lead
    to a file (or heading) of the repository."""
    broken = []
    for target in links(document.read_text() if text is None else text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (document.parent / path_part).resolve() if path_part else document
        if not resolved.is_relative_to(ROOT):
            broken.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text()):
            broken.append(f"{target} (no such heading)")
    return broken


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_of_the_repository(document: Path) -> None:
    assert broken_links(document) == []


def test_the_link_check_catches_what_it_should() -> None:
    """A link outside the repository, to a missing file or to a missing heading fails."""
    text = (
        "[a](../../shared/DESIGN.md) [b](missing.md) [c](api.md#no-such) [d](api.md#errors)"
        " [e](https://example.org/x.md) [f](#staff-visibility)"
    )
    assert broken_links(ROOT / "docs" / "design.md", text) == [
        "../../shared/DESIGN.md (outside the repository)",
        "missing.md (no such file)",
        "api.md#no-such (no such heading)",
    ]


def test_readme_links_only_inside_the_repository() -> None:
    assert "../shared" not in README


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_path_a_document_names_exists(document: Path) -> None:
    named = {path.rstrip(".") for path in NAMED_PATH.findall(document.read_text())}
    missing = [
        path
        for path in sorted(named)
        if not path.startswith(GENERATED) and not (ROOT / path).exists()
    ]
    assert missing == []


def test_the_path_check_finds_the_paths_the_readme_names() -> None:
    assert "schema/execution/compiled/" in NAMED_PATH.findall(README)


def _subcommands(parser: argparse.ArgumentParser) -> set[str]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {name for action in actions for name in action.choices}


def test_every_command_the_readme_names_exists() -> None:
    commands = {
        "gridline": _subcommands(server_cli.build_parser()),
        "gridline-demo": _subcommands(demo_cli.build_parser()),
    }
    named = re.findall(r"(?<![\w/-])(gridline(?:-demo)?) ([a-z][a-z-]+)", README)
    assert named
    unknown = {
        f"{program} {command}" for program, command in named if command not in commands[program]
    }
    # Prose such as "gridline serve runs uvicorn" names real commands; anything else is stale.
    assert unknown == set()


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.MULTILINE))
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", README))
    assert named
    assert named - targets == set()
