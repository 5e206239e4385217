"""schema/schema.graphql is the exported SDL, kept in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import build_schema, find_breaking_changes
from strawberry.printer import print_schema

from schema import schema

SDL_PATH = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def test_exported_sdl_is_up_to_date() -> None:
    assert SDL_PATH.read_text() == print_schema(schema) + "\n", (
        "schema/schema.graphql is stale: run `make schema` and review the diff"
    )


def test_contract_fields_of_api_md_exist() -> None:
    sdl = build_schema(SDL_PATH.read_text())
    query_fields = sdl.query_type.fields if sdl.query_type else {}
    for name in (
        "me",
        "node",
        "nodes",
        "states",
        "clusters",
        "plants",
        "consumers",
        "packages",
        "users",
    ):
        assert name in query_fields, name
    mutation_fields = sdl.mutation_type.fields if sdl.mutation_type else {}
    for name in ("login", "refreshToken", "logout"):
        assert name in mutation_fields, name


def test_breaking_change_detection_works_on_our_sdl() -> None:
    old = build_schema(SDL_PATH.read_text())
    # The field and its description go.
    removed = re.sub(
        r'(  """[^\n]*"""\n)?  accountNumber: String!\n', "", SDL_PATH.read_text(), count=1
    )
    new = build_schema(removed)
    changes = find_breaking_changes(old, new)
    assert any("accountNumber" in change.description for change in changes)
