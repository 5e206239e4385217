"""Administration mutations: the documents the tests send, and helpers to check results."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schema.relay import encode_id
from tests.conftest import GraphQLClient

ERRORS = "errors { code message field }"

# What each mutation returns, so that a test sees the saved object as a client would.
SELECTIONS = {
    "State": "state { id code name clusters { id } }",
    "Cluster": "cluster { id code name state { id } }",
    "Plant": "plant { id code name cluster { id } }",
    "Package": "package { id code name loadWatts monthlyFee { amount currency } active }",
    "Consumer": (
        "consumer { id accountNumber name phone status connectedAt plant { id } package { id } }"
    ),
    "User": "user { id name email phone role active plants { id } cluster { id } state { id } }",
}


def _document(name: str, object_type: str) -> str:
    input_type = name[0].upper() + name[1:] + "Input"
    return (
        f"mutation Admin($input: {input_type}!) {{\n"
        f"  {name}(input: $input) {{ {SELECTIONS[object_type]} {ERRORS} }}\n"
        "}"
    )


MUTATIONS: dict[str, str] = {
    name: _document(name, object_type)
    for object_type in SELECTIONS
    for name in (f"create{object_type}", f"update{object_type}")
}

LOGIN = """
mutation Login($i: LoginInput!) {
  login(input: $i) { accessToken refreshToken errors { code } }
}
"""
REFRESH = """
mutation Refresh($i: RefreshTokenInput!) {
  refreshToken(input: $i) { accessToken refreshToken errors { code } }
}
"""
ME = "{ me { id } }"

# Every table an administration mutation may write.
TABLES = (
    "states",
    "clusters",
    "plants",
    "packages",
    "consumers",
    "consumer_history",
    "users",
    "user_plants",
    "refresh_tokens",
)


def gid(type_name: str, row_id: int | None) -> str:
    assert row_id is not None
    return encode_id(type_name, row_id)


async def mutate(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str | None
) -> dict[str, Any]:
    """The payload of mutation ``name``; fails on GraphQL errors."""
    data = await client.data(MUTATIONS[name], {"input": input}, token=token)
    payload: dict[str, Any] = data[name]
    return payload


async def mutate_ok(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str
) -> dict[str, Any]:
    """The object a successful mutation saved."""
    payload = await mutate(client, name, input, token=token)
    assert payload["errors"] == [], payload["errors"]
    (saved,) = (value for key, value in payload.items() if key != "errors")
    assert saved is not None
    result: dict[str, Any] = saved
    return result


async def refused(
    client: GraphQLClient, name: str, input: dict[str, Any], *, token: str
) -> dict[str, Any]:
    """The one UserError of a refused mutation (which returns no object)."""
    payload = await mutate(client, name, input, token=token)
    assert len(payload["errors"]) == 1, payload
    assert all(value is None for key, value in payload.items() if key != "errors"), payload
    error: dict[str, Any] = payload["errors"][0]
    return error


async def snapshot(db: async_sessionmaker[AsyncSession]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables administration writes, to show that nothing changed."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with db() as session:
        for table in TABLES:
            result = await session.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608
            rows[table] = sorted((tuple(row) for row in result), key=repr)
    return rows
