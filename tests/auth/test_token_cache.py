"""Verified access tokens are remembered until they expire, and only those very tokens."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import jwt
import pytest

from auth import tokens
from core.settings import Settings
from models.base import utcnow


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the signature checks."""
    calls: list[int] = []
    real = jwt.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return calls


def test_a_token_is_verified_once(settings: Settings, decodes: list[int]) -> None:
    token = tokens.issue_access_token(4242, settings).token
    assert tokens.user_id_from_access_token(token, settings) == 4242
    assert tokens.user_id_from_access_token(token, settings) == 4242
    assert len(decodes) == 1


async def test_a_remembered_token_still_expires(settings: Settings) -> None:
    # Issued so that it has one second left.
    ttl = settings.access_token_ttl_seconds
    issued = tokens.issue_access_token(4243, settings, now=utcnow() - timedelta(seconds=ttl - 1))
    assert tokens.user_id_from_access_token(issued.token, settings) == 4243
    await asyncio.sleep(1.2)
    with pytest.raises(tokens.InvalidTokenError):
        tokens.user_id_from_access_token(issued.token, settings)


def test_only_the_verified_token_is_remembered(settings: Settings) -> None:
    token = tokens.issue_access_token(4244, settings, now=utcnow()).token
    tokens.user_id_from_access_token(token, settings)
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(tokens.InvalidTokenError):
        tokens.user_id_from_access_token(tampered, settings)
    other_key = settings.model_copy(
        update={"secret_key": "another-secret-key-long-enough-for-hs256"}
    )
    with pytest.raises(tokens.InvalidTokenError):
        tokens.user_id_from_access_token(token, other_key)
