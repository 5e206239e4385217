"""`gridline schema-diff`: breaking changes against a previous SDL fail the command."""

from __future__ import annotations

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

from server import schema_diff
from server.cli import main


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
