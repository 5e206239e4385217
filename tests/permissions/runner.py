"""Runs one row of the matrix: every caller, in and out of scope, against one world.

Cells whose expected outcome is a refusal (or FILTERED) go first: their targets are made
together, and for a mutation every one of those calls must leave the database as it was.
Then each allowed cell makes its own target and is called. Within each group, cells out of
scope go before cells in scope. Every cell that differs from
the table is collected, so that a failure shows them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from tests.permissions.model import Caller, Cell, Kind, Outcome, Row, Scope
from tests.permissions.targets import Env

Snapshot = dict[str, list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Mismatch:
    """One cell that did not answer as the table says."""

    row: Row
    caller: Caller
    scope: Scope
    expected: str
    observed: str
    detail: str

    def line(self) -> str:
        return (
            f"{self.row.name:<38} {self.caller.label:<17} {self.scope.value:<4} "
            f"expected {self.expected:<16} got {self.observed:<16} {self.detail}"
        )


def report(mismatches: list[Mismatch]) -> str:
    """The mismatches as a table, one line per cell."""
    header = f"{'operation':<38} {'caller':<17} {'scope':<4} outcome"
    return "\n".join(
        [f"{len(mismatches)} cell(s) differ from the matrix:", header]
        + [m.line() for m in mismatches]
    )


def observe(row: Row, body: dict[str, Any], cell: Cell) -> tuple[str, str]:
    """The outcome of one call, and a word on why.

    A refusal is either a GraphQL error with ``extensions.code`` (permission classes,
    UNAUTHENTICATED) or, for a mutation, a ``UserError`` in the payload's ``errors``.
    """
    errors = body.get("errors")
    if errors:
        codes = sorted({str((e.get("extensions") or {}).get("code")) for e in errors})
        return "+".join(codes), str(errors[0].get("message"))
    data = body["data"][row.field]
    if row.kind is Kind.MUTATION:
        user_errors = data.get("errors") or []
        if user_errors:
            codes = sorted({str(e["code"]) for e in user_errors})
            return "+".join(codes), str(user_errors[0].get("message"))
    if row.sees is not None and not row.sees(data, cell):
        return Outcome.FILTERED, "answered without the target"
    return Outcome.ALLOWED, ""


async def snapshot(db: async_sessionmaker[AsyncSession]) -> Snapshot:
    """Every row of every table (the worlds are small)."""
    rows: Snapshot = {}
    async with db() as session:
        for table in SQLModel.metadata.sorted_tables:
            result = await session.execute(sa.select(table))
            rows[table.name] = sorted((tuple(r) for r in result), key=repr)
    return rows


def changed_tables(before: Snapshot, after: Snapshot, allowed: frozenset[str]) -> list[str]:
    return sorted(name for name in before if before[name] != after[name] and name not in allowed)


async def call(env: Env, row: Row, caller: Caller, cell: Cell) -> dict[str, Any]:
    token = env.world.token(caller.user) if caller.user is not None else None
    return await env.client.request(row.document, cell.variables, token=token)


async def run_subscription_row(env: Env, row: Row) -> list[Mismatch]:
    """Every cell of a subscription row, each on its own connection."""
    from tests.permissions.live import observe_live

    mismatches = []
    for caller, scope in row.cells():
        want = row.expected(caller, scope)
        observed, detail = await observe_live(env, row, caller, scope)
        if observed != want:
            mismatches.append(Mismatch(row, caller, scope, want, observed, detail))
    return mismatches


async def run_row(env: Env, row: Row) -> list[Mismatch]:
    """Every cell of ``row``; the cells that differ from the table."""
    if row.kind is Kind.SUBSCRIPTION:
        return await run_subscription_row(env, row)
    # Out of scope first, so that a target made for an in-scope cell (the caller's own
    # notification, say) cannot hide a leak out of scope.
    cells = sorted(row.cells(), key=lambda cell: cell[1] is not Scope.OUT)
    expected = {(caller, scope): row.expected(caller, scope) for caller, scope in cells}
    mismatches: list[Mismatch] = []

    def judge(caller: Caller, scope: Scope, observed: str, detail: str) -> None:
        want = expected[(caller, scope)]
        if observed != want:
            mismatches.append(Mismatch(row, caller, scope, want, observed, detail))

    refused = [cell for cell, outcome in expected.items() if outcome != Outcome.ALLOWED]
    prepared = {key: await row.prepare(env, *key) for key in refused}
    is_mutation = row.kind is Kind.MUTATION
    before = await snapshot(env.db) if is_mutation and refused else {}
    for caller, scope in refused:
        cell = prepared[(caller, scope)]
        judge(caller, scope, *observe(row, await call(env, row, caller, cell), cell))
        if is_mutation:
            after = await snapshot(env.db)
            changed = changed_tables(before, after, row.refusal_writes)
            if changed:
                mismatches.append(
                    Mismatch(
                        row,
                        caller,
                        scope,
                        "no change",
                        "CHANGED",
                        f"a refused call wrote to {', '.join(changed)}",
                    )
                )
            before = after

    for caller, scope in expected:
        if expected[(caller, scope)] != Outcome.ALLOWED:
            continue
        cell = await row.prepare(env, caller, scope)
        judge(caller, scope, *observe(row, await call(env, row, caller, cell), cell))
    return mismatches
