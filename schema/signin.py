"""Sign-in mutations: login, refreshToken, logout."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers import signin as resolvers
from schema.context import Info
from schema.errors import UserError
from schema.mutation import payload_mutation
from schema.staff import User


@strawberry.type(description="Tokens for a signed-in session, or why sign-in failed.")
class AuthPayload:
    access_token: str | None = strawberry.field(
        default=None, description="Send as `Authorization: Bearer <accessToken>`; short-lived."
    )
    access_token_expires_at: datetime | None = None
    refresh_token: str | None = strawberry.field(
        default=None, description="Exchange for new tokens with refreshToken; single use."
    )
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="The result of logout.")
class LogoutPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Who signs in, and their password.")
class LoginInput:
    login: str = strawberry.field(description="Email or E.164 phone number.")
    password: str


@strawberry.input(description="The refresh token to exchange for new tokens.")
class RefreshTokenInput:
    refresh_token: str


@strawberry.input(description="The refresh token whose session ends.")
class LogoutInput:
    refresh_token: str


def _signed_in(signed_in: resolvers.SignedIn) -> AuthPayload:
    return AuthPayload(
        access_token=signed_in.access_token,
        access_token_expires_at=signed_in.access_token_expires_at,
        refresh_token=signed_in.refresh_token,
        user=User.from_model(signed_in.user, detailed=True),
    )


@strawberry.type
class SignInMutation:
    @strawberry.mutation(
        description="Sign in with email or phone and password. No token needed. After "
        "repeated failures it answers TOO_MANY_ATTEMPTS, with `retryAfterSeconds`, "
        "without checking the password."
    )
    @payload_mutation()
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        return _signed_in(await resolvers.login(info.context, input.login, input.password))

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens. Each refresh token works once; "
        "reusing one ends the whole session."
    )
    @payload_mutation()
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> AuthPayload:
        return _signed_in(await resolvers.refresh(info.context, input.refresh_token))

    @strawberry.mutation(description="End the session of this refresh token.")
    @payload_mutation()
    async def logout(self, info: Info, input: LogoutInput) -> LogoutPayload:
        await resolvers.logout(info.context, input.refresh_token)
        return LogoutPayload(ok=True)
