"""Automatic persisted queries: documents clients registered by their sha256 (Apollo's
APQ), shared by every worker and bounded (``core.persisted_queries`` evicts the least
recently used)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime

SHA256_HEX_LENGTH = 64


class PersistedQuery(SQLModel, table=True):
    """One document, by the sha256 of its exact text."""

    __tablename__ = "persisted_queries"

    sha256: str = Field(primary_key=True, max_length=SHA256_HEX_LENGTH)
    document: str = Field(sa_type=sa.Text)
    last_used_at: datetime = Field(sa_type=UTCDateTime, index=True)
