"""Signing in and out: password login (throttled and audited), refresh-token rotation with
reuse detection."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.passwords import verify_password_async
from auth.throttle import (
    NO_FAILURES,
    Attempt,
    FailureStreak,
    required_wait,
    whole_seconds,
)
from auth.tokens import issue_access_token, new_refresh_token, refresh_token_hash
from core.db import write_session
from core.settings import Settings
from models.base import UTCDateTime, utcnow
from models.signin import (
    CLIENT_ADDRESS_MAX_LENGTH,
    LOGIN_MAX_LENGTH,
    USER_AGENT_MAX_LENGTH,
    SignInAttempt,
    SignInOutcome,
)
from models.staff import RefreshToken, User
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode

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
    """Exchange a login (email or phone) and password for tokens.

    Three steps, so that no lock is held while Argon2 runs:

    1. One short write transaction decides whether the attempt is throttled and records
       it, as WRONG_CREDENTIALS until proven otherwise (the rules: ``auth.throttle``).
       Attempts on the same account or from the same address are serialised here
       (SQLite: BEGIN IMMEDIATE; PostgreSQL: advisory locks), so each one counts the
       failures of all that came before, including those still being checked: a
       parallel burst gets exactly the free attempts, not one each.
    2. A throttled attempt is refused without checking the password; others are checked.
    3. A right password changes the recorded outcome and issues the tokens.
    """
    key = normalise_login(login)
    if not key or not password:
        raise DomainError(ErrorCode.VALIDATION, "Give a login and a password.", ["login"])
    if len(key) > LOGIN_MAX_LENGTH:
        raise DomainError(ErrorCode.VALIDATION, "This login is too long.", ["login"])
    admitted = await _admit_attempt(ctx, key)
    if admitted.retry_after_seconds is not None:
        raise DomainError(
            ErrorCode.TOO_MANY_ATTEMPTS,
            f"Too many failed sign-ins. Wait {_seconds(admitted.retry_after_seconds)} "
            "and try again.",
            retry_after_seconds=admitted.retry_after_seconds,
        )
    # Unknown logins are checked against a dummy hash: the same time as a wrong password.
    if not await verify_password_async(admitted.password_hash, password):
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS)
    return await _complete_sign_in(ctx, admitted)


@dataclass(frozen=True, slots=True)
class _Admitted:
    """A recorded attempt: refused (with the wait), or to be checked against the hash."""

    attempt_id: int
    user_id: int | None
    password_hash: str | None
    retry_after_seconds: int | None


async def _admit_attempt(ctx: RequestContext, key: str) -> _Admitted:
    settings = ctx.settings
    address = _clip(ctx.client_address, CLIENT_ADDRESS_MAX_LENGTH)
    column = col(User.email) if "@" in key else col(User.phone)
    async with write_session(ctx.sessions) as session:
        user = (await session.execute(sa.select(User).where(column == key))).scalar_one_or_none()
        if not settings.is_sqlite:
            await _lock_keys(session, _account_lock(key, user), address)
        # Read once the locks are held, so that attempts' times follow their order.
        now = utcnow()
        account = _AccountAttempts(user.id if user else None, key, now, settings)
        trusted = False
        stranger_failures: list[datetime] = []
        if address is not None and await account.trusts(session, address):
            # The owner's own device (or at least address): strangers do not slow it.
            trusted = True
            streak = await _failure_streak(session, account.from_address(address), now, settings)
        else:
            strangers = account.from_strangers()
            streak = await _failure_streak(session, strangers, now, settings, account.matches)
            stranger_failures = await _recent_failures(session, strangers, now, settings)
        by_address = (
            await _failure_streak(
                session, col(SignInAttempt.client_address) == address, now, settings
            )
            if address is not None
            else NO_FAILURES
        )
        wait = required_wait(Attempt(trusted, streak, stranger_failures, by_address), settings, now)
        attempt = SignInAttempt(
            attempted_at=now,
            login=key,
            user_id=user.id if user else None,
            client_address=address,
            user_agent=_clip(ctx.user_agent, USER_AGENT_MAX_LENGTH),
            outcome=SignInOutcome.THROTTLED if wait else SignInOutcome.WRONG_CREDENTIALS,
        )
        session.add(attempt)
        await session.flush()
    assert attempt.id is not None  # noqa: S101 - flushed
    return _Admitted(
        attempt_id=attempt.id,
        user_id=user.id if user else None,
        password_hash=user.password_hash if user else None,
        retry_after_seconds=whole_seconds(wait) if wait else None,
    )


@dataclass(frozen=True, slots=True)
class _AccountAttempts:
    """The recorded attempts of one account: a user's whichever login was typed, or, for a
    login that names no user, that login's."""

    user_id: int | None
    login: str
    now: datetime
    settings: Settings

    @property
    def matches(self) -> sa.ColumnElement[bool]:
        if self.user_id is not None:
            return col(SignInAttempt.user_id) == self.user_id
        return sa.and_(col(SignInAttempt.login) == self.login, col(SignInAttempt.user_id).is_(None))

    def trusted_addresses(self) -> sa.Select[str | None]:
        trusted_since = self.now - timedelta(days=self.settings.signin_trusted_address_days)
        return sa.select(col(SignInAttempt.client_address)).where(
            col(SignInAttempt.user_id) == self.user_id,
            col(SignInAttempt.outcome) == SignInOutcome.SUCCEEDED,
            col(SignInAttempt.attempted_at) > trusted_since,
            col(SignInAttempt.client_address).is_not(None),
        )

    async def trusts(self, session: AsyncSession, address: str) -> bool:
        if self.user_id is None:
            return False
        query = sa.select(
            sa.exists(self.trusted_addresses().where(col(SignInAttempt.client_address) == address))
        )
        return bool((await session.execute(query)).scalar_one())

    def from_address(self, address: str) -> sa.ColumnElement[bool]:
        return sa.and_(self.matches, col(SignInAttempt.client_address) == address)

    def from_strangers(self) -> sa.ColumnElement[bool]:
        if self.user_id is None:
            return self.matches
        address = col(SignInAttempt.client_address)
        return sa.and_(
            self.matches,
            sa.or_(address.is_(None), address.not_in(self.trusted_addresses())),
        )


