"""`gridline schema-diff`: breaking changes against a previous SDL fail the command."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    build_schema,
    print_schema,
)

from server import changelog as changelog_module
from server import schema_diff
from server.cli import main

ROOT = Path(__file__).resolve().parent.parent


def previous_sdl(change: Callable[[GraphQLSchema], None]) -> str:
    """The current SDL as it would have been before a change: ``change`` undoes it."""
    schema = build_schema(schema_diff.current_sdl())
    change(schema)
    return print_schema(schema)


def query_type(schema: GraphQLSchema) -> GraphQLObjectType:
    query = schema.query_type
    assert query is not None
    return query


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The exit status and output of ``gridline <argv>``."""
    try:
        main(argv)
        status = 0
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def diff_against(
    tmp_path: Path, sdl: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    previous = tmp_path / "previous.graphql"
    previous.write_text(sdl)
    return run_cli(["schema-diff", str(previous)], capsys)


def had_retired_field(schema: GraphQLSchema) -> None:
    query_type(schema).fields["retiredReport"] = GraphQLField(GraphQLString)


def had_optional_code(schema: GraphQLSchema) -> None:
    field = query_type(schema).fields["schemeEnrollmentByCode"]
    field.args["code"] = GraphQLArgument(GraphQLString)


def lacked_unread_count(schema: GraphQLSchema) -> None:
    del query_type(schema).fields["unreadNotificationCount"]


def lacked_an_optional_argument(schema: GraphQLSchema) -> None:
    del query_type(schema).fields["clusters"].args["stateId"]


def test_the_current_schema_against_itself_reports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = diff_against(tmp_path, schema_diff.current_sdl(), capsys)
    assert status == 0
    assert out.strip() == f"No breaking changes since {tmp_path / 'previous.graphql'}."


def test_a_removed_field_is_breaking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = diff_against(tmp_path, previous_sdl(had_retired_field), capsys)
    assert status == 1
    assert "Breaking changes since" in out
    assert "FIELD_REMOVED: Field Query.retiredReport was removed." in out
    assert "No breaking changes" not in out


def test_an_argument_made_required_is_breaking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = diff_against(tmp_path, previous_sdl(had_optional_code), capsys)
    assert status == 1
    assert "ARG_CHANGED_KIND" in out
    assert "Query.schemeEnrollmentByCode(code:) has changed type from String to String!" in out


def test_an_added_field_is_not_breaking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = diff_against(tmp_path, previous_sdl(lacked_unread_count), capsys)
    assert status == 0
    assert out.strip().splitlines() == [
        f"No breaking changes since {tmp_path / 'previous.graphql'}."
    ]


def test_an_added_optional_argument_is_only_dangerous(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = diff_against(tmp_path, previous_sdl(lacked_an_optional_argument), capsys)
    assert status == 0
    assert "Dangerous changes since" in out
    assert "OPTIONAL_ARG_ADDED: An optional argument Query.clusters(stateId:) was added." in out
    assert "Breaking changes" not in out


def test_a_required_argument_added_to_a_small_schema() -> None:
    diff = schema_diff.diff_schemas(
        "type Query { plants: [String] }", "type Query { plants(first: Int!): [String] }"
    )
    assert [change.kind for change in diff.breaking] == ["REQUIRED_ARG_ADDED"]
    assert diff.dangerous == []


def test_against_a_git_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--git REV`` reads schema/schema.graphql as committed at REV."""
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "schema.graphql").write_text(previous_sdl(had_retired_field))

    def git(*args: str) -> None:
        subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *args],  # noqa: S607
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", "schema/schema.graphql")
    git("commit", "-q", "-m", "the previous schema")
    (tmp_path / "schema" / "schema.graphql").write_text(schema_diff.current_sdl())
    monkeypatch.setattr(schema_diff, "REPOSITORY", tmp_path)

    status, out, _ = run_cli(["schema-diff", "--git", "HEAD"], capsys)
    assert status == 1
    assert "since HEAD:schema/schema.graphql" in out
    assert "Query.retiredReport was removed" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["schema-diff", "/nonexistent/schema.graphql"], "cannot read /nonexistent"),
        (["schema-diff", "--git", "no-such-revision"], "no-such-revision"),
        (["schema-diff", "--git=--output=x"], "not a revision"),
        (["schema-diff"], "give either a previous SDL file or --git"),
    ],
)
def test_what_cannot_be_compared_exits_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(argv, capsys)
    assert status == 2
    assert out == ""
    assert message in err


def test_an_invalid_previous_sdl_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = diff_against(tmp_path, "type Query { broken", capsys)
    assert status == 2
    assert "the previous SDL is not a valid schema" in err


# --- Against the changelog: breaking changes must be named in its Unreleased section -----

RELEASED = "## [0.1.0] - 2026-11-28\n\nCommit `{commit}`.\n\n### Added\n\n- {released}\n"


def changelog(unreleased: str, commit: str, released: str = "Everything.") -> str:
    return (
        "# Changelog\n\n## [Unreleased]\n\n"
        + unreleased
        + "\n\n"
        + RELEASED.format(commit=commit, released=released)
    )


@pytest.mark.parametrize(
    ("previous", "current", "coordinates"),
    [
        ("type Query { a: Int b: Int }", "type Query { a: Int }", {"Query.b"}),
        ("type Query { a: Int b: Int }", "type Query { a: String b: Int }", {"Query.a"}),
        (
            "type Query { a(x: Int): Int }",
            "type Query { a(x: Int!): Int }",
            {"Query.a(x:)", "Query.a"},
        ),
        (
            "type Query { a: Int }",
            "type Query { a(x: Int!): Int }",
            {"Query.a(x:)", "Query.a"},
        ),
        ("enum E { A B } type Query { e: E }", "enum E { A } type Query { e: E }", {"E.B"}),
        ("type T { a: Int } type Query { a: Int }", "type Query { a: Int }", {"T"}),
        (
            "type A { a: Int } type B { b: Int } union U = A | B type Query { u: U }",
            "type A { a: Int } type B { b: Int } union U = A type Query { u: U b: B }",
            {"U"},
        ),
        (
            "input I { a: Int } type Query { q(i: I): Int }",
            "input I { a: Int b: Int! } type Query { q(i: I): Int }",
            {"I.b"},
        ),
    ],
)
def test_each_breaking_change_has_its_coordinate(
    previous: str, current: str, coordinates: set[str]
) -> None:
    breaking = schema_diff.diff_schemas(previous, current).breaking
    assert len(breaking) == 1, breaking
    assert breaking[0].coordinates == coordinates


def test_the_changelog_names_coordinates_only_in_its_unreleased_section() -> None:
    parsed = changelog_module.parse(
        changelog(
            "- **Breaking:** `User.active` may be null; `Query.plants(first:)` is required.\n"
            "- Run `make lock` and see `docs/api.md`.",
            "da301c7",
            released="`Query.retiredReport` was removed.",
        )
    )
    assert parsed.named == {"User.active", "Query.plants(first:)"}
    assert parsed.release == "0.1.0"
    assert parsed.release_commit == "da301c7"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Changelog\n\n## [0.1.0] - 2026-11-28\n\nCommit `abc1234`.\n", "no `## [Unreleased]`"),
        ("# Changelog\n\n## [Unreleased]\n\n- x\n", "no release section"),
        ("## [Unreleased]\n\n## [0.1.0] - 2026-11-28\n\n- x\n", "does not give its commit"),
    ],
)
def test_a_changelog_without_what_schema_diff_needs_is_refused(text: str, message: str) -> None:
    with pytest.raises(changelog_module.ChangelogError, match=re.escape(message)):
        changelog_module.parse(text)


@pytest.fixture
def released_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A repository whose release had ``Query.retiredReport``, which the code no longer has;
    its commit."""
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "schema.graphql").write_text(previous_sdl(had_retired_field))

    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *args],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    git("init", "-q")
    git("add", "schema/schema.graphql")
    git("commit", "-q", "-m", "the release")
    commit = git("rev-parse", "HEAD")
    (tmp_path / "schema" / "schema.graphql").write_text(schema_diff.current_sdl())
    git("commit", "-q", "-am", "since the release")
    monkeypatch.setattr(schema_diff, "REPOSITORY", tmp_path)
    return tmp_path, commit


