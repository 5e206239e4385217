"""What the permission matrix is made of: callers, scopes, outcomes, rows and cells.

A row is one root field. Its rule (who may use it, and what happens out of scope) gives
the expected outcome of every cell, caller by scope, the way DESIGN.md's "Organisation and
people" states it:

- not signed in, or signed in as a deactivated user: UNAUTHENTICATED;
- a role the field is not for: FORBIDDEN, whatever the target (the role is checked first);
- a target outside the caller's scope: the row's ``out_of_scope`` answer (NOT_FOUND from a
  mutation, FILTERED from a query: existence does not leak), except for the roles whose
  scope is everything (ADMIN);
- otherwise ALLOWED.

Cells that differ from the rule are listed in the row's ``exceptions``, each with its reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from models.staff import Role

if TYPE_CHECKING:
    from tests.permissions.targets import Env


class Outcome(StrEnum):
    """What a cell may answer. Other error codes (VALIDATION, INVALID_CREDENTIALS, ...)
    are outcomes too, written as their code."""

    ALLOWED = "ALLOWED"  # data and no error (a mutation: no UserError)
    FILTERED = "FILTERED"  # answered, without the target: absent from a list, null, not counted
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"


class Kind(StrEnum):
    """The root type a field belongs to."""

    QUERY = "Query"
    MUTATION = "Mutation"
    SUBSCRIPTION = "Subscription"


class Scope(StrEnum):
    """Where the target lies for the caller. ``ANY``: a field where scope plays no part
    (the catalogue, administration: one column per caller only)."""

    IN = "in"
    OUT = "out"
    ANY = "any"


@dataclass(frozen=True)
class Caller:
    """One column of the matrix: who sends the request, and with which token."""

    label: str
    user: str | None  # the World user whose token is sent; None: no token
    role: Role | None  # None: the token does not sign anyone in

    @property
    def signed_in(self) -> bool:
        return self.role is not None


# One user per role, all working on plant1 (world.plants[0]): csa1, tech1 and operator1 at
# it, cluster1 over its cluster, state1 over its state. plant4 (world.plants[3], another
# state) lies outside the scope of all of them, and inside an ADMIN's.
CALLERS: tuple[Caller, ...] = (
    Caller("anonymous", None, None),
    Caller("ADMIN", "admin", Role.ADMIN),
    Caller("STATE_INCHARGE", "state1", Role.STATE_INCHARGE),
    Caller("CLUSTER_INCHARGE", "cluster1", Role.CLUSTER_INCHARGE),
    Caller("CSA", "csa1", Role.CSA),
    Caller("TECHNICIAN", "tech1", Role.TECHNICIAN),
    Caller("OPERATOR", "operator1", Role.OPERATOR),
    Caller("deactivated", "inactive", None),  # a CSA of plant1 whose account was deactivated
)
CALLER_BY_LABEL = {caller.label: caller for caller in CALLERS}

# Every active user of the world (tests/factories.build_world), by name: each role once in
# state1, and state2, cluster2, csa3 (plant3) and tech4 (plant4, state2) as well, so that
# a test trying each of them meets most roles both in and out of a target's scope.
WORLD_USERS: tuple[str, ...] = (
    "admin",
    "state1",
    "state2",
    "cluster1",
    "cluster2",
    "csa1",
    "csa3",
    "tech1",
    "tech4",
    "operator1",
)

ALL_ROLES = frozenset(Role)
EVERYWHERE = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Cell:
    """What one call sends (its variables) and what it is about (``target``: what the
    row's ``sees`` looks for in the answer)."""

    variables: dict[str, Any]
    target: Any = None


Prepare = Callable[["Env", Caller, Scope], Awaitable[Cell]]
Sees = Callable[[Any, Cell], bool]


@dataclass(frozen=True)
class Row:
    """One root field: a document, how to make its target, and its permission rule."""

    field: str
    kind: Kind
    document: str
    prepare: Prepare
    # Who may use the field; None: no sign-in needed (login, refreshToken, logout).
    roles: frozenset[Role] | None
    # What in and out of scope mean here; None: scope plays no part (Scope.ANY only).
    scopes: tuple[str, str] | None
    out_of_scope: str = Outcome.NOT_FOUND
    # Roles for which every target is in scope.
    everywhere: frozenset[Role] = EVERYWHERE
    # Whether the answer shows the target (queries; mutations that may quietly do nothing).
    sees: Sees | None = None
    # Cells that differ from the rule: (caller label, scope) -> (outcome, why).
    exceptions: Mapping[tuple[str, Scope], tuple[str, str]] = dataclasses.field(
        default_factory=dict
    )
    # Tables a refused call may write (on purpose: a refused reuse of a refresh token
    # revokes its session).
    refusal_writes: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return f"{self.kind.value}.{self.field}"

    @property
    def scope_columns(self) -> tuple[Scope, ...]:
        return (Scope.IN, Scope.OUT) if self.scopes is not None else (Scope.ANY,)

    def expected(self, caller: Caller, scope: Scope) -> str:
        """The outcome the design asks for when ``caller`` uses the field in ``scope``."""
        exception = self.exceptions.get((caller.label, scope))
        if exception is not None:
            return exception[0]
        if self.roles is not None:
            if caller.role is None:
                return Outcome.UNAUTHENTICATED
            if caller.role not in self.roles:
                return Outcome.FORBIDDEN
        if scope is Scope.OUT and caller.role not in self.everywhere:
            return self.out_of_scope
        return Outcome.ALLOWED

    def cells(self) -> list[tuple[Caller, Scope]]:
        return [(caller, scope) for scope in self.scope_columns for caller in CALLERS]
