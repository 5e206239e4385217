"""What changed in the schema since a previous SDL, as clients would feel it.

graphql-core's ``find_breaking_changes`` lists what can break an operation that worked
before (a field removed, an argument made required, a type changed); its
``find_dangerous_changes`` what may change results without breaking them (an enum value
or an optional argument added, a default changed). The previous SDL is a file, or
``schema/schema.graphql`` as it was at a git revision; the current one is the schema the
code serves.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLError,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

from server.changelog import ChangelogError
from server.changelog import read as read_changelog

REPOSITORY = Path(__file__).resolve().parent.parent
SCHEMA_IN_REPOSITORY = "schema/schema.graphql"


class SchemaDiffError(Exception):
    """The schemas could not be compared (no such file or revision, an invalid SDL)."""


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # graphql-core's name for it, e.g. FIELD_REMOVED
    description: str

    @property
    def coordinates(self) -> frozenset[str]:
        """The schema coordinates a changelog may name this change by: what changed
        (``User.active``, ``Query.plants(first:)``, ``Role.ADMIN``, ``Plant``,
        ``@deprecated``), and for an argument also its field."""
        for pattern in _COORDINATES.get(self.kind, _MEMBER_PATTERNS):
            found = re.search(pattern, self.description)
            if found:
                coordinate = found.group(1)
                field = re.match(r"^(\w+\.\w+)\(", coordinate)
                return frozenset({coordinate, field.group(1)} if field else {coordinate})
        return frozenset()


_NAME = r"[A-Za-z_]\w*"
_MEMBER_PATTERNS = (
    rf"(@{_NAME}\({_NAME}:\))",  # a directive's argument
    rf"({_NAME}\.{_NAME}\({_NAME}:\))",  # a field's argument
    rf"({_NAME}\.{_NAME})",  # a field, an input field, an enum value
    rf"(@{_NAME})",  # a directive
)
# graphql-core's wording of the changes that concern a whole type (find_schema_changes).
_COORDINATES: dict[str, tuple[str, ...]] = {
    "TYPE_REMOVED": (rf"^(?:Standard scalar )?({_NAME}) was removed",),
    "TYPE_CHANGED_KIND": (rf"^({_NAME}) changed from",),
    "TYPE_REMOVED_FROM_UNION": (rf"removed from union type ({_NAME})",),
    "IMPLEMENTED_INTERFACE_REMOVED": (rf"^({_NAME}) no longer implements",),
    "DIRECTIVE_REMOVED": (rf"(@{_NAME})",),
    "DIRECTIVE_REPEATABLE_REMOVED": (rf"(@{_NAME})",),
    "DIRECTIVE_LOCATION_REMOVED": (rf"(@{_NAME})",),
}


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


def unannounced(breaking: list[Change], named: frozenset[str]) -> list[Change]:
    """The breaking changes that none of the ``named`` coordinates announces."""
    return [change for change in breaking if not change.coordinates & named]


def render_announced(breaking: list[Change], missing: list[Change], changelog: Path) -> str:
    if not breaking:
        return ""
    if not missing:
        return f"Every breaking change is named in {changelog}'s Unreleased section."
    lines = [
        f"Not named in {changelog}'s Unreleased section ({len(missing)}): name each by its"
        " coordinate in backquotes, with what clients must do."
    ]
    lines.extend(
        f"  {change.kind}: {change.description} (name it as "
        + " or ".join(f"`{c}`" for c in sorted(change.coordinates, key=len, reverse=True))
        + ")"
        for change in missing
    )
    return "\n".join(lines)


def run(previous: Path | None, revision: str | None, changelog_path: Path | None = None) -> int:
    """Print the report; the exit status: 1 with breaking changes, else 0.

    With ``changelog_path``, the base is the last release's commit as the changelog gives
    it (unless ``revision`` is given too), and only breaking changes its Unreleased
    section does not name make the status 1.
    """
    announced = None
    if changelog_path is not None:
        try:
            changelog = read_changelog(changelog_path)
        except ChangelogError as error:
            raise SchemaDiffError(str(error)) from error
        announced = changelog.named
        if previous is None and revision is None:
            revision = changelog.release_commit
    if (previous is None) == (revision is None):
        raise SchemaDiffError("give either a previous SDL file or --git REVISION")
    if revision is not None:
        previous_sdl, against = sdl_at_revision(revision), f"{revision}:{SCHEMA_IN_REPOSITORY}"
    else:
        assert previous is not None  # noqa: S101 - checked above
        previous_sdl, against = sdl_from_file(previous), str(previous)
    diff = diff_schemas(previous_sdl, current_sdl())
    print(render(diff, against))
    if announced is None:
        return 1 if diff.breaking else 0
    assert changelog_path is not None  # noqa: S101 - announced comes from it
    missing = unannounced(diff.breaking, announced)
    report = render_announced(diff.breaking, missing, changelog_path)
    if report:
        print(report)
    return 1 if missing else 0
