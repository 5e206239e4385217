"""What changed in the schema since a previous SDL, as clients would feel it.

graphql-core's ``find_breaking_changes`` lists what can break an operation that worked
before (a field removed, an argument made required, a type changed); its
``find_dangerous_changes`` what may change results without breaking them (an enum value
or an optional argument added, a default changed). The previous SDL is a file, or
``schema/schema.graphql`` as it was at a git revision; the current one is the schema the
code serves.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLError,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

REPOSITORY = Path(__file__).resolve().parent.parent
SCHEMA_IN_REPOSITORY = "schema/schema.graphql"


class SchemaDiffError(Exception):
    """The schemas could not be compared (no such file or revision, an invalid SDL)."""


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # graphql-core's name for it, e.g. FIELD_REMOVED
    description: str


@dataclass(frozen=True, slots=True)
class SchemaDiff:
    breaking: list[Change]
    dangerous: list[Change]


def diff_schemas(previous_sdl: str, current_sdl: str) -> SchemaDiff:
    """The breaking and dangerous changes from ``previous_sdl`` to ``current_sdl``."""
    try:
        previous = build_schema(previous_sdl)
    except (GraphQLError, TypeError) as error:
        raise SchemaDiffError(f"the previous SDL is not a valid schema: {error}") from error
    current = build_schema(current_sdl)
    return SchemaDiff(
        breaking=[
            Change(c.type.name, c.description) for c in find_breaking_changes(previous, current)
        ],
        dangerous=[
            Change(c.type.name, c.description) for c in find_dangerous_changes(previous, current)
        ],
    )


def current_sdl() -> str:
    """The SDL of the schema the code serves (what ``gridline export-schema`` writes)."""
    from strawberry.printer import print_schema

    from schema import schema

    return print_schema(schema) + "\n"


def sdl_from_file(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise SchemaDiffError(f"cannot read {path}: {error.strerror}") from error


def sdl_at_revision(revision: str) -> str:
    """``schema/schema.graphql`` as committed at ``revision`` (a commit, branch or tag)."""
    if revision.startswith("-"):
        raise SchemaDiffError(f"not a revision: {revision}")
    try:
        shown = subprocess.run(  # noqa: S603 - fixed arguments, the revision cannot be an option
            ["git", "-C", str(REPOSITORY), "show", f"{revision}:{SCHEMA_IN_REPOSITORY}"],  # noqa: S607 - git from PATH, as a developer runs it
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        raise SchemaDiffError(f"cannot run git: {error.strerror}") from error
    if shown.returncode != 0:
        raise SchemaDiffError(shown.stderr.strip() or f"git show failed for {revision}")
    return shown.stdout


def render(diff: SchemaDiff, against: str) -> str:
    """The report people read: breaking changes first, then dangerous ones."""
    lines: list[str] = []
    for title, changes in (("Breaking", diff.breaking), ("Dangerous", diff.dangerous)):
        if changes:
            lines.append(f"{title} changes since {against} ({len(changes)}):")
            lines.extend(f"  {change.kind}: {change.description}" for change in changes)
    if not diff.breaking:
        lines.append(f"No breaking changes since {against}.")
    return "\n".join(lines)


def run(previous: Path | None, revision: str | None) -> int:
    """Print the report; the exit status: 1 with breaking changes, else 0."""
    if (previous is None) == (revision is None):
        raise SchemaDiffError("give either a previous SDL file or --git REVISION")
    if revision is not None:
        previous_sdl, against = sdl_at_revision(revision), f"{revision}:{SCHEMA_IN_REPOSITORY}"
    else:
        assert previous is not None  # noqa: S101 - checked above
        previous_sdl, against = sdl_from_file(previous), str(previous)
    diff = diff_schemas(previous_sdl, current_sdl())
    print(render(diff, against))
    return 1 if diff.breaking else 0
