"""Argon2id password hashing (OWASP's first choice), off the event loop."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2-cffi's defaults follow RFC 9106's recommendations


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash checked when the login is unknown, so that unknown and known logins take the
# same time and response timing does not reveal which accounts exist.
_DUMMY_HASH = hash_password("gridline-timing-equaliser")


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """Verify in a worker thread: Argon2 is deliberately slow and would stall the loop."""
    if password_hash is None:
        await asyncio.to_thread(verify_password, _DUMMY_HASH, password)
        return False
    return await asyncio.to_thread(verify_password, password_hash, password)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)
