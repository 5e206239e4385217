"""The organisation's geography: State > Cluster > Plant."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp_field


class State(SQLModel, table=True):
    """A state of the country; the top of the geography."""

    __tablename__ = "states"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=120)
    created_at: datetime = timestamp_field()


class Cluster(SQLModel, table=True):
    """A group of plants run by one cluster in-charge."""

    __tablename__ = "clusters"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=120)
    state_id: int = Field(foreign_key="states.id", index=True)
    created_at: datetime = timestamp_field()


class Plant(SQLModel, table=True):
    """A mini-grid power plant; every consumer belongs to one."""

    __tablename__ = "plants"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=120)
    cluster_id: int = Field(foreign_key="clusters.id", index=True)
    created_at: datetime = timestamp_field()
