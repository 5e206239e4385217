"""Signing in and out: password login, refresh-token rotation with reuse detection."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.passwords import verify_password_async
from auth.tokens import issue_access_token, new_refresh_token, refresh_token_hash
from models.base import utcnow
from models.users import RefreshToken, User
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode
from server.db import write_session

WRONG_CREDENTIALS = "Wrong login or password."
UNUSABLE_REFRESH_TOKEN = "This session has ended; sign in again."  # noqa: S105 - a message


@dataclass(frozen=True, slots=True)
class SignedIn:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    user: User


def normalise_login(login: str) -> str:
    """Emails compare case-insensitively; phones as typed in E.164 (spaces removed)."""
    login = login.strip()
    return login.lower() if "@" in login else login.replace(" ", "").replace("-", "")


async def _issue(
    session: AsyncSession, ctx: RequestContext, user: User, family_id: str
) -> SignedIn:
    assert user.id is not None  # noqa: S101 - a loaded row has an id
    now = utcnow()
    refresh = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=refresh_token_hash(refresh),
            created_at=now,
            expires_at=now + timedelta(seconds=ctx.settings.refresh_token_ttl_seconds),
        )
    )
    access = issue_access_token(user.id, ctx.settings, now=now)
    return SignedIn(access.token, access.expires_at, refresh, user)


async def login(ctx: RequestContext, login: str, password: str) -> SignedIn:
    """Exchange a login (email or phone) and password for tokens."""
    key = normalise_login(login)
    if not key or not password:
        raise DomainError(ErrorCode.VALIDATION, "Give a login and a password.", ["login"])
    column = col(User.email) if "@" in key else col(User.phone)
    async with write_session(ctx.sessions) as session:
        user = (await session.execute(sa.select(User).where(column == key))).scalar_one_or_none()
        password_ok = await verify_password_async(user.password_hash if user else None, password)
        if user is None or not password_ok:
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS)
        if not user.active:
            raise DomainError(
                ErrorCode.FORBIDDEN, "This account is deactivated; ask your administrator."
            )
        return await _issue(session, ctx, user, str(uuid.uuid4()))


async def _revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


async def refresh(ctx: RequestContext, token: str) -> SignedIn:
    """Rotate a refresh token. Presenting a used one revokes its whole family."""
    now = utcnow()
    async with write_session(ctx.sessions) as session:
        stored = (
            await session.execute(
                sa.select(RefreshToken).where(
                    col(RefreshToken.token_hash) == refresh_token_hash(token)
                )
            )
        ).scalar_one_or_none()
        if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, UNUSABLE_REFRESH_TOKEN)
        # Guarded: of two concurrent uses of one token, exactly one marks it used.
        marked = await session.execute(
            sa.update(RefreshToken)
            .where(col(RefreshToken.id) == stored.id, col(RefreshToken.used_at).is_(None))
            .values(used_at=now)
        )
        user = await session.get(User, stored.user_id)
        if marked.rowcount == 1 and user is not None and user.active:  # type: ignore[attr-defined]
            return await _issue(session, ctx, user, stored.family_id)
        await _revoke_family(session, stored.family_id, now)
    # Refused only after the block, so that the revocation above is committed.
    raise DomainError(ErrorCode.INVALID_CREDENTIALS, UNUSABLE_REFRESH_TOKEN)


async def logout(ctx: RequestContext, token: str) -> None:
    """End the session the refresh token belongs to (all its tokens). Unknown: no-op."""
    async with write_session(ctx.sessions) as session:
        family_id = (
            await session.execute(
                sa.select(col(RefreshToken.family_id)).where(
                    col(RefreshToken.token_hash) == refresh_token_hash(token)
                )
            )
        ).scalar_one_or_none()
        if family_id is not None:
            await _revoke_family(session, family_id, utcnow())
