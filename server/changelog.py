"""CHANGELOG.md as ``gridline schema-diff --changelog`` reads it.

Two things: the commit of the last release, which its heading's section gives as
``Commit `<hash>`.`` (the base the schema is compared with), and the schema coordinates
the ``## [Unreleased]`` section names in backquotes (the breaking changes it announces).
The base is written in the changelog rather than taken from a tag, so that it is the same
on every clone with the history, whether or not tags were fetched, and moves exactly when
a release is written down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SECTION = re.compile(r"^## \[(?P<name>[^\]]+)\](?P<rest>.*)$", re.MULTILINE)
RELEASE_COMMIT = re.compile(r"^Commit `(?P<commit>[0-9a-f]{7,40})`", re.MULTILINE)
BACKQUOTED = re.compile(r"`([^`\n]+)`")
# Type, Type.field, Type.field(arg:), @directive, @directive(arg:).
COORDINATE = re.compile(r"^@?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?(?:\([A-Za-z_]\w*:\))?$")


class ChangelogError(Exception):
    """The changelog cannot be read as schema-diff needs it."""


@dataclass(frozen=True, slots=True)
class Changelog:
    named: frozenset[str]  # coordinates named in the Unreleased section
    release: str  # the last release, e.g. "0.1.0"
    release_commit: str


def parse(text: str, source: str = "CHANGELOG.md") -> Changelog:
    sections = list(SECTION.finditer(text))
    ends = [match.start() for match in sections[1:]] + [len(text)]
    bodies = {
        match["name"]: text[match.end() : end] for match, end in zip(sections, ends, strict=True)
    }
    if "Unreleased" not in bodies:
        raise ChangelogError(f"{source} has no `## [Unreleased]` section")
    releases = [match["name"] for match in sections if match["name"] != "Unreleased"]
    if not releases:
        raise ChangelogError(f"{source} has no release section (`## [x.y.z] - date`)")
    release = releases[0]
    commit = RELEASE_COMMIT.search(bodies[release])
    if commit is None:
        raise ChangelogError(
            f"{source}: the section of {release} does not give its commit "
            "(a line `Commit `<hash>`.`)"
        )
    named = frozenset(
        quoted for quoted in BACKQUOTED.findall(bodies["Unreleased"]) if COORDINATE.match(quoted)
    )
    return Changelog(named=named, release=release, release_commit=commit["commit"])


def read(path: Path) -> Changelog:
    try:
        text = path.read_text()
    except OSError as error:
        raise ChangelogError(f"cannot read {path}: {error.strerror}") from error
    return parse(text, str(path))
