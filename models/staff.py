"""Staff accounts, the plants they work at, and their sign-in sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type, timestamp_field


class Role(StrEnum):
    """A staff member's designation; it decides both what they may do and their scope."""

    OPERATOR = "OPERATOR"
    TECHNICIAN = "TECHNICIAN"
    CSA = "CSA"
    CLUSTER_INCHARGE = "CLUSTER_INCHARGE"
    STATE_INCHARGE = "STATE_INCHARGE"
    ADMIN = "ADMIN"


# Roles whose scope is a list of plants (the user_plants table).
PLANT_ROLES = frozenset({Role.OPERATOR, Role.TECHNICIAN, Role.CSA})


class User(SQLModel, table=True):
    """A member of staff. Signs in with email or phone; scope follows from the role."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_login"),
        sa.CheckConstraint(
            "(role = 'CLUSTER_INCHARGE') = (cluster_id IS NOT NULL)", name="cluster_scope"
        ),
        sa.CheckConstraint(
            "(role = 'STATE_INCHARGE') = (state_id IS NOT NULL)", name="state_scope"
        ),
        sa.Index("ix_users_role_active", "role", "active"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=254, unique=True)
    phone: str | None = Field(default=None, max_length=16, unique=True)
    role: Role = Field(sa_type=enum_type(Role))
    password_hash: str = Field(max_length=255)
    active: bool = Field(default=True)
    cluster_id: int | None = Field(default=None, foreign_key="clusters.id", index=True)
    state_id: int | None = Field(default=None, foreign_key="states.id", index=True)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class UserPlant(SQLModel, table=True):
    """A plant an operator, technician or CSA works at."""

    __tablename__ = "user_plants"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    plant_id: int = Field(foreign_key="plants.id", primary_key=True, index=True)


class RefreshToken(SQLModel, table=True):
    """One refresh token of a sign-in session ("family"); rotated on every use.

    Only a hash of the token is stored. Presenting a token that was already used
    means it leaked: the whole family is revoked.
    """

    __tablename__ = "refresh_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    family_id: str = Field(max_length=36, index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
