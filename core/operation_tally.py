"""What one operation costs, counted while it runs: SQL statements and user errors.

A context variable holds the running operation's tally, so that every statement sent
from its context (its DataLoader tasks included: context variables follow tasks and
SQLAlchemy's greenlets) is counted against it. ``schema.execution.operation_log`` opens a
tally per operation and logs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class OperationTally:
    """What an operation did, gathered while it runs (shared with its DataLoader tasks)."""

    statements: int = 0
    user_error_codes: list[str] = field(default_factory=list)


_tally: ContextVar[OperationTally | None] = ContextVar("gridline_operation_tally", default=None)


@contextmanager
def tallying() -> Iterator[OperationTally]:
    """Count what the block's context does into a new tally (restored after the block)."""
    tally = OperationTally()
    previous = _tally.get()
    _tally.set(tally)
    try:
        yield tally
    finally:
        # set, not reset: an extension's generator may be resumed in another context
        _tally.set(previous)


def record_user_error(code: str) -> None:
    """A mutation answered with a ``UserError``: counted in the operation's outcome."""
    tally = _tally.get()
    if tally is not None:
        tally.user_error_codes.append(code)


# Called with the SQL of every statement sent on a driver connection directly (compiled
# documents), which SQLAlchemy's events do not see; the tests' statement counter listens.
driver_statement_listeners: list[Callable[[str], None]] = []


def record_statement(sql: str) -> None:
    """A statement sent without SQLAlchemy (see ``schema.execution.compiled.statements``)."""
    tally = _tally.get()
    if tally is not None:
        tally.statements += 1
    for listener in driver_statement_listeners:
        listener(sql)


def count_statements(engine: AsyncEngine) -> None:
    """Count the SQL statements of the operation running when each one is sent."""

    def before_cursor_execute(*_: Any) -> None:
        tally = _tally.get()
        if tally is not None:
            tally.statements += 1

    sa.event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)
