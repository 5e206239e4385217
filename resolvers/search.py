"""Case-insensitive text search that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

MAX_SEARCH_LENGTH = 100


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def normalise_search(text: str) -> str:
    return " ".join(text.split())[:MAX_SEARCH_LENGTH]


def contains_pattern(text: str) -> str:
    """The LIKE pattern of :func:`contains_text` (for the lower-cased column)."""
    return f"%{_escape_like(normalise_search(text).lower())}%"


def prefix_pattern(text: str) -> str:
    """The LIKE pattern of :func:`starts_with`."""
    return f"{_escape_like(text)}%"


def contains_text(column: Any, text: str) -> Any:
    """``column`` contains ``text``, ignoring case; wildcards in ``text`` match literally."""
    return sa.func.lower(column).like(contains_pattern(text), escape="\\")


def starts_with(column: Any, text: str) -> Any:
    """``column`` begins with ``text`` (can use a plain index)."""
    return column.like(prefix_pattern(text), escape="\\")
