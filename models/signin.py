"""The audit of sign-in attempts, which is also what sign-in throttling counts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import BigIntId, UTCDateTime, enum_type

LOGIN_MAX_LENGTH = 254  # the longest email a user may have (RFC 5321)
CLIENT_ADDRESS_MAX_LENGTH = 64  # an IPv6 address with a zone index fits
USER_AGENT_MAX_LENGTH = 255  # enough to recognise the app and its version


class SignInOutcome(StrEnum):
    """How a sign-in attempt ended."""

    SUCCEEDED = "SUCCEEDED"
    # Unknown login or wrong password (user_id tells which). An attempt is recorded as
    # this before its password is checked, and changed once it is known to be otherwise.
    WRONG_CREDENTIALS = "WRONG_CREDENTIALS"
    DEACTIVATED = "DEACTIVATED"  # right password, deactivated account
    THROTTLED = "THROTTLED"  # refused before the password was checked


class SignInAttempt(SQLModel, table=True):
    """One attempt to sign in with a login and password, whatever its outcome."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        # The throttle's two lookups: recent attempts of a login, of an address.
        sa.Index("ix_sign_in_attempts_login_attempted_at", "login", "attempted_at"),
        sa.Index(
            "ix_sign_in_attempts_client_address_attempted_at", "client_address", "attempted_at"
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntId)
    attempted_at: datetime = Field(sa_type=UTCDateTime)
    login: str = Field(max_length=LOGIN_MAX_LENGTH, description="As normalised for lookup.")
    user_id: int | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="SET NULL"
    )
    client_address: str | None = Field(default=None, max_length=CLIENT_ADDRESS_MAX_LENGTH)
    user_agent: str | None = Field(default=None, max_length=USER_AGENT_MAX_LENGTH)
    outcome: SignInOutcome = Field(sa_type=enum_type(SignInOutcome))