@pytest.mark.parametrize(
    ("unreleased", "status"),
    [
        ("- **Breaking:** `Query.retiredReport` is gone: use `packageActivitySummary`.", 0),
        ("- Nothing for clients.", 1),
        ("- **Breaking:** Query.retiredReport is gone (not in backquotes).", 1),
        ("- **Breaking:** `Query.retired` is gone (another coordinate).", 1),
    ],
)
def test_a_breaking_change_since_the_release_fails_unless_unreleased_names_it(
    released_repository: tuple[Path, str],
    capsys: pytest.CaptureFixture[str],
    unreleased: str,
    status: int,
) -> None:
    repository, commit = released_repository
    path = repository / "CHANGELOG.md"
    path.write_text(changelog(unreleased, commit))

    code, out, _ = run_cli(["schema-diff", "--changelog", str(path)], capsys)

    assert code == status
    assert f"since {commit}:schema/schema.graphql" in out
    assert "FIELD_REMOVED: Field Query.retiredReport was removed." in out
    if status:
        assert f"Not named in {path}'s Unreleased section (1)" in out
        assert "(name it as `Query.retiredReport`)" in out
    else:
        assert "Every breaking change is named" in out


def test_naming_it_under_the_release_does_not_count(
    released_repository: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repository, commit = released_repository
    path = repository / "CHANGELOG.md"
    path.write_text(changelog("- Nothing.", commit, released="`Query.retiredReport` removed."))
    assert run_cli(["schema-diff", "--changelog", str(path)], capsys)[0] == 1


def test_an_unreadable_changelog_or_unknown_release_commit_exits_2(
    released_repository: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repository, _ = released_repository
    path = repository / "CHANGELOG.md"
    status, _, err = run_cli(["schema-diff", "--changelog", str(path)], capsys)
    assert status == 2
    assert f"cannot read {path}" in err
    path.write_text(changelog("- Nothing.", "0123456789abcdef"))
    status, _, err = run_cli(["schema-diff", "--changelog", str(path)], capsys)
    assert status == 2
    assert "0123456789abcdef" in err


def test_the_repository_names_every_breaking_change_since_its_last_release(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What `.ci/run` checks: the code's schema against the SDL of the release that
    CHANGELOG.md gives (a clone needs that commit: full history, not a shallow one)."""
    status, out, err = run_cli(["schema-diff", "--changelog", str(ROOT / "CHANGELOG.md")], capsys)
    assert err == ""
    assert status == 0, out


def test_ci_runs_the_check_against_the_changelog() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\nschema-diff:", 1)[1].split("\n\n", 1)[0]
    assert "make schema-diff" in ci
    assert "--changelog CHANGELOG.md" in target
