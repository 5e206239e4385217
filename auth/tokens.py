"""Access tokens (short-lived JWTs) and refresh tokens (opaque, stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from core.settings import Settings
from models.base import utcnow

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
REFRESH_TOKEN_BYTES = 32


class InvalidTokenError(Exception):
    """The token is missing, malformed, tampered with, expired or not an access token."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue_access_token(
    user_id: int, settings: Settings, *, now: datetime | None = None
) -> IssuedToken:
    issued_at = now or utcnow()
    expires_at = issued_at + timedelta(seconds=settings.access_token_ttl_seconds)
    claims = {
        "sub": str(user_id),
        "typ": ACCESS_TOKEN_TYPE,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return IssuedToken(jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), expires_at)


# Tokens already verified, with their user and expiry: a client sends the same token
# with every request for its lifetime, and checking the signature again each time cost
# about a sixth of a compiled document's time. Keyed by the whole token and secret, so only
# the very token that was verified is answered from here, and never after it expires.
_VERIFIED: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()
VERIFIED_KEPT = 10_000


def user_id_from_access_token(token: str, settings: Settings) -> int:
    """The user the token was issued to, if it is a valid, unexpired access token."""
    key = (token, settings.secret_key)
    known = _VERIFIED.get(key)
    if known is not None:
        user_id, expires = known
        if time.time() < expires:
            return user_id
        del _VERIFIED[key]
    user_id, expires = _verify(token, settings)
    _VERIFIED[key] = (user_id, expires)
    if len(_VERIFIED) > VERIFIED_KEPT:
        _VERIFIED.popitem(last=False)
    return user_id


def _verify(token: str, settings: Settings) -> tuple[int, float]:
    """The token's user and expiry (seconds since the epoch), if it is a valid access token."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat", "typ"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidTokenError(str(error)) from error
    if claims.get("typ") != ACCESS_TOKEN_TYPE:
        raise InvalidTokenError("not an access token")
    try:
        return int(claims["sub"]), float(claims["exp"])
    except (TypeError, ValueError) as error:
        raise InvalidTokenError("malformed subject") from error


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` value, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def refresh_token_hash(token: str) -> str:
    """Refresh tokens are random and long, so a plain SHA-256 suffices to store them."""
    return hashlib.sha256(token.encode()).hexdigest()
