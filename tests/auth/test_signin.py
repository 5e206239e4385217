"""Sign-in through GraphQL: login, refresh rotation and reuse, logout, bad tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from auth.tokens import issue_access_token
from core.settings import Settings
from models import User
from models.base import utcnow
from tests.conftest import GraphQLClient, error_codes
from tests.factories import PASSWORD, World

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    accessToken accessTokenExpiresAt refreshToken
    user { id name role }
    errors { code message field }
  }
}
"""
REFRESH = """
mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) { accessToken refreshToken errors { code message } }
}
"""
LOGOUT = """
mutation Logout($input: LogoutInput!) { logout(input: $input) { ok errors { code } } }
"""
ME = "{ me { id name role } }"


async def login(client: GraphQLClient, login: str, password: str = PASSWORD) -> dict[str, Any]:
    data = await client.data(LOGIN, {"input": {"login": login, "password": password}})
    result: dict[str, Any] = data["login"]
    return result


async def refresh(client: GraphQLClient, token: str) -> dict[str, Any]:
    data = await client.data(REFRESH, {"input": {"refreshToken": token}})
    result: dict[str, Any] = data["refreshToken"]
    return result


async def test_login_by_email_and_phone_gives_working_tokens(
    client: GraphQLClient, world: World
) -> None:
    user = world.users["csa1"]
    assert user.email and user.phone
    for login_value in (user.email.upper(), user.phone):
        result = await login(client, login_value)
        assert result["errors"] == []
        assert result["user"]["role"] == "CSA"
        me = await client.data(ME, token=result["accessToken"])
        assert me["me"]["name"] == user.name


async def test_wrong_password_and_unknown_login_look_the_same(
    client: GraphQLClient, world: World
) -> None:
    email = world.users["csa1"].email
    assert email
    wrong = await login(client, email, "not the password")
    unknown = await login(client, "nobody@test.gridline")
    for result in (wrong, unknown):
        assert result["accessToken"] is None and result["refreshToken"] is None
        assert [e["code"] for e in result["errors"]] == ["INVALID_CREDENTIALS"]
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]


async def test_inactive_user_cannot_sign_in(client: GraphQLClient, world: World) -> None:
    email = world.users["inactive"].email
    assert email
    result = await login(client, email)
    assert result["accessToken"] is None
    assert [e["code"] for e in result["errors"]] == ["FORBIDDEN"]


async def test_empty_login_is_a_validation_error(client: GraphQLClient, world: World) -> None:
    result = await login(client, "  ", "x")
    assert [e["code"] for e in result["errors"]] == ["VALIDATION"]


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: GraphQLClient, world: World
) -> None:
    email = world.users["tech1"].email
    assert email
    first = await login(client, email)
    second = await refresh(client, first["refreshToken"])
    assert second["errors"] == [] and second["refreshToken"] != first["refreshToken"]
    third = await refresh(client, second["refreshToken"])
    assert third["errors"] == []

    # The first token was already used: presenting it again means it leaked.
    reused = await refresh(client, first["refreshToken"])
    assert [e["code"] for e in reused["errors"]] == ["INVALID_CREDENTIALS"]
    # ... and the whole family is revoked, including the newest token.
    after = await refresh(client, third["refreshToken"])
    assert [e["code"] for e in after["errors"]] == ["INVALID_CREDENTIALS"]

    # Another session of the same user is unaffected.
    other = await login(client, email)
    assert (await refresh(client, other["refreshToken"]))["errors"] == []


async def test_logout_ends_the_session(client: GraphQLClient, world: World) -> None:
    email = world.users["csa1"].email
    assert email
    session = await login(client, email)
    body = await client.data(LOGOUT, {"input": {"refreshToken": session["refreshToken"]}})
    assert body["logout"] == {"ok": True, "errors": []}
    result = await refresh(client, session["refreshToken"])
    assert [e["code"] for e in result["errors"]] == ["INVALID_CREDENTIALS"]


async def test_unknown_refresh_token_is_refused(client: GraphQLClient, world: World) -> None:
    result = await refresh(client, "made-up-token")
    assert [e["code"] for e in result["errors"]] == ["INVALID_CREDENTIALS"]


async def test_refresh_of_a_deactivated_user_is_refused(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    user = world.users["csa1"]
    assert user.email
    session = await login(client, user.email)
    async with db() as s:
        await s.execute(sa.update(User).where(col(User.id) == user.id).values(active=False))
        await s.commit()
    result = await refresh(client, session["refreshToken"])
    assert [e["code"] for e in result["errors"]] == ["INVALID_CREDENTIALS"]
    body = await client.request(ME, token=session["accessToken"])
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_requests_without_a_valid_token_are_unauthenticated(
    client: GraphQLClient, world: World, settings: Settings
) -> None:
    user_id = world.users["csa1"].id
    assert user_id is not None
    expired = issue_access_token(
        user_id, settings, now=utcnow() - timedelta(seconds=settings.access_token_ttl_seconds + 5)
    ).token
    valid = issue_access_token(user_id, settings).token
    header, _payload, signature = valid.split(".")
    tampered_payload = jwt.utils.base64url_encode(
        b'{"sub":"'
        + str(world.users["admin"].id).encode()
        + b'","typ":"access","iat":1,"exp":9999999999}'
    ).decode()
    forged_with_other_key = jwt.encode(
        {"sub": str(user_id), "typ": "access", "iat": 1, "exp": 9999999999},
        "some-other-secret-key-of-enough-length-xx",
        algorithm="HS256",
    )
    for token in (
        None,
        "",
        "garbage",
        expired,
        f"{header}.{tampered_payload}.{signature}",
        forged_with_other_key,
    ):
        body = await client.request(ME, token=token)
        assert error_codes(body) == ["UNAUTHENTICATED"], token
        assert body["data"] is None
    assert (await client.data(ME, token=valid))["me"]["role"] == "CSA"


async def test_a_refresh_token_is_not_an_access_token(client: GraphQLClient, world: World) -> None:
    email = world.users["csa1"].email
    assert email
    session = await login(client, email)
    body = await client.request(ME, token=session["refreshToken"])
    assert error_codes(body) == ["UNAUTHENTICATED"]