async def _complete_sign_in(ctx: RequestContext, admitted: _Admitted) -> SignedIn:
    """After a right password: record the outcome; tokens unless the account is deactivated."""
    assert admitted.user_id is not None  # noqa: S101 - only a known user's hash can match
    async with write_session(ctx.sessions) as session:
        user = await session.get(User, admitted.user_id)
        # Changed while the password was being checked: the password checked is not current.
        if user is None or user.password_hash != admitted.password_hash:
            outcome = SignInOutcome.WRONG_CREDENTIALS
        else:
            outcome = SignInOutcome.SUCCEEDED if user.active else SignInOutcome.DEACTIVATED
        await session.execute(
            sa.update(SignInAttempt)
            .where(col(SignInAttempt.id) == admitted.attempt_id)
            .values(outcome=outcome)
        )
        if outcome is SignInOutcome.SUCCEEDED:
            assert user is not None  # noqa: S101 - SUCCEEDED implies a user
            return await _issue(session, ctx, user, str(uuid.uuid4()))
    # Refused only after the block, so that the recorded outcome is committed.
    if outcome is SignInOutcome.DEACTIVATED:
        raise DomainError(
            ErrorCode.FORBIDDEN, "This account is deactivated; ask your administrator."
        )
    raise DomainError(ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS)


async def _failure_streak(
    session: AsyncSession,
    failures: sa.ColumnElement[bool],
    now: datetime,
    settings: Settings,
    reset_by: sa.ColumnElement[bool] | None = None,
) -> FailureStreak:
    """Failures matching ``failures`` after the last success matching ``reset_by`` (the
    same attempts unless given), within the failure window."""
    since = now - timedelta(seconds=settings.signin_failure_window_seconds)
    attempted_at = col(SignInAttempt.attempted_at)
    outcome = col(SignInAttempt.outcome)
    last_success = (
        sa.select(sa.func.max(attempted_at))
        .where(
            failures if reset_by is None else reset_by,
            outcome == SignInOutcome.SUCCEEDED,
            attempted_at > since,
        )
        .scalar_subquery()
    )
    count, last_failure_at = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.max(attempted_at)).where(
                failures,
                outcome == SignInOutcome.WRONG_CREDENTIALS,
                attempted_at > sa.func.coalesce(last_success, sa.literal(since, UTCDateTime)),
            )
        )
    ).one()
    return FailureStreak(count=count, last_failure_at=last_failure_at)


async def _recent_failures(
    session: AsyncSession, failures: sa.ColumnElement[bool], now: datetime, settings: Settings
) -> list[datetime]:
    """The latest failures within the strangers' window, newest first (as many as count)."""
    since = now - timedelta(seconds=settings.signin_stranger_window_seconds)
    attempted_at = col(SignInAttempt.attempted_at)
    rows = await session.execute(
        sa.select(attempted_at)
        .where(
            failures,
            col(SignInAttempt.outcome) == SignInOutcome.WRONG_CREDENTIALS,
            attempted_at > since,
        )
        .order_by(attempted_at.desc())
        .limit(settings.signin_stranger_failures_per_window)
    )
    return list(rows.scalars())


def _account_lock(login: str, user: User | None) -> str:
    return f"user:{user.id}" if user is not None else f"login:{login}"


async def _lock_keys(session: AsyncSession, account: str, address: str | None) -> None:
    """PostgreSQL: serialise attempts on this account and this address until commit.

    Taken in a fixed order, so that two attempts needing the same two locks cannot
    deadlock. A hash collision only serialises two unrelated keys, harmlessly.
    """
    keys = [_lock_id("account", account)]
    if address is not None:
        keys.append(_lock_id("address", address))
    for lock_id in sorted(keys):
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_id)))


def _lock_id(kind: str, value: str) -> int:
    """A stable 64-bit advisory lock id (the same in every process, unlike ``hash``)."""
    digest = hashlib.blake2b(f"gridline.signin.{kind}:{value}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _seconds(count: int) -> str:
    return "1 second" if count == 1 else f"{count} seconds"


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
