"""Who may do what to a package request (DESIGN.md's permission table, as data)."""

from __future__ import annotations

from models.packages import RequestAction
from models.staff import Role

READERS = frozenset(
    {Role.TECHNICIAN, Role.CSA, Role.CLUSTER_INCHARGE, Role.STATE_INCHARGE, Role.ADMIN}
)
CREATORS = frozenset({Role.CSA, Role.CLUSTER_INCHARGE, Role.ADMIN})
SUMMARY_READERS = READERS  # a technician too, for their own plants (#19)
MANAGERS = frozenset({Role.CLUSTER_INCHARGE, Role.STATE_INCHARGE, Role.ADMIN})

# For each transition, the roles that may take it. A technician acts only on requests
# assigned to them (ASSIGNED_ONLY).
ACTORS: dict[RequestAction, frozenset[Role]] = {
    RequestAction.ASSIGN: MANAGERS,
    RequestAction.REASSIGN: MANAGERS,
    RequestAction.REJECT: MANAGERS | {Role.TECHNICIAN},
    RequestAction.CANCEL: CREATORS,
    RequestAction.PROCESS: frozenset({Role.TECHNICIAN}),
    RequestAction.COMPLETE: MANAGERS,
    RequestAction.SEND_BACK: MANAGERS,
}
ASSIGNED_ONLY = frozenset({Role.TECHNICIAN})

# What each action is called in messages ("cannot complete it").
VERBS: dict[RequestAction, str] = {
    RequestAction.CREATE: "create",
    RequestAction.ASSIGN: "assign",
    RequestAction.REASSIGN: "reassign",
    RequestAction.REJECT: "reject",
    RequestAction.CANCEL: "cancel",
    RequestAction.PROCESS: "process",
    RequestAction.COMPLETE: "complete",
    RequestAction.SEND_BACK: "send back",
}
